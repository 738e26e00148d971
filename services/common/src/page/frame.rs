//! What the shared layout needs from every page: language, site, session and
//! the one-line notice a redirection after a form carries (`?ok=key`).
use crate::{auth::Role, i18n::Lang};

use super::{Visitor, encode};

/// The layout's data, held by every page as `f`.
pub struct Frame {
    pub lang: &'static str,
    pub english: bool,
    pub title: String,
    pub site: String,
    pub town: bool,
    pub logo: Option<String>,
    pub csrf: String,
    pub signed_in: bool,
    pub staff: bool,
    pub operator: bool,
    /// This page's address, encoded for a `next=` parameter.
    pub here: String,
    pub notice: Option<&'static str>,
}

impl Frame {
    pub(super) fn of(v: &Visitor, title: String, key: Option<&'static str>) -> Frame {
        let role = v.principal().map(|p| p.role);
        Frame {
            lang: v.lang.tag(),
            english: v.lang == Lang::En,
            title,
            site: v.site.clone(),
            town: v.on_town,
            logo: v.logo.clone(),
            csrf: v.csrf.clone(),
            signed_in: role.is_some(),
            staff: role.is_some_and(Role::is_staff),
            operator: role == Some(Role::Operator),
            here: encode(&v.here),
            notice: key.map(|key| notice(key, v.lang)),
        }
    }

    /// The frame of a page made without a visitor (error pages): nobody
    /// signed in, no form.
    pub fn bare(lang: Lang, town: Option<&str>, title: impl Into<String>) -> Frame {
        Frame {
            lang: lang.tag(),
            english: lang == Lang::En,
            title: title.into(),
            site: town.unwrap_or("Participation").to_owned(),
            town: town.is_some(),
            logo: None,
            csrf: String::new(),
            signed_in: false,
            staff: false,
            operator: false,
            here: "%2F".to_owned(),
            notice: None,
        }
    }

    /// The text in the page's language.
    pub fn t<'a>(&self, fr: &'a str, en: &'a str) -> &'a str {
        if self.english { en } else { fr }
    }
}

/// Notices a redirection may name, in both languages.
const NOTICES: &[(&str, &str, &str)] = &[
    (
        "registered",
        "Compte créé. Ouvrez le lien reçu par e-mail pour confirmer votre adresse.",
        "Account created. Open the link we e-mailed you to confirm your address.",
    ),
    ("verified", "Adresse confirmée : vous pouvez participer.", "Address confirmed: you can take part."),
    ("welcome", "Vous êtes connecté.", "You are logged in."),
    ("bye", "Vous êtes déconnecté.", "You are logged out."),
    (
        "link_sent",
        "Si un compte existe pour cette adresse, un lien de connexion vient de lui être envoyé.",
        "If an account exists for this address, a login link has just been sent to it.",
    ),
    (
        "reset_sent",
        "Si un compte existe pour cette adresse, un lien pour choisir un mot de passe vient de lui être envoyé.",
        "If an account exists for this address, a link to choose a password has just been sent to it.",
    ),
    ("password", "Mot de passe enregistré : connectez-vous.", "Password saved: log in."),
    ("saved", "Modifications enregistrées.", "Changes saved."),
    ("response", "Merci : votre réponse est enregistrée.", "Thank you: your answer is saved."),
    ("proposed", "Votre proposition est publiée.", "Your proposal is published."),
    ("ballot", "Merci : votre vote est enregistré.", "Thank you: your vote is saved."),
    ("comment", "Votre commentaire est publié.", "Your comment is published."),
    ("reported", "Signalement transmis à la modération.", "Report sent to the moderators."),
    ("created", "Consultation créée (brouillon).", "Consultation created (draft)."),
    ("question", "Question ajoutée.", "Question added."),
    ("project", "Projet ajouté.", "Project added."),
    ("answered", "Réponse publiée ; l’auteur est prévenu.", "Answer published; the author is told."),
    ("published", "Consultation publiée.", "Consultation published."),
    ("closed", "Consultation close.", "Consultation closed."),
    ("results", "Résultats publiés.", "Results published."),
    (
        "subscribed",
        "Presque fini : ouvrez le lien reçu par e-mail pour confirmer l’abonnement.",
        "Almost done: open the link we e-mailed you to confirm the subscription.",
    ),
    ("confirmed", "Abonnement confirmé.", "Subscription confirmed."),
    ("deleted", "Votre compte est supprimé.", "Your account is deleted."),
    (
        "signup",
        "Demande enregistrée. Ouvrez le lien reçu par e-mail pour la confirmer.",
        "Request recorded. Open the link we e-mailed you to confirm it.",
    ),
    (
        "signup_verified",
        "Adresse confirmée : l’équipe de la plateforme va examiner la demande.",
        "Address confirmed: the platform team will review the request.",
    ),
    ("done", "C’est fait.", "Done."),
    ("test_sent", "Test envoyé à votre adresse.", "Test sent to your address."),
    ("announced", "Annonce en cours d’envoi.", "Announcement on its way."),
    ("invited", "Invitation envoyée.", "Invitation sent."),
    ("joined", "Bienvenue dans l’équipe : connectez-vous.", "Welcome to the team: log in."),
];

/// The key of a known notice.
pub(super) fn notice_key(key: &str) -> Option<&'static str> {
    NOTICES.iter().find(|(k, _, _)| *k == key).map(|(k, _, _)| *k)
}

/// The notice `key` in `lang` ("" if unknown).
pub fn notice(key: &str, lang: Lang) -> &'static str {
    NOTICES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or("", |(_, fr, en)| if lang == Lang::En { en } else { fr })
}
