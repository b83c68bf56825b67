//! One plain-text Japanese mail as MIME: `From`, `Reply-To`, `To`, `Subject` (RFC 2047
//! encoded words, folded so no header line passes 78 characters), `Date`, `Message-ID`,
//! `Auto-Submitted: auto-generated` (no vacation auto-replies back to us), `Content-Type:
//! text/plain; charset=utf-8`. lettre does the encoding (its `HeaderValueEncoder` splits
//! encoded words on character boundaries); this module only decides the headers.

use std::time::SystemTime;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::Message;

/// A rendered mail, ready to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// `Name <address>` or an address.
    pub from: String,
    pub reply_to: Option<String>,
    /// Addresses (bare).
    pub to: Vec<String>,
    pub subject: String,
    /// Plain text, `\n` line ends.
    pub body: String,
    /// Unique per outbox entry (`<entry-id@domain>`), so a resend is recognisably the same
    /// mail and logs can name it without naming anyone.
    pub message_id: String,
    pub date: SystemTime,
}

/// A message that cannot be encoded: the configuration or the data is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutgoingError {
    #[error("the {0} address is not valid")]
    Address(&'static str),
    #[error("a mail needs at least one recipient")]
    NoRecipient,
    #[error("the message could not be built: {0}")]
    Build(String),
}

/// `Auto-Submitted: auto-generated` (RFC 3834).
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

impl Outgoing {
    /// The envelope's sender address (bare), for transports that ask for it.
    pub fn from_address(&self) -> Result<String, OutgoingError> {
        let mailbox: Mailbox = self
            .from
            .parse()
            .map_err(|_| OutgoingError::Address("From"))?;
        Ok(mailbox.email.to_string())
    }

    /// The message as lettre holds it (headers and body, envelope from `From`/`To`).
    pub fn message(&self) -> Result<Message, OutgoingError> {
        if self.to.is_empty() {
            return Err(OutgoingError::NoRecipient);
        }
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|_| OutgoingError::Address("From"))?;
        let mut builder = Message::builder()
            .from(from)
            .subject(self.subject.as_str())
            .message_id(Some(self.message_id.clone()))
            .date(self.date)
            .header(AutoSubmitted)
            .header(ContentType::TEXT_PLAIN);
        if let Some(reply_to) = &self.reply_to {
            let mailbox: Mailbox = reply_to
                .parse()
                .map_err(|_| OutgoingError::Address("Reply-To"))?;
            builder = builder.reply_to(mailbox);
        }
        for to in &self.to {
            let mailbox: Mailbox = to.parse().map_err(|_| OutgoingError::Address("To"))?;
            builder = builder.to(mailbox);
        }
        builder
            .body(self.body.clone())
            .map_err(|e| OutgoingError::Build(e.to_string()))
    }

    /// The raw MIME bytes (what SMTP, SES's raw content and a `.eml` file carry), every
    /// header line at most 78 characters.
    pub fn raw(&self) -> Result<Vec<u8>, OutgoingError> {
        Ok(self.encode()?.1)
    }

    /// The SMTP envelope (from `From` and `To`) and [`Outgoing::raw`]'s bytes.
    pub fn encode(&self) -> Result<(lettre::address::Envelope, Vec<u8>), OutgoingError> {
        let message = self.message()?;
        Ok((
            message.envelope().clone(),
            fold_headers(&message.formatted()),
        ))
    }
}

/// Most characters on a header line (RFC 5322 §2.1.1's "SHOULD").
pub const MAX_HEADER_LINE: usize = 78;

/// Folds header lines longer than [`MAX_HEADER_LINE`] at their last space that fits. lettre
/// folds the subject's encoded words but writes `From: =?utf-8?b?…?= <address>` on one line;
/// the space before `<` is a legal folding point (and encoded words hold no spaces, so a fold
/// never splits one). The body is left as it is.
fn fold_headers(raw: &[u8]) -> Vec<u8> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 2);
    let (head, rest) = raw.split_at(split);
    let Ok(head) = std::str::from_utf8(head) else {
        return raw.to_vec();
    };
    let mut out = String::with_capacity(head.len() + 16);
    for line in head.split_terminator("\r\n") {
        let mut line = line;
        while line.len() > MAX_HEADER_LINE {
            // Not at 0 (a folded line's own leading space) and not before the name's colon.
            let Some(at) = line[..=MAX_HEADER_LINE]
                .rfind(' ')
                .filter(|&i| i > 0 && (line[..i].contains(':') || line.starts_with(' ')))
            else {
                break;
            };
            out.push_str(&line[..at]);
            out.push_str("\r\n");
            line = &line[at..];
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(rest);
    bytes
}

#[cfg(test)]
mod tests;
