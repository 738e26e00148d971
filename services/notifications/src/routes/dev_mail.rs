//! `/_dev/mail`: in the embedded default (no `SMTP_URL`), the mail the platform
//! wrote to files, so a newcomer can read what was sent. Absent otherwise.
use std::path::PathBuf;

use actix_web::{HttpResponse, web};
use askama::Template;
use common::{AppState, Problem, tenancy::PlatformHost};

/// Most mails listed at once.
const LIMIT: usize = 200;

/// Registers the page and the raw view of one mail.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_dev/mail", web::get().to(list)).route("/_dev/mail/{file}", web::get().to(show));
}

struct MailRow {
    file: String,
    date: String,
    from: String,
    to: String,
    subject: String,
}

#[derive(Template)]
#[template(path = "dev_mail.html")]
struct ListPage {
    dir: String,
    mails: Vec<MailRow>,
}

fn mail_dir(state: &AppState) -> Result<PathBuf, Problem> {
    match state.config.smtp_url {
        Some(_) => Err(Problem::not_found()),
        None => Ok(state.config.data_dir.join("mail")),
    }
}

async fn list(_: PlatformHost, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let dir = mail_dir(&state)?;
    let mut files: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| is_mail_file(name))
            .collect(),
        Err(_) => Vec::new(),
    };
    // Names start with the time written, so the newest sort last.
    files.sort_unstable_by(|a, b| b.cmp(a));
    let mails = files.into_iter().take(LIMIT).filter_map(|file| row(&dir, file)).collect();
    let page = ListPage { dir: dir.display().to_string(), mails };
    let html = page.render().map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

fn row(dir: &std::path::Path, file: String) -> Option<MailRow> {
    let raw = std::fs::read(dir.join(&file)).ok()?;
    let parsed = mail_parser::MessageParser::default().parse(&raw)?;
    let addresses = |a: Option<&mail_parser::Address>| {
        a.map(|list| {
            list.iter()
                .map(|x| match (x.name(), x.address()) {
                    (Some(name), Some(addr)) => format!("{name} <{addr}>"),
                    (_, Some(addr)) => addr.to_owned(),
                    (Some(name), None) => name.to_owned(),
                    (None, None) => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    Some(MailRow {
        date: parsed.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
        from: addresses(parsed.from()),
        to: addresses(parsed.to()),
        subject: parsed.subject().unwrap_or("(sans objet)").to_owned(),
        file,
    })
}

/// Only names the file mailer writes: no path, no hidden file.
fn is_mail_file(name: &str) -> bool {
    name.ends_with(".eml")
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

async fn show(
    _: PlatformHost,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let dir = mail_dir(&state)?;
    if !is_mail_file(&file) {
        return Err(Problem::not_found());
    }
    let raw = std::fs::read(dir.join(file.as_str())).map_err(|_| Problem::not_found())?;
    // Shown as text: a message's HTML part must not run in the platform's origin.
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_mail_files_can_be_opened() {
        assert!(is_mail_file("20261127T101010.123456Z-0a1b2c.eml"));
        for bad in ["../secret.eml", ".x.eml.part", "a/b.eml", "signing.key", "%2e%2e.eml", "a b.eml"] {
            assert!(!is_mail_file(bad), "{bad}");
        }
    }
}
