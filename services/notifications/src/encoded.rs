//! Message bodies quoted-printable encoded once per event; each copy only has
//! its recipient's link put in, on the one encoded line that carries it.
use lettre::message::header::ContentTransferEncoding;

/// Longest encoded line, soft line break included (RFC 2045).
const MAX_LINE: usize = 76;

/// A body encoded once, with a placeholder where each copy's link goes.
#[derive(Debug, Clone)]
pub struct EncodedBody {
    encoded: Vec<u8>,
}

impl EncodedBody {
    /// Encodes `text` as quoted-printable.
    pub fn new(text: String) -> Self {
        let body = lettre::message::Body::new_with_encoding(text, ContentTransferEncoding::QuotedPrintable)
            .map_or_else(|raw| raw, |body| body.into_vec());
        EncodedBody { encoded: body }
    }

    /// The encoded body with every `placeholder` replaced by `value`; the lines
    /// that carried it are wrapped again to stay within 76 characters.
    pub fn with(&self, placeholder: &str, value: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded.len() + 4 * value.len());
        let value = encode_literal(value);
        for line in logical_lines(&self.encoded) {
            if contains(&line, placeholder.as_bytes()) {
                let replaced = replace(&line, placeholder.as_bytes(), value.as_bytes());
                wrap(&replaced, &mut out);
            } else {
                out.extend_from_slice(&line.physical);
            }
        }
        out
    }

    /// The encoded body as it is (no placeholder to fill).
    pub fn as_is(&self) -> Vec<u8> {
        self.encoded.clone()
    }
}

/// One line of the decoded text: its encoded content with soft breaks removed,
/// and its physical lines as they are (hard line break included).
struct LogicalLine {
    joined: Vec<u8>,
    physical: Vec<u8>,
    /// Whether a hard line break ends it.
    ends_line: bool,
}

impl std::ops::Deref for LogicalLine {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.joined
    }
}

fn logical_lines(encoded: &[u8]) -> Vec<LogicalLine> {
    let mut lines = Vec::new();
    let mut current = LogicalLine { joined: Vec::new(), physical: Vec::new(), ends_line: false };
    let mut rest = encoded;
    while !rest.is_empty() {
        let (line, next, has_break) = match rest.windows(2).position(|w| w == b"\r\n") {
            Some(i) => (&rest[..i], &rest[i + 2..], true),
            None => (rest, &rest[rest.len()..], false),
        };
        current.physical.extend_from_slice(line);
        if has_break {
            current.physical.extend_from_slice(b"\r\n");
        }
        match line.strip_suffix(b"=") {
            Some(soft) if has_break => current.joined.extend_from_slice(soft),
            _ => {
                current.joined.extend_from_slice(line);
                current.ends_line = has_break;
                lines.push(std::mem::replace(
                    &mut current,
                    LogicalLine { joined: Vec::new(), physical: Vec::new(), ends_line: false },
                ));
            }
        }
        rest = next;
    }
    if !current.physical.is_empty() {
        lines.push(current);
    }
    lines
}

/// `value` in quoted-printable: printable ASCII but `=` as it is, the rest escaped.
fn encode_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if (33..=126).contains(&b) && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn replace(line: &LogicalLine, from: &[u8], to: &[u8]) -> LogicalLine {
    let mut joined = Vec::with_capacity(line.joined.len() + to.len());
    let mut rest = &line.joined[..];
    while let Some(i) = rest.windows(from.len()).position(|w| w == from) {
        joined.extend_from_slice(&rest[..i]);
        joined.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    joined.extend_from_slice(rest);
    LogicalLine { joined, physical: Vec::new(), ends_line: line.ends_line }
}

/// Writes `line` as physical lines of at most 76 characters, never splitting an
/// `=XX` escape, with soft breaks between them.
fn wrap(line: &LogicalLine, out: &mut Vec<u8>) {
    let mut rest = &line.joined[..];
    while rest.len() > MAX_LINE {
        let mut cut = MAX_LINE - 1;
        // Back off so that no escape straddles the cut.
        if let Some(eq) = rest[cut.saturating_sub(2)..cut].iter().position(|&b| b == b'=') {
            cut = cut - 2 + eq;
        }
        out.extend_from_slice(&rest[..cut]);
        out.extend_from_slice(b"=\r\n");
        rest = &rest[cut..];
    }
    out.extend_from_slice(rest);
    if line.ends_line {
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(encoded: &[u8]) -> String {
        String::from_utf8(quoted_printable::decode(encoded, quoted_printable::ParseMode::Strict).unwrap())
            .unwrap()
    }

    const LINK: &str = "https://placeholder.invalid/link";

    #[test]
    fn each_copy_decodes_to_the_text_with_its_link_and_keeps_lines_short() {
        let long_line =
            "é".repeat(30) + " <a href=\"" + LINK + "\" style=\"color:#1a4d8f;\">Se désabonner</a> ok";
        let text = format!("Bonjour à tous,\n\n{long_line}\nFin = fin.\n{LINK}\n");
        let body = EncodedBody::new(text.clone());
        let url = "https://hanches.participer.example.fr/unsubscribe/".to_owned() + &"Ab-_9".repeat(40);
        let copy = body.with(LINK, &url);
        assert_eq!(decode(&copy), text.replace(LINK, &url).replace('\n', "\r\n"));
        for line in copy.split(|&b| b == b'\n') {
            assert!(line.len() <= MAX_LINE + 1, "{} chars: {}", line.len(), String::from_utf8_lossy(line));
        }
        assert_eq!(decode(&body.as_is()), text.replace('\n', "\r\n"));
    }

    #[test]
    fn escapes_in_the_value_and_around_the_cut_survive() {
        for prefix in 60..80 {
            let text = "x".repeat(prefix) + "é" + LINK + "é=";
            let copy = EncodedBody::new(text.clone()).with(LINK, "a=b c");
            assert_eq!(decode(&copy), text.replace(LINK, "a=b c"), "prefix {prefix}");
        }
    }
}
