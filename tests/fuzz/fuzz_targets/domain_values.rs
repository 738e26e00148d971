//! Slugs, e-mail addresses and INSEE codes are parsed once at the edge:
//! never a panic, and a parsed value parses again to itself.
#![no_main]
use common::domain::{Email, InseeCode, Slug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(slug) = Slug::parse(text) {
        assert!(slug.as_ref().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        assert_eq!(Slug::parse(slug.as_ref()).ok(), Some(slug));
    }
    if let Ok(email) = Email::parse(text) {
        assert!(email.as_ref().len() <= 254 && email.as_ref().contains('@'));
        assert_eq!(Email::parse(email.as_ref()).ok(), Some(email));
    }
    if let Ok(code) = InseeCode::parse(text) {
        assert_eq!(code.as_ref().len(), 5);
        assert_eq!(InseeCode::parse(code.as_ref()).ok(), Some(code));
    }
});
