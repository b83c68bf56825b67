//! The mikke handler: the form API. One router ([`app`]) serves API Gateway under
//! Lambda and the local server alike; see `/work/notes/arch/handler.md`.

pub mod app;
pub mod config;
pub mod console;
pub mod diary;
pub mod error;
pub mod forms;
pub mod inquiries;
pub mod matching;
pub mod notify;
pub mod privacy;
pub mod proposal;
pub mod ratelimit;
pub mod report;
pub mod sample;
pub mod scoring;
pub mod staff;
pub mod tokens;

/// The store is its own crate (`store/`); re-exported so the handler's paths read `store::…`.
pub use mikke_store as store;

pub use app::{app, AppState};
pub use config::{Config, ConfigError, Mode};
pub use error::ApiError;
pub use scoring::Matcher;
