//! Request-level plumbing shared by every service: request ids and log spans,
//! localised problem bodies, body size limits, extractor error handlers.
use std::time::Instant;

use actix_web::{
    Error, HttpMessage, HttpRequest, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    error::{JsonPayloadError, PathError, QueryPayloadError},
    http::{StatusCode, header},
    middleware::Next,
    web,
};
use tracing::Instrument;

use crate::{
    i18n::{Lang, Text},
    problem::{FieldError, Problem},
};

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The id of the request, as logged and returned in `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Outermost layer: gives each request an id and a log span, logs its outcome,
/// and renders any problem in the language the client asked for.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = incoming_request_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // A browser opening a page gets an error page; API clients keep problem+json.
    let page = wants_html(req.headers());
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let chosen = req.cookie(crate::page::LANG_COOKIE);
    let lang = match page {
        true => Lang::for_page(chosen.as_ref().map(|c| c.value()), accept),
        false => Lang::negotiate(accept),
    };
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        tenant_id = tracing::field::Empty,
        method = %req.method(),
        route = %req.match_pattern().unwrap_or_else(|| "unmatched".into()),
    );
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let started = Instant::now();
    let res = next.call(req).instrument(span.clone()).await?;
    let res = localise_problem(res, lang, &request_id, page);
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(status, latency_ms = started.elapsed().as_millis() as u64, "request served");
    });
    let mut res = res;
    if let Ok(value) = header::HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}

/// Whether the client is a browser asking for a page (it accepts `text/html`).
pub fn wants_html(headers: &header::HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// A client-chosen id is kept only when short and plain, so it cannot forge log lines.
fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let id = req.headers().get("x-request-id")?.to_str().ok()?;
    let plain = (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| id.to_owned())
}

fn localise_problem(
    res: ServiceResponse<impl MessageBody + 'static>,
    lang: Lang,
    request_id: &str,
    page: bool,
) -> ServiceResponse<BoxBody> {
    let problem = res.response().extensions().get::<Problem>().cloned().or_else(|| {
        // Actix answers a known path with a wrong method by a bare 405.
        (res.status() == StatusCode::METHOD_NOT_ALLOWED)
            .then(|| Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"))
    });
    let Some(problem) = problem else {
        return res.map_into_boxed_body();
    };
    let (req, old) = res.into_parts();
    let mut new = match page {
        true => crate::web::error_page(&req, &problem, lang, request_id),
        false => problem.to_response(lang, Some(request_id)),
    };
    for (name, value) in old.headers() {
        if !new.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    crate::problem::close_if_too_large(&mut new);
    ServiceResponse::new(req, new)
}

/// Refuses a declared body over [`MAX_BODY_BYTES`] before reading a byte of it.
/// Bodies without a length are cut off by the extractors' own limit.
pub async fn reject_oversized(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        let problem = Problem::payload_too_large(MAX_BODY_BYTES);
        let mut res = actix_web::ResponseError::error_response(&problem);
        // The unread body stays on the socket: close rather than reuse it.
        res.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
        return Ok(req.into_response(res));
    }
    // A body refused part way (the extractors' limit) gets a 413 that closes
    // the connection (see `Problem::to_response`).
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

/// JSON bodies: size limit, and problem+json for every way a body can be wrong.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(|err, _req: &HttpRequest| json_problem(&err).into())
}

fn json_problem(err: &JsonPayloadError) -> Problem {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            Problem::payload_too_large(MAX_BODY_BYTES)
        }
        JsonPayloadError::ContentType => {
            Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "validation_failed").with_detail(Text::fixed(
                "Le corps doit être envoyé en JSON (Content-Type: application/json).",
                "The body must be sent as JSON (Content-Type: application/json).",
            ))
        }
        JsonPayloadError::Deserialize(e) => {
            let field = serde_field(&e.to_string()).unwrap_or_else(|| "body".into());
            let detail = if e.is_data() {
                Text::new(format!("Valeur invalide : {e}"), format!("Invalid value: {e}"))
            } else {
                Text::fixed("Le corps n’est pas un document JSON valide.", "The body is not valid JSON.")
            };
            Problem::validation(vec![FieldError::new(field, detail)])
        }
        _ => Problem::validation(vec![FieldError::new(
            "body",
            Text::fixed("Le corps de la requête n’a pas pu être lu.", "The request body could not be read."),
        )]),
    }
}

/// The field serde complained about, when its message names one.
fn serde_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    let name = &message[start..start + len];
    (message.contains("field") && !name.is_empty()).then(|| name.to_owned())
}

/// Query strings: problem+json on a bad parameter.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        Problem::validation(vec![FieldError::new(
            "query",
            Text::new(format!("Paramètre invalide : {err}"), format!("Invalid parameter: {err}")),
        )])
        .into()
    })
}

/// Path segments: a malformed id names nothing, so it is a 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, _req| Problem::not_found().into())
}

/// Fallback for requests no route takes: 405 when the path exists with other
/// methods (a resource inherits this default), 404 otherwise.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, Problem> {
    if req.match_pattern().is_some() {
        Err(Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"))
    } else {
        Err(Problem::not_found())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_serde_names() {
        assert_eq!(serde_field("missing field `email` at line 1 column 2").as_deref(), Some("email"));
        assert_eq!(serde_field("unknown field `x`, expected `a`").as_deref(), Some("x"));
        assert_eq!(serde_field("expected value at line 1 column 1"), None);
    }
}
