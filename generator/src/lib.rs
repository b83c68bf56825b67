//! The mikke generator: Markdown mentor profiles → static directory + catalog.
//!
//! One module per stage (see ARCHITECTURE.md):
//! `content` loads and validates → `markdown` renders bios and pages →
//! `render` fills the Tera templates → `search` builds the client index →
//! `catalog` writes catalog.json → `site` orchestrates and swaps the output in atomically →
//! `private` writes the handler's private bundle (`mail.json`: mail templates, contacts) outside
//! the site.
//! `serve` is the staff preview server with live reload.

pub mod catalog;
pub mod content;
pub mod diagnostics;
pub mod markdown;
pub mod output;
pub mod preview;
pub mod private;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;

pub use content::{Content, Mentor, MentorFrontMatter, Page, SiteConfig};
pub use diagnostics::{Problem, Problems};
pub use output::{OutputBody, OutputFile};
