//! Test harnesses of the store's integration tests (the handler's Lambda test borrows moto).
pub mod moto;
