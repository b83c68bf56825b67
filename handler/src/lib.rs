//! The mikke handler: the form API.
