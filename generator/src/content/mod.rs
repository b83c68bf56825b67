//! Loading and validating `content/`: front matter, profiles, pages, taxonomy, site settings.

mod model;

pub use model::{Briefing, Content, Mentor, MentorFrontMatter, Page, PageFrontMatter, SiteConfig};
