//! Forged, stolen and misdirected access tokens: every one is refused with 401.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use participation_tests::{PLATFORM_DOMAIN, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_citizen::{town_app, verified_citizen};

fn claims_of(access: &str) -> Value {
    let payload = access.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn me(app: &TestApp, host: &str, token: &str) -> StatusCode {
    app.get(host, "/api/v1/me").bearer_auth(token).send().await.unwrap().status()
}

#[tokio::test]
async fn forged_and_misdirected_tokens_are_refused() {
    let (app, sink, host) = town_app().await;
    app.create_town("nogent", "28279", "active").await;
    let other = TestApp::town_host("nogent");
    let tokens = verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let good = tokens["access_token"].as_str().unwrap();
    assert_eq!(me(&app, &host, good).await, StatusCode::OK);
    let claims = claims_of(good);

    // Town A's token on town B's host, and on the platform host.
    assert_eq!(me(&app, &other, good).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, PLATFORM_DOMAIN, good).await, StatusCode::UNAUTHORIZED);

    // Signed with our key, but with a claim changed, missing, or of the wrong type.
    let now = chrono::Utc::now().timestamp();
    let resigned = |change: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        change(&mut c);
        app.state.jwt.sign(&c).unwrap()
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "expired",
            resigned(&|c| {
                c["exp"] = json!(now - 60);
                c["iat"] = json!(now - 960);
            }),
        ),
        ("wrong aud", resigned(&|c| c["aud"] = json!("platform"))),
        ("other town's aud", resigned(&|c| c["aud"] = json!(format!("town:{}", uuid::Uuid::new_v4())))),
        ("wrong iss", resigned(&|c| c["iss"] = json!("https://evil.example"))),
        ("exp as a string", resigned(&|c| c["exp"] = json!((now + 600).to_string()))),
        (
            "no exp",
            resigned(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        (
            "no aud",
            resigned(&|c| {
                c.as_object_mut().unwrap().remove("aud");
            }),
        ),
        ("operator role on a town", resigned(&|c| c["role"] = json!("operator"))),
    ];
    for (what, token) in &cases {
        assert_eq!(me(&app, &host, token).await, StatusCode::UNAUTHORIZED, "{what}");
    }

    // Payload tampered after signing: admin instead of citizen.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut promoted = claims.clone();
    promoted["role"] = json!("admin");
    parts[1] = URL_SAFE_NO_PAD.encode(promoted.to_string());
    assert_eq!(me(&app, &host, &parts.join(".")).await, StatusCode::UNAUTHORIZED, "tampered");

    // `alg: none`, with and without a signature.
    let none_header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT" }).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    for token in [format!("{none_header}.{body}."), format!("{none_header}.{body}.{}", parts[2])] {
        assert_eq!(me(&app, &host, &token).await, StatusCode::UNAUTHORIZED, "alg none");
    }

    // HS256 "signed" with the public key published in the JWKS.
    let jwks: Value = app.get(&host, "/.well-known/jwks.json").send().await.unwrap().json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str()),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let public = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap();
    let kid = key["kid"].as_str().unwrap().to_owned();
    for secret in [public.clone(), key["x"].as_str().unwrap().as_bytes().to_vec()] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        let forged = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap();
        assert_eq!(me(&app, &host, &forged).await, StatusCode::UNAUTHORIZED, "HS256 with the public key");
    }

    // A key that is not ours, with our kid.
    let stranger = common::auth::JwtKeys::from_pems(
        &[(kid, common::auth::JwtKeys::generate_pem().unwrap())],
        claims["iss"].as_str().unwrap().to_owned(),
    )
    .unwrap();
    assert_eq!(
        me(&app, &host, &stranger.sign(&claims).unwrap()).await,
        StatusCode::UNAUTHORIZED,
        "foreign key"
    );

    // Garbage and missing headers.
    for token in ["", "abc", "a.b.c", &format!("{good}x")] {
        assert_eq!(me(&app, &host, token).await, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    assert_eq!(app.get(&host, "/api/v1/me").send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // And the genuine token, verified from outside with the published key.
    let decoding = jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[claims["aud"].as_str().unwrap()]);
    assert!(jsonwebtoken::decode::<Value>(good, &decoding, &validation).is_ok());
    assert_eq!(public.len(), 32);
}
