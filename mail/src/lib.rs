//! mikke's mail, as a stage of its own: a rendered message ([`Outgoing`]) becomes MIME
//! ([`message`]) and a transport delivers it ([`transport`]): SMTP to a local catcher, `.eml`
//! files when no server is configured (never dropped silently), SES v2 on AWS (feature `ses`).
//!
//! What to send, to whom and when is the handler's business (`handler/src/notify/`): this crate
//! knows nothing of the outbox or the templates, and logs nothing about a message but its id.

pub mod message;
pub mod read;
pub mod transport;

pub use message::{Outgoing, OutgoingError};
pub use transport::{SendError, SendErrorKind, Transport};
