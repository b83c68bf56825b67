//! The mikke handler: the form API.

pub mod store;
pub mod tokens;
