//! Bearer tokens and session cookies: whatever is sent, verification answers
//! without a panic and never accepts a token our key did not sign.
#![no_main]
use std::sync::OnceLock;

use common::auth::JwtKeys;
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static JwtKeys {
    static KEYS: OnceLock<JwtKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pem = JwtKeys::generate_pem().expect("a key");
        JwtKeys::from_pems(&[("2026-12".into(), pem)], "https://participation.test".into()).expect("keys")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    assert!(keys().verify(token, "participation").is_err(), "accepted {token:?}");
});
