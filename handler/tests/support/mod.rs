//! Test harnesses shared by the handler's integration tests. moto lives with the store's
//! conformance suite, which needs it first; the Lambda test borrows it.
#[cfg(feature = "aws")]
#[path = "../../../store/tests/support/moto.rs"]
pub mod moto;

pub mod http;
pub mod mail;
