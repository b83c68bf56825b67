//! Where mail goes: an SMTP server (the local catcher `scripts/run.sh` starts), a directory of
//! `.eml` files (no server configured: never dropped silently), or SES v2 (AWS, feature
//! `ses`). Built once at start; every send says, when it fails, whether to wait for the
//! transport ([`SendErrorKind::Unavailable`]), try this mail again later
//! ([`SendErrorKind::Temporary`]) or give it up ([`SendErrorKind::Rejected`]).
//!
//! Errors carry codes and reasons, never an address or a line of the message.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;

use crate::message::Outgoing;

/// How long one SMTP exchange may take before the server counts as away.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle SMTP connections kept for the next mails (as many as the sender has in flight).
const SMTP_IDLE: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendErrorKind {
    /// The transport cannot be reached (connection refused, timeout, throttled): wait for it;
    /// not this mail's fault.
    Unavailable,
    /// This mail failed for now (a 4xx for it): try again later, counting towards giving up.
    Temporary,
    /// Refused for good (SMTP 5xx, SES `MessageRejected`, a message that cannot be built):
    /// record it once, do not retry.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct SendError {
    pub kind: SendErrorKind,
    /// A short reason for the outbox and the logs (`smtp 550`, `connection refused`).
    pub detail: String,
}

impl SendError {
    fn new(kind: SendErrorKind, detail: impl Into<String>) -> SendError {
        SendError {
            kind,
            detail: detail.into(),
        }
    }
}

/// A configured transport. Cheap to clone.
#[derive(Clone)]
pub enum Transport {
    Smtp {
        /// `host:port`.
        server: String,
        /// Open connections between mails. Ours rather than lettre's pool: lettre leaves
        /// Nagle's algorithm on, and each message then waits out the peer's delayed ACK
        /// (~40 ms on loopback: 160 mails/s instead of thousands, BENCHMARKS.md).
        idle: Arc<Mutex<Vec<AsyncSmtpConnection>>>,
    },
    /// One `.eml` file per message in this directory (0700; files 0600).
    Files(PathBuf),
    #[cfg(feature = "ses")]
    Ses {
        client: aws_sdk_sesv2::Client,
        configuration_set: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("MIKKE_SMTP_URL must look like smtp://127.0.0.1:2525 (host and port; no TLS, no credentials), got \"{0}\"")]
    SmtpUrl(String),
}

impl Transport {
    /// SMTP without TLS to `smtp://host:port` — the local catcher on 127.0.0.1. Production
    /// mail goes through SES, so there is no TLS or login to configure here.
    pub fn smtp(url: &str) -> Result<Transport, TransportError> {
        let bad = || TransportError::SmtpUrl(url.to_string());
        let rest = url.strip_prefix("smtp://").ok_or_else(bad)?;
        let (host, port) = rest
            .trim_end_matches('/')
            .rsplit_once(':')
            .ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(bad());
        }
        Ok(Transport::Smtp {
            server: format!("{host}:{port}"),
            idle: Arc::new(Mutex::new(Vec::new())),
        })
    }

    pub fn files(dir: &Path) -> Transport {
        Transport::Files(dir.to_path_buf())
    }

    #[cfg(feature = "ses")]
    pub fn ses(client: aws_sdk_sesv2::Client, configuration_set: Option<String>) -> Transport {
        Transport::Ses {
            client,
            configuration_set,
        }
    }

    /// What a person reads in a log line or the README: where mail goes.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { server, .. } => format!("SMTP {server}"),
            Transport::Files(dir) => format!("files in {}", dir.display()),
            #[cfg(feature = "ses")]
            Transport::Ses { .. } => "Amazon SES".into(),
        }
    }

    /// Delivers `mail` once.
    pub async fn send(&self, mail: &Outgoing) -> Result<(), SendError> {
        let rejected =
            |e: crate::OutgoingError| SendError::new(SendErrorKind::Rejected, e.to_string());
        match self {
            Transport::Smtp { server, idle } => {
                let (envelope, raw) = mail.encode().map_err(rejected)?;
                let pooled = idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let mut conn = match pooled {
                    Some(conn) => conn,
                    None => smtp_connect(server).await?,
                };
                let sent = tokio::time::timeout(SMTP_TIMEOUT, conn.send(&envelope, &raw)).await;
                match sent {
                    Ok(Ok(_)) => {
                        let mut idle = idle.lock().unwrap_or_else(|e| e.into_inner());
                        if idle.len() < SMTP_IDLE && !conn.has_broken() {
                            idle.push(conn);
                        }
                        Ok(())
                    }
                    // The connection may be mid-transaction: never reused.
                    Ok(Err(e)) => Err(smtp_error(&e)),
                    Err(_) => Err(SendError::new(SendErrorKind::Unavailable, "smtp timeout")),
                }
            }
            Transport::Files(dir) => {
                let raw = mail.raw().map_err(rejected)?;
                write_eml(dir, &mail.message_id, &raw).map_err(|e| {
                    SendError::new(
                        SendErrorKind::Unavailable,
                        format!("mail directory: {}", e.kind()),
                    )
                })
            }
            #[cfg(feature = "ses")]
            Transport::Ses {
                client,
                configuration_set,
            } => ses_send(client, configuration_set.as_deref(), mail).await,
        }
    }
}

/// A fresh connection: TCP with Nagle off, then EHLO.
async fn smtp_connect(server: &str) -> Result<AsyncSmtpConnection, SendError> {
    let unavailable = |what: &str| SendError::new(SendErrorKind::Unavailable, what.to_string());
    let stream = tokio::time::timeout(SMTP_TIMEOUT, tokio::net::TcpStream::connect(server))
        .await
        .map_err(|_| unavailable("smtp timeout"))?
        .map_err(|_| unavailable("smtp unreachable"))?;
    stream
        .set_nodelay(true)
        .map_err(|_| unavailable("smtp unreachable"))?;
    let hello = ClientId::Domain("localhost".into());
    tokio::time::timeout(
        SMTP_TIMEOUT,
        AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello),
    )
    .await
    .map_err(|_| unavailable("smtp timeout"))?
    .map_err(|e| smtp_error(&e))
}

fn smtp_error(e: &lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(|c| c.to_string());
    match code {
        Some(code) if e.is_permanent() => {
            SendError::new(SendErrorKind::Rejected, format!("smtp {code}"))
        }
        Some(code) if e.is_transient() => {
            SendError::new(SendErrorKind::Temporary, format!("smtp {code}"))
        }
        _ if e.is_timeout() => SendError::new(SendErrorKind::Unavailable, "smtp timeout"),
        // Connection refused, reset, DNS: the server is away. Not `e.to_string()`: lettre's
        // messages can quote the server's reply, which may echo an address.
        _ => SendError::new(SendErrorKind::Unavailable, "smtp unreachable"),
    }
}

/// `<dir>/<UTC time>-<message id>.eml`, written to a temporary name and renamed, so a reader
/// of the directory never sees half a mail.
fn write_eml(dir: &Path, message_id: &str, raw: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let stamp = time::OffsetDateTime::now_utc();
    let name: String = message_id
        .trim_matches(['<', '>'])
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let file = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}-{name}.eml",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second(),
        stamp.nanosecond()
    );
    let temp = dir.join(format!(".{file}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&temp)?;
    f.write_all(raw)?;
    f.sync_all()?;
    std::fs::rename(&temp, dir.join(file))
}

#[cfg(feature = "ses")]
async fn ses_send(
    client: &aws_sdk_sesv2::Client,
    configuration_set: Option<&str>,
    mail: &Outgoing,
) -> Result<(), SendError> {
    use aws_sdk_sesv2::operation::send_email::SendEmailError;
    use aws_sdk_sesv2::primitives::Blob;
    use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

    let rejected = |e: crate::OutgoingError| SendError::new(SendErrorKind::Rejected, e.to_string());
    let raw = mail.raw().map_err(rejected)?;
    let from = mail.from_address().map_err(rejected)?;
    let content = EmailContent::builder()
        .raw(
            RawMessage::builder()
                .data(Blob::new(raw))
                .build()
                .map_err(|e| SendError::new(SendErrorKind::Rejected, e.to_string()))?,
        )
        .build();
    // The destination is given explicitly: SES raw sends without one use the headers'
    // addresses, and a header parser is not where recipients should be decided.
    let sent = client
        .send_email()
        .from_email_address(from)
        .destination(
            Destination::builder()
                .set_to_addresses(Some(mail.to.clone()))
                .build(),
        )
        .content(content)
        .set_configuration_set_name(configuration_set.map(str::to_string))
        .send()
        .await;
    let Err(err) = sent else {
        return Ok(());
    };
    let kind = match err.as_service_error() {
        Some(SendEmailError::MessageRejected(_)) => SendErrorKind::Rejected,
        Some(SendEmailError::BadRequestException(_))
        | Some(SendEmailError::MailFromDomainNotVerifiedException(_))
        | Some(SendEmailError::NotFoundException(_)) => SendErrorKind::Temporary,
        // Throttling, a paused account, the service or the network away: wait.
        _ => SendErrorKind::Unavailable,
    };
    let code = err
        .as_service_error()
        .and_then(|e| aws_sdk_sesv2::error::ProvideErrorMetadata::code(e).map(str::to_string))
        .unwrap_or_else(|| "unreachable".into());
    Err(SendError::new(kind, format!("ses {code}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_host_and_port_only() {
        assert!(Transport::smtp("smtp://127.0.0.1:2525").is_ok());
        assert!(Transport::smtp("smtp://localhost:25/").is_ok());
        for bad in [
            "127.0.0.1:2525",
            "smtp://127.0.0.1",
            "smtp://user:pw@host:25",
            "smtps://host:465",
            "smtp://:25",
        ] {
            assert!(Transport::smtp(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn the_file_transport_writes_one_private_eml_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail");
        let t = Transport::files(&out);
        let mail = Outgoing {
            from: "mikke <noreply@mikke.example.jp>".into(),
            reply_to: None,
            to: vec!["a@example.jp".into()],
            subject: "件名".into(),
            body: "本文\n".into(),
            message_id: "<x.y/z@mikke.example.jp>".into(),
            date: std::time::SystemTime::now(),
        };
        t.send(&mail).await.unwrap();
        t.send(&mail).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 2, "{files:?}");
        for f in &files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.ends_with("-x.y_z_mikke.example.jp.eml"), "{name}");
            let read = crate::read::read(&std::fs::read(f).unwrap()).unwrap();
            assert_eq!(read.subject(), "件名");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(f).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
        }
    }

    #[tokio::test]
    async fn an_smtp_server_that_is_not_there_is_unavailable_not_a_rejection() {
        // A port nothing listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = Transport::smtp(&format!("smtp://127.0.0.1:{port}")).unwrap();
        let mail = Outgoing {
            from: "noreply@mikke.example.jp".into(),
            reply_to: None,
            to: vec!["a@example.jp".into()],
            subject: "s".into(),
            body: "b".into(),
            message_id: "<m@mikke.example.jp>".into(),
            date: std::time::SystemTime::now(),
        };
        let err = t.send(&mail).await.unwrap_err();
        assert_eq!(err.kind, SendErrorKind::Unavailable, "{err}");
        assert!(!err.detail.contains("a@example.jp"));
    }
}
