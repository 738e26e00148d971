//! Pages with forms, as a browser without JavaScript uses them: a CSRF token
//! on every form (anonymous ones too), forms sent back with what was typed and
//! errors tied to their fields, sessions in cookies that renew themselves, and
//! `next` addresses that never lead to another site.
use std::collections::BTreeMap;

use actix_web::cookie::Cookie;
use participation_tests::TestApp;
use reqwest::{StatusCode, header};

use crate::{
    auth_citizen::{town_app, verified_citizen},
    people::send,
};

const PASSWORD: &str = "vélo cargo sous la pluie";

/// A browser: cookies kept between requests, pages read as text.
struct Browser<'a> {
    app: &'a TestApp,
    host: String,
    jar: BTreeMap<String, String>,
}

/// What a page answered.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<Cookie<'static>>,
    body: String,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp, host: &str) -> Self {
        Browser { app, host: host.to_owned(), jar: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&mut self, res: reqwest::Response) -> Answer {
        let status = res.status();
        let location = res.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<Cookie<'static>> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| Cookie::parse(v.to_str().unwrap().to_owned()).unwrap())
            .collect();
        for c in &set_cookies {
            if c.value().is_empty() {
                self.jar.remove(c.name());
            } else {
                self.jar.insert(c.name().to_owned(), c.value().to_owned());
            }
        }
        Answer { status, location, set_cookies, body: res.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let req = self
            .app
            .get(&self.host, path)
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, self.cookie_header());
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let req = self
            .app
            .post(&self.host, path)
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, self.cookie_header())
            .form(fields);
        let res = req.send().await.unwrap();
        self.read(res).await
    }
}

/// The CSRF token of the first form of `page`.
fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a form with its token") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

fn wrong_login(token: &str) -> [(&str, &str); 3] {
    [("csrf", token), ("email", "x@example.fr"), ("password", "x")]
}

#[tokio::test]
async fn forms_refuse_a_post_without_the_token_of_their_page() {
    let (app, _sink, host) = town_app().await;
    let mut alice = Browser::new(&app, &host);
    let page = alice.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = csrf(&page.body);

    // No token, or the token another browser was given: refused, nothing done.
    assert_eq!(alice.post("/login", &wrong_login("")).await.status, StatusCode::FORBIDDEN);
    let mut mallory = Browser::new(&app, &host);
    let theirs = csrf(&mallory.get("/login").await.body);
    assert_eq!(alice.post("/login", &wrong_login(&theirs)).await.status, StatusCode::FORBIDDEN);

    // The page's own token: the form is handled (and refused for its content).
    let refused = alice.post("/login", &wrong_login(&token)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("class=\"summary\" role=\"alert\""), "{}", refused.body);
    assert!(refused.body.contains("value=\"x@example.fr\""), "what was typed is kept");
    assert!(
        refused.body.contains("aria-invalid=\"true\" aria-describedby=\"email-error\""),
        "the error is tied to its field"
    );
    assert!(!refused.body.contains("value=\"x\""), "a password is never sent back");
}

#[tokio::test]
async fn a_page_session_opens_renews_itself_and_ends() {
    let (app, sink, host) = town_app().await;
    verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let mut jeanne = Browser::new(&app, &host);

    // An anonymous visitor of a private page is sent to log in, and back.
    let away = jeanne.get("/account").await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(away.location.as_deref(), Some("/login?next=%2Faccount"));

    let token = csrf(&jeanne.get("/login?next=%2Faccount").await.body);
    let fields = [
        ("csrf", token.as_str()),
        ("email", "jeanne@example.fr"),
        ("password", PASSWORD),
        ("next", "/account"),
    ];
    let logged_in = jeanne.post("/login", &fields).await;
    assert_eq!(logged_in.status, StatusCode::SEE_OTHER);
    assert_eq!(logged_in.location.as_deref(), Some("/account?ok=welcome"));
    let session = logged_in.set_cookies.iter().find(|c| c.name() == "participation_session").unwrap();
    assert_eq!(session.http_only(), Some(true));
    let account = jeanne.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("Jeanne Martin") && account.body.contains("jeanne@example.fr"));

    // The access cookie expires: the refresh cookie renews it in place.
    jeanne.jar.remove("participation_session");
    let renewed = jeanne.get("/account").await;
    assert_eq!(renewed.status, StatusCode::OK, "still signed in");
    assert!(renewed.body.contains("Jeanne Martin"));
    assert!(renewed.set_cookies.iter().any(|c| c.name() == "participation_session" && !c.value().is_empty()));

    // Logging out ends the session for good, renewal included.
    let token = csrf(&renewed.body);
    let out = jeanne.post("/logout", &[("csrf", token.as_str())]).await;
    assert_eq!((out.status, out.location.as_deref()), (StatusCode::SEE_OTHER, Some("/?ok=bye")));
    let refresh_cookie = jeanne.jar.get("participation_refresh").cloned();
    assert!(refresh_cookie.is_none(), "the browser forgets its cookies");
    assert_eq!(jeanne.get("/account").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_login_never_leads_to_another_site() {
    let (app, sink, host) = town_app().await;
    verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        let mut jeanne = Browser::new(&app, &host);
        let token = csrf(&jeanne.get("/login").await.body);
        let fields = [
            ("csrf", token.as_str()),
            ("email", "jeanne@example.fr"),
            ("password", PASSWORD),
            ("next", next),
        ];
        let res = jeanne.post("/login", &fields).await;
        assert_eq!(res.location.as_deref(), Some("/?ok=welcome"), "{next}");
    }
    let res = app.get(&host, "/lang/en?next=//evil.example").send().await.unwrap();
    assert_eq!(res.headers()[header::LOCATION], "/");
}

#[tokio::test]
async fn the_console_is_for_staff_only() {
    let (app, sink, host) = town_app().await;
    verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let mut jeanne = Browser::new(&app, &host);
    assert_eq!(jeanne.get("/admin").await.location.as_deref(), Some("/login?next=%2Fadmin"));
    let token = csrf(&jeanne.get("/login").await.body);
    jeanne.post("/login", &[("csrf", &token), ("email", "jeanne@example.fr"), ("password", PASSWORD)]).await;
    let refused = jeanne.get("/admin").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("<h1>"), "an error page, not a bare status");
    // Nor can a citizen create a consultation by posting the console's form.
    let token = csrf(&jeanne.get("/account").await.body);
    let res = jeanne
        .post("/admin/consultations/new", &[("csrf", &token), ("title", "Pirate"), ("kind", "questionnaire")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (_, list) = send(app.get(&host, "/api/v1/consultations?status=draft")).await;
    assert!(!list.to_string().contains("Pirate"));
}

#[tokio::test]
async fn pages_speak_english_when_asked() {
    let (app, _sink, host) = town_app().await;
    let mut visitor = Browser::new(&app, &host);
    let switched = visitor.get("/lang/en?next=%2Flogin").await;
    assert_eq!(switched.location.as_deref(), Some("/login"));
    let page = visitor.get("/login").await;
    assert!(page.body.contains("<html lang=\"en\">") && page.body.contains("Log in"), "{}", page.body);
    let missing = visitor.get("/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("<html lang=\"en\">"), "error pages follow the choice too");
}

#[tokio::test]
async fn a_citizen_changes_their_name_on_the_account_page() {
    let (app, sink, host) = town_app().await;
    verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let mut jeanne = Browser::new(&app, &host);
    let token = csrf(&jeanne.get("/login").await.body);
    jeanne.post("/login", &[("csrf", &token), ("email", "jeanne@example.fr"), ("password", PASSWORD)]).await;
    let token = csrf(&jeanne.get("/account").await.body);

    let refused = jeanne.post("/account/name", &[("csrf", &token), ("display_name", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"display_name-error\""), "{}", refused.body);
    assert!(jeanne.get("/account").await.body.contains("Jeanne Martin"), "nothing changed");

    let saved = jeanne.post("/account/name", &[("csrf", &token), ("display_name", "Jeanne M.")]).await;
    assert_eq!(saved.location.as_deref(), Some("/account?ok=saved"));
    let account = jeanne.get("/account?ok=saved").await;
    assert!(account.body.contains("Jeanne M.") && account.body.contains("Modifications enregistrées"));
}
