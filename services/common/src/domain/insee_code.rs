//! The INSEE code of a French commune (COG).
use std::fmt;

/// Five characters: a department (`01`–`95` but `20`, `2A`, `2B`) and a
/// three-digit number, or an overseas code (`971`–`978`, `984`–`989`) and two digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InseeCode(String);

/// The value is not shaped like an INSEE commune code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an INSEE commune code has five characters, such as 01001, 2A004 or 97411")]
pub struct InvalidInseeCode;

impl InseeCode {
    /// Parses a code; surrounding spaces and a lower-case `2a`/`2b` are accepted.
    pub fn parse(raw: &str) -> Result<Self, InvalidInseeCode> {
        let code = raw.trim().to_ascii_uppercase();
        let b = code.as_bytes();
        if b.len() != 5 {
            return Err(InvalidInseeCode);
        }
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let ok = match (b[0], b[1]) {
            (b'2', b'A' | b'B') => digits(2..5) && &b[2..5] != b"000",
            (b'9', b'7') => (b'1'..=b'8').contains(&b[2]) && digits(3..5) && &b[3..5] != b"00",
            (b'9', b'8') => (b'4'..=b'9').contains(&b[2]) && digits(3..5) && &b[3..5] != b"00",
            _ => {
                let dept = std::str::from_utf8(&b[0..2]).ok().and_then(|d| d.parse::<u8>().ok());
                digits(0..5) && matches!(dept, Some(1..=95)) && dept != Some(20) && &b[2..5] != b"000"
            }
        };
        if ok { Ok(InseeCode(code)) } else { Err(InvalidInseeCode) }
    }

    /// The department part (`01`, `2A`, `974`…).
    pub fn department(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") { &self.0[..3] } else { &self.0[..2] }
    }
}

impl AsRef<str> for InseeCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InseeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn accepts_metropolitan_corsican_and_overseas_codes() {
        for (code, dept) in [
            ("01001", "01"),
            ("2A004", "2A"),
            ("2b033", "2B"),
            ("97411", "974"),
            ("98818", "988"),
            ("97801", "978"),
        ] {
            let parsed = InseeCode::parse(code).unwrap();
            assert_eq!(parsed.department(), dept);
        }
    }

    #[test]
    fn refuses_what_no_commune_has() {
        for bad in [
            "", "1001", "010011", "20004", "00001", "96001", "01000", "2C004", "97911", "98311", "9741A",
            "O1001",
        ] {
            assert_eq!(InseeCode::parse(bad), Err(InvalidInseeCode), "{bad}");
        }
    }

    #[test]
    fn every_shipped_commune_code_is_valid() {
        let rows = migration::communes::rows().unwrap();
        for row in rows {
            assert!(InseeCode::parse(row.insee_code).is_ok(), "{}", row.insee_code);
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips(s in "\\PC{0,8}") {
            if let Ok(code) = InseeCode::parse(&s) {
                prop_assert_eq!(InseeCode::parse(code.as_ref()), Ok(code.clone()));
                prop_assert_eq!(code.as_ref().len(), 5);
            }
        }

        #[test]
        fn metropolitan_codes_parse(d in 1u8..=95, n in 1u16..=999) {
            prop_assume!(d != 20);
            let code = format!("{d:02}{n:03}");
            prop_assert!(InseeCode::parse(&code).is_ok());
        }
    }
}
