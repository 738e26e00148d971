//! Server-rendered pages: who is visiting (session, language, CSRF token),
//! the frame every page shares, posted forms, and how a page answers.
use std::future::Future;
use std::pin::Pin;

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time::Duration},
    dev::Payload,
    http::{StatusCode, header},
    web,
};
use askama::Template;

use crate::{AppState, Problem, Site, auth::Principal, i18n::Lang};

pub mod api;
mod form;
mod frame;
pub mod session;

pub use form::{Form, FormData};
pub use frame::{Frame, notice};
pub use session::SignedIn;

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Anyone signed in.
    Account,
    /// A town's admin or moderator.
    Staff,
    /// A town's admin.
    Admin,
    /// The platform's operator.
    Operator,
}

/// The caller a page needs, or the page's early answer: a redirection to the
/// login page for anonymous visitors, 403 for the wrong role.
/// `let me = common::caller!(v, Needs::Admin);`
#[macro_export]
macro_rules! caller {
    ($v:expr) => {
        $crate::caller!($v, $crate::page::Needs::Account)
    };
    ($v:expr, $needs:expr) => {
        match $v.allowed($needs)? {
            Ok(principal) => principal,
            Err(answer) => return Ok(*answer),
        }
    };
}

/// Whether a handler's refusal is about what a form sent (the form is shown
/// again with it) rather than something the page cannot help.
pub fn about_the_form(problem: &Problem) -> bool {
    matches!(problem.status().as_u16(), 400 | 401 | 403 | 409 | 422 | 429)
}

/// Cookie remembering the language a visitor chose.
pub const LANG_COOKIE: &str = "lang";

/// A visitor of a page: their language, session and forms' CSRF token.
pub struct Visitor {
    pub lang: Lang,
    pub signed_in: Option<SignedIn>,
    pub csrf: String,
    /// The town's name, or the platform's.
    pub site: String,
    pub on_town: bool,
    /// The town's logo, if it has one.
    pub logo: Option<String>,
    /// Path and query of this page, to come back to after a login or a switch of language.
    pub here: String,
    notice: Option<&'static str>,
    set_cookies: Vec<Cookie<'static>>,
    req: HttpRequest,
}

impl FromRequest for Visitor {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Visitor, Problem>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state =
                req.app_data::<web::Data<AppState>>().ok_or_else(|| Problem::internal("AppState missing"))?;
            let (site, on_town, logo) = match req.extensions().get::<Site>() {
                Some(Site::Town(t)) => (t.name.clone(), true, t.logo_url.clone()),
                Some(Site::Platform) => ("Participation".to_owned(), false, None),
                None => return Err(Problem::unknown_host()),
            };
            let chosen = req.cookie(LANG_COOKIE);
            let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
            let lang = Lang::for_page(chosen.as_ref().map(|c| c.value()), accept);
            let resolved = session::resolve(&req, state).await;
            let here = match req.uri().path_and_query() {
                Some(pq) => pq.as_str().to_owned(),
                None => "/".to_owned(),
            };
            let notice = web::Query::<NoticeQuery>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.into_inner().ok)
                .and_then(|key| frame::notice_key(&key));
            Ok(Visitor {
                lang,
                signed_in: resolved.signed_in,
                csrf: resolved.csrf,
                site,
                on_town,
                logo,
                here,
                notice,
                set_cookies: resolved.set_cookies,
                req,
            })
        })
    }
}

#[derive(serde::Deserialize)]
struct NoticeQuery {
    ok: Option<String>,
}

impl Visitor {
    /// The text in the visitor's language.
    pub fn t<'a>(&self, fr: &'a str, en: &'a str) -> &'a str {
        if self.lang == Lang::En { en } else { fr }
    }

    /// The signed-in caller, if any.
    pub fn principal(&self) -> Option<&Principal> {
        self.signed_in.as_ref().map(|s| &s.principal)
    }

    /// The caller, or a redirection to the login page that comes back here.
    pub fn require(&self) -> Result<&Principal, Box<HttpResponse>> {
        self.principal()
            .ok_or_else(|| Box::new(self.redirect(&format!("/login?next={}", encode(&self.here)))))
    }

    /// The caller if they may open a page that `needs` a role: the login page
    /// (as `Ok(Err(..))`) for anonymous visitors, 403 for the wrong role.
    pub fn allowed(&self, needs: Needs) -> Result<Result<Principal, Box<HttpResponse>>, Problem> {
        let principal = match self.require() {
            Ok(p) => p,
            Err(to_login) => return Ok(Err(to_login)),
        };
        let role = principal.role;
        let fits = match needs {
            Needs::Account => true,
            Needs::Staff => role.is_staff(),
            Needs::Admin => role == crate::auth::Role::Admin,
            Needs::Operator => role == crate::auth::Role::Operator,
        };
        if !fits {
            return Err(Problem::new(StatusCode::FORBIDDEN, "forbidden"));
        }
        Ok(Ok(principal.clone()))
    }

    /// 403 unless the form carries this visitor's CSRF token (field `csrf`).
    pub fn check(&self, form: &FormData) -> Result<(), Problem> {
        let state = self
            .req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| Problem::internal("AppState missing"))?;
        if session::csrf_ok(&self.req, state, self.signed_in.as_ref(), form.get("csrf")) {
            return Ok(());
        }
        Err(Problem::new(StatusCode::FORBIDDEN, "forbidden").with_detail(crate::i18n::Text::fixed(
            "Le formulaire a expiré ou ne vient pas de ce site : rechargez la page et recommencez.",
            "The form has expired or does not come from this site: reload the page and try again.",
        )))
    }

    /// The frame of a page titled `title`.
    pub fn frame(&self, title: impl Into<String>) -> Frame {
        Frame::of(self, title.into(), self.notice)
    }

    /// The frame of a page titled `title` showing notice `key` (a form shown
    /// again after it was handled).
    pub fn frame_with_notice(&self, title: impl Into<String>, key: &str) -> Frame {
        Frame::of(self, title.into(), frame::notice_key(key))
    }

    /// 200 with the rendered page.
    pub fn render(&self, page: &impl Template) -> Result<HttpResponse, Problem> {
        self.render_with(StatusCode::OK, page)
    }

    /// The rendered page with `status` (422 for a form sent back with errors).
    pub fn render_with(&self, status: StatusCode, page: &impl Template) -> Result<HttpResponse, Problem> {
        let body = page.render().map_err(Problem::internal)?;
        let mut res = HttpResponse::build(status);
        res.content_type("text/html; charset=utf-8")
            .insert_header(("Content-Language", self.lang.tag()))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        for cookie in &self.set_cookies {
            res.cookie(cookie.clone());
        }
        Ok(res.body(body))
    }

    /// 303 to `to` (a path of this site), after a form was handled.
    pub fn redirect(&self, to: &str) -> HttpResponse {
        let mut res = HttpResponse::SeeOther();
        res.insert_header((header::LOCATION, local_path(to)));
        for cookie in &self.set_cookies {
            res.cookie(cookie.clone());
        }
        res.finish()
    }

    /// 303 to `to`, setting `cookies` too (a session opened or closed).
    pub fn redirect_with(
        &self,
        to: &str,
        cookies: impl IntoIterator<Item = Cookie<'static>>,
    ) -> HttpResponse {
        let mut res = self.redirect(to);
        for cookie in cookies {
            let _ = res.add_cookie(&cookie);
        }
        res
    }

    /// The request the page answers.
    pub fn request(&self) -> &HttpRequest {
        &self.req
    }
}

/// `to` if it is a path of this site, `/` otherwise (never another site:
/// `next` parameters must not redirect away).
pub fn local_path(to: &str) -> &str {
    let local =
        to.starts_with('/') && !to.starts_with("//") && !to.starts_with("/\\") && !to.contains(['\r', '\n']);
    if local { to } else { "/" }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Registers `/lang/{fr|en}` (any host): remembers the choice for a year.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/lang/{lang}", web::get().to(switch_language));
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

async fn switch_language(path: web::Path<String>, query: web::Query<Next>) -> HttpResponse {
    let lang = if path.as_str() == "en" { "en" } else { "fr" };
    let next = query.into_inner().next.unwrap_or_else(|| "/".into());
    let cookie = Cookie::build(LANG_COOKIE, lang)
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish();
    HttpResponse::SeeOther().cookie(cookie).insert_header((header::LOCATION, local_path(&next))).finish()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(local_path("/consultations/1?x=2"), "/consultations/1?x=2");
        for away in
            ["//evil.example", "https://evil.example", "/\\evil.example", "evil", "", "/a\r\nSet-Cookie: x"]
        {
            assert_eq!(local_path(away), "/", "{away}");
        }
    }
}
