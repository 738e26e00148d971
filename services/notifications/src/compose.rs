//! Turning an event and one recipient into a finished message: sender, headers,
//! the two parts, and the unsubscribe link on mail one may opt out of.
use common::{auth::one_time, config::Config, i18n::Lang, signing::SigningKey};
use entity::{outbox, tenant};
use lettre::{
    Message,
    message::{
        Body, Mailbox, MultiPart, SinglePart,
        header::{ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue, MessageId},
    },
};
use serde::Deserialize;

use crate::{
    encoded::EncodedBody, mailer::SendError, render, render::MailTemplate, render_account::render_account,
    unsubscribe::UnsubscribeToken,
};

/// What an event's payload says about the mail it announces.
#[derive(Debug, Clone, Deserialize)]
pub struct MailPayload {
    /// Who receives it (e-mail addresses); the worker expands one delivery each.
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub locale: Lang,
    /// Set on mail people may opt out of (`announcements`, `consultations`…);
    /// absent on account mail, which always goes and has no unsubscribe link.
    #[serde(default)]
    pub topic: Option<String>,
    pub mail: MailTemplate,
}

impl MailPayload {
    /// Reads the payload of `event`.
    pub fn of(event: &outbox::Model) -> Result<Self, SendError> {
        serde_json::from_value(event.payload.clone())
            .map_err(|e| SendError::Permanent(format!("unreadable event payload: {e}")))
    }
}

/// Who the mail comes from.
pub struct Sender<'a> {
    pub config: &'a Config,
    pub signing_key: &'a SigningKey,
    pub town: Option<&'a tenant::Model>,
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

/// "Mairie de Hanches", "Mairie d’Orléans".
pub fn town_sender_name(town: &str) -> String {
    let town = header_text(town);
    let elides = town.chars().next().is_some_and(|c| "AEIOUYÂÀÉÈÊÎÏÔÛÜaeiouy".contains(c));
    if elides { format!("Mairie d’{town}") } else { format!("Mairie de {town}") }
}

/// Stands for the recipient's unsubscribe link in a draft; only URL-safe
/// characters, so templates pass it through unchanged.
const LINK_PLACEHOLDER: &str = "https://unsubscribe.invalid/recipient-link";

/// An event's mail rendered and encoded once, for every recipient of a fan-out.
#[derive(Debug, Clone)]
pub struct Draft {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    /// Right-hand side of Message-IDs: the sending domain, not the host's name.
    message_id_domain: String,
    subject: String,
    text: EncodedBody,
    html: EncodedBody,
    /// Whether each copy carries its recipient's unsubscribe link.
    personal_link: bool,
}

/// Renders the templates of `payload` once.
pub fn draft(sender: &Sender<'_>, payload: &MailPayload) -> Result<Draft, SendError> {
    let permanent = |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
    let sender_name = sender.town.map_or_else(|| "Participation".to_owned(), |t| town_sender_name(&t.name));
    let personal_link = payload.topic.is_some() && sender.town.is_some();
    let brand = render::Brand::of(sender.town);
    let rendered = match &payload.mail {
        MailTemplate::AccountLink { purpose, token_id, host, name } => {
            let url = one_time::link(sender.config, host, *purpose, sender.signing_key, *token_id);
            render_account(*purpose, &url, &header_text(name), payload.locale, &sender_name, &brand)
        }
        template => render::render(
            template,
            payload.locale,
            &sender_name,
            &brand,
            personal_link.then_some(LINK_PLACEHOLDER),
        ),
    }
    .map_err(|e| permanent("template", &e))?;
    let address: lettre::Address = sender.config.mail_from.parse().map_err(|e| permanent("MAIL_FROM", &e))?;
    Ok(Draft {
        message_id_domain: address.domain().to_owned(),
        from: Mailbox::new(Some(sender_name), address),
        reply_to: sender.town.and_then(|t| t.contact_email.parse::<Mailbox>().ok()),
        subject: header_text(&rendered.subject),
        text: EncodedBody::new(rendered.text, personal_link.then_some(LINK_PLACEHOLDER)),
        html: EncodedBody::new(rendered.html, personal_link.then_some(LINK_PLACEHOLDER)),
        personal_link,
    })
}

/// Builds the message for `recipient` from the event's draft.
pub fn compose(
    sender: &Sender<'_>,
    payload: &MailPayload,
    draft: &Draft,
    recipient: &str,
) -> Result<Message, SendError> {
    let permanent = |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
    let unsubscribe_url = match (draft.personal_link, &payload.topic, sender.town) {
        (true, Some(topic), Some(town)) => {
            let token =
                UnsubscribeToken { tenant_id: town.id, email: recipient.to_owned(), topic: topic.clone() };
            Some(format!(
                "{}://{}.{}/unsubscribe/{}",
                sender.config.public_url_scheme.as_str(),
                town.slug,
                sender.config.platform_domain,
                token.sign(sender.signing_key)
            ))
        }
        _ => None,
    };
    let link = unsubscribe_url.as_deref().unwrap_or_default();
    let (text, html) = (draft.text.with(link), draft.html.with(link));
    let to: lettre::Address = recipient.parse().map_err(|e| permanent("recipient address", &e))?;
    // Given outright, the envelope is not parsed back out of the From and To headers.
    let envelope = lettre::address::Envelope::new(Some(draft.from.email.clone()), vec![to.clone()])
        .map_err(|e| permanent("envelope", &e))?;
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), draft.message_id_domain);
    let mut builder = Message::builder()
        .header(MessageId::from(message_id))
        .date_now()
        .from(draft.from.clone())
        .to(Mailbox::new(None, to))
        .envelope(envelope)
        .subject(draft.subject.clone());
    if let Some(reply_to) = &draft.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    if let Some(url) = &unsubscribe_url {
        builder = builder.header(ListUnsubscribe(format!("<{url}>"))).header(ListUnsubscribePost);
    }
    let part = |content_type: ContentType, encoded: Vec<u8>| {
        SinglePart::builder()
            .header(content_type)
            .body(Body::dangerous_pre_encoded(encoded, ContentTransferEncoding::QuotedPrintable))
    };
    let parts = MultiPart::alternative()
        .singlepart(part(ContentType::TEXT_PLAIN, text))
        .singlepart(part(ContentType::TEXT_HTML, html));
    builder.multipart(parts).map_err(|e| permanent("message", &e))
}

/// `List-Unsubscribe` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
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
    fn the_sender_name_elides_before_a_vowel() {
        assert_eq!(town_sender_name("Hanches"), "Mairie de Hanches");
        assert_eq!(town_sender_name("Orléans"), "Mairie d’Orléans");
        assert_eq!(town_sender_name("Évry\r\nBcc: x"), "Mairie d’Évry Bcc: x");
    }
}
