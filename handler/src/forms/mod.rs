//! Submitted forms: reading a body (JSON or form-encoded), checking fields with
//! Japanese messages, and the pages a plain form post gets back.

mod application;
pub mod consent;
mod fields;
mod idempotency;
mod inquiry;
mod page;
mod raw;

pub use application::{
    check_application, ApplicantType, Application, ApplicationSubmission, HONEYPOT,
    MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_PREFERRED_MENTORS,
};
pub use fields::{honeypot_filled, Checker, FieldErrors};
pub use inquiry::{
    check_inquiry, Inquiry, InquiryKind, InquirySubmission, MAX_INQUIRY_MESSAGE_CHARS,
    MAX_PREFERRED_TIMES_CHARS,
};
pub use page::problem_page;
pub use raw::{BodyError, RawFields, RawValue};

#[cfg(test)]
mod tests;
