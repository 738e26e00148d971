//! CSV export cells: no cell ever starts as a formula, and nothing else changes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let cell = common::spreadsheet::safe_cell(text);
    assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
    assert!(cell == text || cell == format!("'{text}"), "{text:?} became {cell:?}");
});
