//! Test harnesses shared by the handler's integration tests.
pub mod moto;
