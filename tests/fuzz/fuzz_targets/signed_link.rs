//! Signed links in mails (unsubscribe): a signature is checked without a
//! panic, and only the key's own signature of the message passes.
#![no_main]
use common::signing::SigningKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[7; 32]);
    let split = data.first().map_or(0, |n| usize::from(*n)).min(data.len().saturating_sub(1));
    let (message, signature) =
        data.get(1..).unwrap_or_default().split_at(split.min(data.len().saturating_sub(1)));
    let Ok(signature) = std::str::from_utf8(signature) else { return };
    let genuine = key.sign(message);
    assert_eq!(key.verify(message, signature), signature == genuine, "{signature:?}");
});
