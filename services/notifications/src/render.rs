//! Mail bodies from compiled templates: a plain-text and an HTML part, French
//! by default, English on request.
use askama::Template;
use common::{auth::one_time::Purpose, i18n::Lang};
use serde::Deserialize;
use uuid::Uuid;

/// The mails the platform knows how to write, with what each needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "template", content = "params", rename_all = "snake_case")]
pub enum MailTemplate {
    /// A message written by a town (announcements, notices).
    Notice {
        subject: String,
        body: String,
        /// The body is Markdown: the HTML part shows it rendered (and sanitised).
        #[serde(default)]
        markdown: bool,
    },
    /// An account mail with a one-time link; the worker derives the link's token
    /// from `token_id`, so the event never holds it.
    AccountLink { purpose: Purpose, token_id: Uuid, host: String, name: String },
    /// The weekly digest of the week from `from` to `to`, written for each reader when sent.
    Digest { from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc> },
}

/// A message ready for the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The footer of mail one may opt out of.
struct Footer {
    why: &'static str,
    unsubscribe: &'static str,
}

impl Footer {
    fn new(lang: Lang) -> Self {
        match lang {
            Lang::Fr => Footer {
                why: "Vous recevez ce message car vous suivez la participation citoyenne de votre commune.",
                unsubscribe: "Se désabonner",
            },
            Lang::En => Footer {
                why: "You receive this message because you follow your town’s citizen participation.",
                unsubscribe: "Unsubscribe",
            },
        }
    }
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    body: &'a str,
    unsubscribe_url: Option<&'a str>,
    footer: Footer,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    sender: &'a str,
    brand: &'a Brand,
    paragraphs: Vec<Vec<&'a str>>,
    /// Sanitised HTML of a Markdown body, shown instead of the paragraphs.
    rich: Option<String>,
    unsubscribe_url: Option<&'a str>,
    footer: Footer,
}

/// A town's look in its mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub logo_url: Option<String>,
    /// `#rrggbb`, checked when the town sets it.
    pub color: String,
}

impl Default for Brand {
    fn default() -> Self {
        Brand { logo_url: None, color: "#1a4d8f".into() }
    }
}

impl Brand {
    /// The town's logo and colour, or the platform's.
    pub fn of(town: Option<&entity::tenant::Model>) -> Brand {
        let d = Brand::default();
        match town {
            None => d,
            Some(t) => Brand {
                logo_url: t.logo_url.clone(),
                color: t.brand_color.clone().filter(|c| is_colour(c)).unwrap_or(d.color),
            },
        }
    }
}

/// `#rrggbb`: nothing else reaches a style attribute.
pub fn is_colour(raw: &str) -> bool {
    raw.len() == 7 && raw.starts_with('#') && raw[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Renders `template` for a reader of `lang`, signed by `sender` in the town's `brand`.
pub fn render(
    template: &MailTemplate,
    lang: Lang,
    sender: &str,
    brand: &Brand,
    unsubscribe_url: Option<&str>,
) -> Result<Rendered, askama::Error> {
    match template {
        MailTemplate::Notice { subject, body, markdown } => {
            let rich = markdown.then(|| common::markdown::render_lite(body));
            let body = body.replace("\r\n", "\n");
            let paragraphs = body
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| p.lines().collect())
                .collect();
            let text =
                NoticeText { body: body.trim(), unsubscribe_url, footer: Footer::new(lang) }.render()?;
            let html = NoticeHtml {
                lang: lang.tag(),
                subject,
                sender,
                brand,
                paragraphs,
                rich,
                unsubscribe_url,
                footer: Footer::new(lang),
            }
            .render()?;
            Ok(Rendered { subject: subject.clone(), text, html })
        }
        MailTemplate::AccountLink { .. } => {
            Err(askama::Error::Custom("account links are rendered by render_account, with their URL".into()))
        }
        MailTemplate::Digest { .. } => {
            Err(askama::Error::Custom("a digest is written for each reader when it is sent".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(body: &str) -> MailTemplate {
        MailTemplate::Notice { subject: "Réunion".into(), body: body.into(), markdown: false }
    }

    #[test]
    fn html_is_escaped_and_keeps_paragraphs() {
        let r = render(
            &notice("<script>x</script>\nligne 2\n\nParagraphe & 2"),
            Lang::Fr,
            "Mairie",
            &Brand::default(),
            None,
        )
        .unwrap();
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&#60;script&#62;x&#60;/script&#62;<br>ligne 2</p>"), "{}", r.html);
        assert!(r.html.contains("Paragraphe &#38; 2"), "{}", r.html);
        assert!(r.html.contains("lang=\"fr\""));
        assert!(r.text.starts_with("<script>x</script>\nligne 2"));
        assert!(!r.text.contains("désabonner"));
    }

    #[test]
    fn the_footer_speaks_the_reader_language() {
        let url = "https://hanches.example.fr/unsubscribe/abc.def";
        let fr =
            render(&notice("Bonjour"), Lang::Fr, "Mairie de Hanches", &Brand::default(), Some(url)).unwrap();
        assert!(fr.text.contains(&format!("Se désabonner : {url}")));
        assert!(fr.html.contains(&format!("<a href=\"{url}\"")));
        let en =
            render(&notice("Hello"), Lang::En, "Mairie de Hanches", &Brand::default(), Some(url)).unwrap();
        assert!(en.text.contains("Unsubscribe") && en.html.contains("lang=\"en\""));
    }

    #[test]
    fn payloads_name_their_template() {
        let t: MailTemplate = serde_json::from_value(
            serde_json::json!({"template": "notice", "params": {"subject": "s", "body": "b"}}),
        )
        .unwrap();
        assert_eq!(t, MailTemplate::Notice { subject: "s".into(), body: "b".into(), markdown: false });
        assert!(serde_json::from_value::<MailTemplate>(serde_json::json!({"template": "other"})).is_err());
    }
}
