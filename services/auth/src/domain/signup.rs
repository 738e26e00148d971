//! A town's request for a space, parsed from the signup form.
use common::{
    domain::{Email, InseeCode, InvalidSlug, Slug},
    i18n::Text,
    problem::FieldError,
};

use super::display_name::DisplayName;

/// A well-formed request; whether the commune exists and is free is the store's to say.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    pub insee_code: InseeCode,
    pub slug: Slug,
    pub contact_email: Email,
    pub contact_name: DisplayName,
}

impl SignupRequest {
    /// Parses every field, reporting each one at fault.
    pub fn parse(
        insee_code: &str,
        slug: &str,
        contact_email: &str,
        contact_name: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let insee_code = InseeCode::parse(insee_code)
            .map_err(|_| {
                errors.push(FieldError::new(
                    "insee_code",
                    Text::fixed(
                        "Un code INSEE de commune a cinq caractères, comme 28191 ou 2A004.",
                        "An INSEE commune code has five characters, such as 28191 or 2A004.",
                    ),
                ))
            })
            .ok();
        let slug = Slug::parse(slug)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "slug",
                    match e {
                        InvalidSlug::Malformed => Text::fixed(
                            "De 3 à 40 caractères : lettres minuscules sans accent, chiffres et tirets intérieurs.",
                            "3 to 40 characters: lower-case letters, digits and inner hyphens.",
                        ),
                        InvalidSlug::Reserved => {
                            Text::fixed("Ce nom est réservé par la plateforme.", "This name is reserved by the platform.")
                        }
                    },
                ))
            })
            .ok();
        let contact_email = Email::parse(contact_email)
            .map_err(|_| {
                errors.push(FieldError::new(
                    "contact_email",
                    Text::fixed("Adresse e-mail invalide.", "Invalid e-mail address."),
                ))
            })
            .ok();
        let contact_name = DisplayName::parse(contact_name)
            .map_err(|e| errors.push(FieldError::new("contact_name", e.message())))
            .ok();
        match (insee_code, slug, contact_email, contact_name) {
            (Some(insee_code), Some(slug), Some(contact_email), Some(contact_name)) if errors.is_empty() => {
                Ok(SignupRequest { insee_code, slug, contact_email, contact_name })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn each_bad_field_is_named() {
        assert!(SignupRequest::parse("28191", "hanches", "mairie@hanches.fr", "Secrétariat").is_ok());
        let errors = SignupRequest::parse("2819", "www", "mairie", "").unwrap_err();
        assert_eq!(fields(errors), ["insee_code", "slug", "contact_email", "contact_name"]);
        let errors = SignupRequest::parse("28191", "-hanches", "mairie@hanches.fr", "S").unwrap_err();
        assert_eq!(fields(errors), ["slug"]);
    }
}
