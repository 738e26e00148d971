//! Text made safe for a spreadsheet: a cell a spreadsheet would run as a
//! formula (CSV injection) is shown as plain text instead.

/// `text` prefixed with `'` when it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, so that opening the file never runs it.
pub fn safe_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn formulas_become_text_and_the_rest_is_untouched() {
        for payload in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(safe_cell(payload), format!("'{payload}"));
        }
        assert_eq!(safe_cell("Vélo = liberté"), "Vélo = liberté");
        assert_eq!(safe_cell(""), "");
    }
}
