//! Turning an event and one recipient into a finished message.
use entity::{outbox, tenant};
use lettre::{
    Message,
    message::{Mailbox, header::ContentType},
};
use serde::Deserialize;

use crate::mailer::SendError;

/// What an event's payload says about the mail it announces.
#[derive(Debug, Clone, Deserialize)]
pub struct MailPayload {
    /// Who receives it (e-mail addresses); the worker expands one delivery each.
    #[serde(default)]
    pub recipients: Vec<String>,
    pub subject: String,
    pub text: String,
}

impl MailPayload {
    /// Reads the payload of `event`.
    pub fn of(event: &outbox::Model) -> Result<Self, SendError> {
        serde_json::from_value(event.payload.clone())
            .map_err(|e| SendError::Permanent(format!("unreadable event payload: {e}")))
    }
}

/// Header text with no line breaks or control characters, so nothing a town or a
/// citizen typed can add a header.
pub fn header_text(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the message for `recipient`: the town's name as sender name and its
/// contact as `Reply-To` (the platform's name for platform mail).
pub fn compose(
    mail_from: &str,
    town: Option<&tenant::Model>,
    payload: &MailPayload,
    recipient: &str,
) -> Result<Message, SendError> {
    let permanent = |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
    let sender_name = town.map_or_else(|| "Participation".to_owned(), |t| header_text(&t.name));
    let from = Mailbox::new(Some(sender_name), mail_from.parse().map_err(|e| permanent("MAIL_FROM", &e))?);
    let to: Mailbox = recipient.parse().map_err(|e| permanent("recipient address", &e))?;
    let mut builder = Message::builder()
        .message_id(None)
        .date_now()
        .from(from)
        .to(to)
        .subject(header_text(&payload.subject));
    if let Some(reply_to) = town.and_then(|t| t.contact_email.parse::<Mailbox>().ok()) {
        builder = builder.reply_to(reply_to);
    }
    builder.header(ContentType::TEXT_PLAIN).body(payload.text.clone()).map_err(|e| permanent("message", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_cannot_smuggle_headers() {
        assert_eq!(header_text("Réunion\r\nBcc: victim@example.fr"), "Réunion Bcc: victim@example.fr");
        assert_eq!(header_text("  a\tb \u{7}c "), "a b c");
    }

    #[test]
    fn a_bad_recipient_is_a_permanent_failure() {
        let payload = MailPayload { recipients: vec![], subject: "s".into(), text: "t".into() };
        let err = compose("noreply@example.fr", None, &payload, "not an address").unwrap_err();
        assert!(matches!(err, SendError::Permanent(_)));
        assert!(compose("noreply@example.fr", None, &payload, "marie@example.fr").is_ok());
    }
}
