//! RFC 9457 problem+json errors with the stable codes of API.md.
use std::fmt;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde_json::{Value, json};

use crate::i18n::{Lang, Text};

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Text,
}

impl FieldError {
    /// A field error with a message in both languages.
    pub fn new(field: impl Into<String>, message: Text) -> Self {
        FieldError { field: field.into(), message }
    }
}

/// An error as a client sees it: status, machine code, localised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    detail: Option<Text>,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
}

impl Problem {
    /// A problem with a status and one of the codes of API.md.
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Problem { status, code, detail: None, errors: Vec::new(), retry_after_secs: None }
    }

    /// Adds a human explanation of this occurrence.
    pub fn with_detail(mut self, detail: Text) -> Self {
        self.detail = Some(detail);
        self
    }

    /// 400 `validation_failed` listing each field at fault.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Problem { errors, ..Problem::new(StatusCode::BAD_REQUEST, "validation_failed") }
    }

    /// 404 `unknown_host`: the Host header names no platform or live town.
    pub fn unknown_host() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "unknown_host")
    }

    /// 503 `tenant_suspended`.
    pub fn tenant_suspended() -> Self {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "tenant_suspended")
    }

    /// 404 `not_found`.
    pub fn not_found() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not_found")
    }

    /// 413 `payload_too_large`, naming the limit.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        let kib = limit_bytes / 1024;
        Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").with_detail(Text::new(
            format!("Le corps de la requête dépasse {kib} Kio."),
            format!("The request body exceeds {kib} KiB."),
        ))
    }

    /// 500 `internal`; the cause goes to the log, never to the client. A
    /// database that cannot be reached is a 503, whichever way it got here.
    pub fn internal<E: fmt::Debug + 'static>(cause: E) -> Self {
        let unreachable = (&cause as &dyn std::any::Any)
            .downcast_ref::<sea_orm::DbErr>()
            .is_some_and(crate::db::is_connection_error);
        if unreachable {
            return Problem::unavailable(cause);
        }
        tracing::error!(error = ?cause, "internal error");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    /// 503 while a dependency (database, Redis) is unreachable.
    pub fn unavailable(cause: impl fmt::Debug) -> Self {
        tracing::warn!(error = ?cause, "dependency unavailable");
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "internal").with_detail(Text::fixed(
            "Le service est momentanément indisponible, réessayez dans un instant.",
            "The service is briefly unavailable; try again in a moment.",
        ))
    }

    /// Asks the client to wait before retrying (sets `Retry-After`).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The machine code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The fields at fault, for a form to show beside each field.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Its HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Its title in `lang`.
    pub fn title(&self, lang: Lang) -> &'static str {
        title(self.code, lang)
    }

    /// Its detail in `lang`, if it has one.
    pub fn detail(&self, lang: Lang) -> Option<String> {
        self.detail.as_ref().map(|d| d.get(lang).to_owned())
    }

    /// The problem as a JSON document in `lang`.
    pub fn to_json(&self, lang: Lang, request_id: Option<&str>) -> Value {
        let mut body = json!({
            "type": format!("urn:participation:problem:{}", self.code),
            "title": title(self.code, lang),
            "status": self.status.as_u16(),
            "code": self.code,
        });
        if let Some(detail) = &self.detail {
            body["detail"] = Value::from(detail.get(lang));
        }
        if !self.errors.is_empty() {
            body["errors"] = self
                .errors
                .iter()
                .map(|e| json!({ "field": e.field, "message": e.message.get(lang) }))
                .collect();
        }
        if let Some(id) = request_id {
            body["request_id"] = Value::from(id);
        }
        body
    }

    /// The response in `lang`; the problem rides along so outer layers can re-render it.
    pub fn to_response(&self, lang: Lang, request_id: Option<&str>) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        builder.content_type(PROBLEM_JSON).insert_header(("Content-Language", lang.tag()));
        if let Some(secs) = self.retry_after_secs {
            builder.insert_header(("Retry-After", secs.to_string()));
        }
        let mut res = builder.body(self.to_json(lang, request_id).to_string());
        res.extensions_mut().insert(self.clone());
        close_if_too_large(&mut res);
        res
    }
}

/// A 413 closes its connection: the refused body is not read to its end
/// (a client could otherwise stream gigabytes into a drained socket).
pub fn close_if_too_large<B>(res: &mut HttpResponse<B>) {
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        res.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.to_response(Lang::Fr, None)
    }
}

impl From<sea_orm::DbErr> for Problem {
    fn from(err: sea_orm::DbErr) -> Self {
        Problem::internal(err)
    }
}

fn title(code: &str, lang: Lang) -> &'static str {
    let (fr, en) = match code {
        "unknown_host" => ("Adresse inconnue", "Unknown host"),
        "tenant_suspended" => ("Espace suspendu", "Space suspended"),
        "unauthenticated" => ("Connexion requise", "Authentication required"),
        "forbidden" => ("Accès refusé", "Forbidden"),
        "not_found" => ("Introuvable", "Not found"),
        "validation_failed" => ("Données invalides", "Validation failed"),
        "invalid_credentials" => ("Identifiants incorrects", "Invalid credentials"),
        "email_unverified" => ("Adresse e-mail non vérifiée", "E-mail address not verified"),
        "rate_limited" => ("Trop de tentatives", "Too many requests"),
        "already_responded" => ("Vous avez déjà répondu", "Already responded"),
        "over_budget" => ("Budget dépassé", "Over budget"),
        "consultation_not_open" => ("Consultation fermée", "Consultation not open"),
        "conflict" => ("Action impossible dans cet état", "Conflict"),
        "payload_too_large" => ("Requête trop volumineuse", "Payload too large"),
        "method_not_allowed" => ("Méthode non autorisée", "Method not allowed"),
        _ => ("Erreur interne", "Internal error"),
    };
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_a_503_whichever_way_it_is_mapped() {
        use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, sqlx};
        let cut = || {
            DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            )))))
        };
        for err in [DbErr::ConnectionAcquire(ConnAcquireErr::Timeout), cut()] {
            assert_eq!(Problem::internal(err).to_json(Lang::En, None)["status"], 503);
        }
        assert_eq!(Problem::from(cut()).to_json(Lang::En, None)["status"], 503);
        assert_eq!(Problem::internal(DbErr::Custom("bug".into())).to_json(Lang::En, None)["status"], 500);
        assert_eq!(Problem::internal("not a database error").to_json(Lang::En, None)["status"], 500);
    }

    #[test]
    fn renders_rfc9457_members_in_both_languages() {
        let p = Problem::validation(vec![FieldError::new("slug", Text::fixed("trop court", "too short"))]);
        let fr = p.to_json(Lang::Fr, Some("req-1"));
        assert_eq!(fr["status"], 400);
        assert_eq!(fr["code"], "validation_failed");
        assert_eq!(fr["title"], "Données invalides");
        assert_eq!(fr["errors"][0]["field"], "slug");
        assert_eq!(fr["errors"][0]["message"], "trop court");
        assert_eq!(fr["request_id"], "req-1");
        let en = p.to_json(Lang::En, None);
        assert_eq!(en["title"], "Validation failed");
        assert_eq!(en["errors"][0]["message"], "too short");
        assert!(en.get("request_id").is_none());
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let body = Problem::internal("password=hunter2 in connection string").to_json(Lang::En, None);
        assert!(!body.to_string().contains("hunter2"));
        assert_eq!(body["status"], 500);
    }
}
