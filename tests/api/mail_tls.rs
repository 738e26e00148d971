//! Sending through a relay that wants TLS and a login, against a real TLS SMTP
//! server whose certificate comes from a CA made for the test.
use std::{collections::HashMap, time::Duration};

use common::config::Config;
use notifications::mailer::{self, Mailer, SendError, SmtpMailer};
use participation_tests::smtp::{SmtpSink, TestCa};

fn message() -> lettre::Message {
    lettre::Message::builder()
        .from("Mairie de Hanches <noreply@participation.test>".parse().unwrap())
        .to("marie@example.fr".parse().unwrap())
        .subject("Réunion publique")
        .body("Bonjour".to_owned())
        .unwrap()
}

async fn send(url: &str, ca: Option<&TestCa>) -> Result<(), SendError> {
    let mut mailer = SmtpMailer::from_url(url, 0, Duration::from_secs(10)).unwrap();
    if let Some(ca) = ca {
        mailer = mailer.trusting(ca.pem.as_bytes()).unwrap();
    }
    mailer.send(&message()).await
}

fn transient(result: Result<(), SendError>) -> String {
    match result {
        Err(SendError::Transient(reason)) => reason,
        other => panic!("expected a transient failure, got {other:?}"),
    }
}

#[tokio::test]
async fn starttls_with_a_login_sends_over_tls() {
    let (sink, ca) = SmtpSink::start_starttls().await;
    sink.require_login("mairie@hanches.fr", "pass word");
    let port = sink.addr.port();
    let url = format!("smtp://mairie%40hanches.fr:pass%20word@localhost:{port}?tls=required");
    send(&url, Some(&ca)).await.unwrap();
    let mails = sink.received();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].tls, "the message went in plain text");
    assert_eq!(mails[0].user.as_deref(), Some("mairie@hanches.fr"));
}

#[tokio::test]
async fn implicit_tls_sends_over_tls() {
    let (sink, ca) = SmtpSink::start_implicit_tls().await;
    send(&format!("smtps://localhost:{}", sink.addr.port()), Some(&ca)).await.unwrap();
    assert!(sink.received()[0].tls);
}

#[tokio::test]
async fn opportunistic_tls_uses_starttls_when_offered_and_plain_text_otherwise() {
    let (secure, ca) = SmtpSink::start_starttls().await;
    send(&format!("smtp://localhost:{}?tls=opportunistic", secure.addr.port()), Some(&ca)).await.unwrap();
    assert!(secure.received()[0].tls);
    let plain = SmtpSink::start().await;
    send(&format!("smtp://localhost:{}?tls=opportunistic", plain.addr.port()), None).await.unwrap();
    assert!(!plain.received()[0].tls);
}

#[tokio::test]
async fn required_tls_never_falls_back_to_plain_text() {
    let plain = SmtpSink::start().await;
    let reason = transient(send(&format!("smtp://localhost:{}?tls=required", plain.addr.port()), None).await);
    assert!(reason.contains("STARTTLS"), "{reason}");
    assert_eq!(plain.count(), 0);
}

#[tokio::test]
async fn an_unknown_certificate_authority_is_refused_and_retried_later() {
    let (starttls, _) = SmtpSink::start_starttls().await;
    let reason =
        transient(send(&format!("smtp://localhost:{}?tls=required", starttls.addr.port()), None).await);
    assert!(reason.contains("UnknownIssuer"), "{reason}");
    let (implicit, _) = SmtpSink::start_implicit_tls().await;
    let reason = transient(send(&format!("smtps://localhost:{}", implicit.addr.port()), None).await);
    assert!(reason.contains("UnknownIssuer"), "{reason}");
    assert_eq!(starttls.count() + implicit.count(), 0);
}

#[tokio::test]
async fn a_refused_login_is_retried_later_rather_than_failing_the_mail() {
    let (sink, ca) = SmtpSink::start_starttls().await;
    sink.require_login("mairie", "right");
    let url = format!("smtp://mairie:wrong@localhost:{}?tls=required", sink.addr.port());
    let reason = transient(send(&url, Some(&ca)).await);
    assert!(reason.contains("login"), "{reason}");
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn the_platform_trusts_the_ca_of_smtp_ca_file_and_rejects_a_file_without_one() {
    let (sink, ca) = SmtpSink::start_starttls().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("relay-ca.pem");
    std::fs::write(&ca_file, &ca.pem).unwrap();
    let config = |file: &std::path::Path| {
        let env = HashMap::from([
            ("SMTP_URL", format!("smtp://localhost:{}?tls=required", sink.addr.port())),
            ("SMTP_CA_FILE", file.display().to_string()),
            ("DATA_DIR", dir.path().display().to_string()),
        ]);
        Config::from_lookup(|k| env.get(k).cloned()).unwrap()
    };
    let platform_mailer = mailer::from_config(&config(&ca_file)).unwrap();
    platform_mailer.send(&message()).await.unwrap();
    assert!(sink.received()[0].tls);

    let not_pem = dir.path().join("not-a-certificate.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for bad in [not_pem, dir.path().join("missing.pem")] {
        let error = mailer::from_config(&config(&bad)).err().expect("a bad SMTP_CA_FILE is refused");
        assert!(error.to_string().contains("SMTP_CA_FILE"), "{error}");
    }
}
