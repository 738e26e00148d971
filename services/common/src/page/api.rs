//! Pages act through the same handlers as the API: a form becomes the API's
//! JSON body, and the handler's answer becomes a redirection or a message.
use actix_web::{HttpResponse, body::to_bytes, cookie::Cookie, http::header, web};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Problem;

/// The JSON body a handler expects, from a page's fields.
pub fn body<T: DeserializeOwned>(value: Value) -> Result<web::Json<T>, Problem> {
    serde_json::from_value(value).map(web::Json).map_err(Problem::internal)
}

/// The JSON a handler answered with (null when it answered without a body).
pub async fn json(res: HttpResponse) -> Result<Value, Problem> {
    let bytes = to_bytes(res.into_body()).await.map_err(|_| Problem::internal("unreadable answer"))?;
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).map_err(Problem::internal)
}

/// The cookies a handler set.
pub fn cookies(res: &HttpResponse) -> Vec<Cookie<'static>> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| Cookie::parse_encoded(v.to_owned()).ok())
        .collect()
}
