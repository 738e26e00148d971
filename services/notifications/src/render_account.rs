//! Account mails: a one-time link and a few words around it, never an
//! unsubscribe link (they always go).
use askama::Template;
use common::{auth::one_time::Purpose, i18n::Lang};

use crate::render::{Brand, Rendered};

/// The words of one account mail in one language.
struct Words {
    subject: &'static str,
    intro: &'static str,
    action: &'static str,
    expiry: &'static str,
}

fn words(purpose: Purpose, lang: Lang) -> Words {
    let w = |subject, intro, action, expiry| Words { subject, intro, action, expiry };
    match (purpose, lang) {
        (Purpose::VerifyEmail, Lang::Fr) => w(
            "Confirmez votre adresse e-mail",
            "Pour participer, confirmez votre adresse e-mail en ouvrant ce lien :",
            "Confirmer mon adresse",
            "Ce lien est valable 48 heures.",
        ),
        (Purpose::VerifyEmail, Lang::En) => w(
            "Confirm your e-mail address",
            "To take part, confirm your e-mail address by opening this link:",
            "Confirm my address",
            "This link is valid for 48 hours.",
        ),
        (Purpose::LoginLink, Lang::Fr) => w(
            "Votre lien de connexion",
            "Pour vous connecter sans mot de passe, ouvrez ce lien :",
            "Me connecter",
            "Ce lien est valable 15 minutes et ne sert qu’une fois.",
        ),
        (Purpose::LoginLink, Lang::En) => w(
            "Your login link",
            "To log in without a password, open this link:",
            "Log in",
            "This link is valid for 15 minutes and works once.",
        ),
        (Purpose::PasswordReset, Lang::Fr) => w(
            "Choisissez un nouveau mot de passe",
            "Pour choisir un nouveau mot de passe, ouvrez ce lien :",
            "Choisir un mot de passe",
            "Ce lien est valable 1 heure et ne sert qu’une fois.",
        ),
        (Purpose::PasswordReset, Lang::En) => w(
            "Choose a new password",
            "To choose a new password, open this link:",
            "Choose a password",
            "This link is valid for 1 hour and works once.",
        ),
        (Purpose::SignupVerify, Lang::Fr) => w(
            "Confirmez la demande d’espace de votre commune",
            "Pour confirmer la demande d’espace de participation de votre commune, ouvrez ce lien :",
            "Confirmer la demande",
            "Ce lien est valable 48 heures.",
        ),
        (Purpose::SignupVerify, Lang::En) => w(
            "Confirm your town’s request for a space",
            "To confirm your town’s request for a participation space, open this link:",
            "Confirm the request",
            "This link is valid for 48 hours.",
        ),
        (Purpose::Invitation, Lang::Fr) => w(
            "Vous êtes invité à gérer l’espace de participation",
            "Vous êtes invité à rejoindre l’équipe de l’espace de participation. Pour accepter, ouvrez ce lien :",
            "Accepter l’invitation",
            "Ce lien est valable 7 jours et ne sert qu’une fois.",
        ),
        (Purpose::Invitation, Lang::En) => w(
            "You are invited to run the participation space",
            "You are invited to join the team of the participation space. To accept, open this link:",
            "Accept the invitation",
            "This link is valid for 7 days and works once.",
        ),
        (Purpose::Subscribe, Lang::Fr) => w(
            "Confirmez votre abonnement",
            "Vous avez demandé à être prévenu des nouvelles consultations. Pour le confirmer, ouvrez ce lien ; sans confirmation, vous ne recevrez rien :",
            "Confirmer mon abonnement",
            "Ce lien est valable 48 heures.",
        ),
        (Purpose::Subscribe, Lang::En) => w(
            "Confirm your subscription",
            "You asked to hear of new consultations. To confirm, open this link; without a confirmation you will receive nothing:",
            "Confirm my subscription",
            "This link is valid for 48 hours.",
        ),
    }
}

#[derive(Template)]
#[template(path = "mail/account.txt")]
struct AccountText<'a> {
    greeting: &'a str,
    intro: &'a str,
    url: &'a str,
    expiry: &'a str,
    ignore: &'a str,
}

#[derive(Template)]
#[template(path = "mail/account.html")]
struct AccountHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    sender: &'a str,
    brand: &'a Brand,
    greeting: &'a str,
    intro: &'a str,
    action: &'a str,
    url: &'a str,
    expiry: &'a str,
    ignore: &'a str,
}

/// Renders the mail carrying `url` to `name`.
pub fn render_account(
    purpose: Purpose,
    url: &str,
    name: &str,
    lang: Lang,
    sender: &str,
    brand: &Brand,
) -> Result<Rendered, askama::Error> {
    let w = words(purpose, lang);
    // Without a name (a subscriber has none), the greeting says hello alone.
    let name = if name.trim().is_empty() { String::new() } else { format!(" {}", name.trim()) };
    let (greeting, ignore) = match lang {
        Lang::Fr => (
            format!("Bonjour{name},"),
            "Si vous n’êtes pas à l’origine de cette demande, ignorez ce message.",
        ),
        Lang::En => (format!("Hello{name},"), "If you did not ask for this, ignore this message."),
    };
    let text = AccountText { greeting: &greeting, intro: w.intro, url, expiry: w.expiry, ignore }.render()?;
    let html = AccountHtml {
        lang: lang.tag(),
        subject: w.subject,
        sender,
        brand,
        greeting: &greeting,
        intro: w.intro,
        action: w.action,
        url,
        expiry: w.expiry,
        ignore,
    }
    .render()?;
    Ok(Rendered { subject: w.subject.to_owned(), text, html })
}
