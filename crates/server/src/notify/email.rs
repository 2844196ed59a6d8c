//! E-mail over SMTP with lettre (plain, STARTTLS or TLS, as the URL says).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::render::Rendered;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Sends e-mail through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of the Message-IDs this server makes.
    domain: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold credentials: never printed.
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

/// Why the SMTP settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// The SMTP URL.
    #[error(
        "notify.smtp_url is not a usable SMTP URL (smtp://host:port, smtp://host?tls=required, smtps://user:pass@host): {0}"
    )]
    Url(String),
    /// The sender address.
    #[error("notify.from {0:?} is not an e-mail address (\"Tenggat <desk@example.com>\")")]
    From(String),
}

impl Mailer {
    /// A mailer for `smtp_url` (`smtp://127.0.0.1:2525`, `smtp://host?tls=required`,
    /// `smtps://user:password@host`) sending as `from`.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, MailConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            // lettre's message may quote the URL; only the kind of problem is kept.
            .map_err(|e| MailConfigError::Url(scrub(&e.to_string(), smtp_url)))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailConfigError::From(from.to_owned()))?;
        let domain = from.email.domain().to_owned();
        Ok(Mailer {
            transport,
            from,
            domain,
        })
    }

    /// Sends one message to `to`. Its Message-ID is derived from the outbox row's dedupe
    /// key, so a message sent twice (at-least-once) carries the same Message-ID both times.
    pub async fn send(&self, to: &str, dedupe_key: &str, text: &Rendered) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("recipient {to:?} is not an e-mail address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text.subject.clone())
            .message_id(Some(format!(
                "<{}@{}>",
                super::webhook::hex_sha256(dedupe_key),
                self.domain
            )))
            .header(ContentType::TEXT_PLAIN)
            .body(text.body.clone())
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// `text` without `secret_source` in it (an URL with a password).
fn scrub(text: &str, secret_source: &str) -> String {
    if secret_source.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret_source, "<smtp url>")
    }
}
