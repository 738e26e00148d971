//! Posted forms: the fields as typed (repeated names kept, for checkboxes),
//! and the state a page re-renders them with: values and errors per field.
use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::{Problem, i18n::Lang, problem::FieldError};

/// Largest form body a page accepts.
const FORM_LIMIT: usize = 64 * 1024;

/// The fields of an `application/x-www-form-urlencoded` body, in order.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// Parses a urlencoded body.
    pub fn parse(body: &[u8]) -> FormData {
        FormData(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, if not blank.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether `name` was sent with `value` (a ticked box, a chosen option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == value)
    }
}

impl FromRequest for FormData {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<FormData, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = bytes.await.map_err(|_| Problem::payload_too_large(FORM_LIMIT))?;
            if body.len() > FORM_LIMIT {
                return Err(Problem::payload_too_large(FORM_LIMIT));
            }
            Ok(FormData::parse(&body))
        })
    }
}

/// A form as a page shows it: what was typed, and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub data: FormData,
    /// `(field, message)` in the page's language, in the order found.
    pub errors: Vec<(String, String)>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Form {
        Form::default()
    }

    /// A form holding what was typed, without errors yet.
    pub fn typed(data: FormData) -> Form {
        Form { data, errors: Vec::new() }
    }

    /// The typed value of `name`, or "".
    pub fn value(&self, name: &str) -> &str {
        self.data.get(name)
    }

    /// Whether box `name` was ticked with `value`.
    pub fn checked(&self, name: &str, value: impl std::fmt::Display) -> bool {
        self.data.has(name, &value.to_string())
    }

    /// The message for `name`, if it is at fault.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.as_str())
    }

    /// Whether `name` is at fault.
    pub fn invalid(&self, name: &str) -> bool {
        self.error(name).is_some()
    }

    /// Whether anything is at fault.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Adds a message for `field`.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((field.to_owned(), message.into()));
    }

    /// Takes a problem's field errors, mapping API field names to the page's
    /// with `rename`; a problem without field errors lands on `fallback`.
    pub fn absorb(&mut self, problem: &Problem, lang: Lang, fallback: &str, rename: impl Fn(&str) -> String) {
        let fields: &[FieldError] = problem.field_errors();
        if fields.is_empty() {
            let text = problem.detail(lang).unwrap_or_else(|| problem.title(lang).to_owned());
            self.fail(fallback, text);
        }
        for e in fields {
            self.fail(&rename(&e.field), e.message.get(lang));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_in_order() {
        let data = FormData::parse(b"a=1&b=x+y&a=2&c=%C3%A9t%C3%A9");
        assert_eq!(data.all("a"), vec!["1", "2"]);
        assert_eq!(data.get("b"), "x y");
        assert_eq!(data.get("c"), "été");
        assert_eq!(data.get("missing"), "");
        assert!(data.has("a", "2") && !data.has("a", "3"));
    }

    #[test]
    fn a_problem_lands_on_its_fields_or_on_the_fallback() {
        let mut form = Form::new();
        let problem = Problem::validation(vec![FieldError::new(
            "email",
            crate::i18n::Text::fixed("Adresse invalide.", "Invalid address."),
        )]);
        form.absorb(&problem, Lang::Fr, "form", |f| f.to_owned());
        assert_eq!(form.error("email"), Some("Adresse invalide."));
        let mut other = Form::new();
        other.absorb(&crate::auth::unauthenticated(), Lang::En, "form", |f| f.to_owned());
        assert_eq!(other.error("form"), Some("Log in to continue."));
    }
}
