//! Message bodies quoted-printable encoded once per event; each copy only has
//! its recipient's link put in, on the one encoded line that carries it.
use lettre::message::header::ContentTransferEncoding;

/// Longest encoded line, soft line break included (RFC 2045).
const MAX_LINE: usize = 76;

/// A body encoded once, cut where each copy's link goes.
#[derive(Debug, Clone)]
pub struct EncodedBody {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    /// Encoded lines copied as they are.
    Verbatim(Vec<u8>),
    /// One encoded line (soft breaks removed) cut at each placeholder.
    Linked { pieces: Vec<Vec<u8>>, ends_line: bool },
}

impl EncodedBody {
    /// Encodes `text` as quoted-printable, noting where `placeholder` appears.
    pub fn new(text: String, placeholder: Option<&str>) -> Self {
        let encoded =
            lettre::message::Body::new_with_encoding(text, ContentTransferEncoding::QuotedPrintable)
                .map_or_else(|raw| raw, |body| body.into_vec());
        let Some(placeholder) = placeholder.filter(|p| !p.is_empty()) else {
            return EncodedBody { segments: vec![Segment::Verbatim(encoded)] };
        };
        let finder = memchr::memmem::Finder::new(placeholder.as_bytes());
        let mut segments = Vec::new();
        let mut verbatim = Vec::new();
        for line in logical_lines(&encoded) {
            if finder.find(&line.joined).is_none() {
                verbatim.extend_from_slice(&line.physical);
                continue;
            }
            if !verbatim.is_empty() {
                segments.push(Segment::Verbatim(std::mem::take(&mut verbatim)));
            }
            let mut pieces = Vec::new();
            let mut rest = &line.joined[..];
            while let Some(i) = finder.find(rest) {
                pieces.push(rest[..i].to_vec());
                rest = &rest[i + placeholder.len()..];
            }
            pieces.push(rest.to_vec());
            segments.push(Segment::Linked { pieces, ends_line: line.ends_line });
        }
        if !verbatim.is_empty() {
            segments.push(Segment::Verbatim(verbatim));
        }
        EncodedBody { segments }
    }

    /// The encoded body with `value` where the placeholder was; the lines that
    /// carry it are wrapped again to stay within 76 characters.
    pub fn with(&self, value: &str) -> Vec<u8> {
        let value = encode_literal(value);
        let mut out = Vec::with_capacity(self.len() + 4 * value.len());
        let mut line = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Verbatim(bytes) => out.extend_from_slice(bytes),
                Segment::Linked { pieces, ends_line } => {
                    line.clear();
                    for (i, piece) in pieces.iter().enumerate() {
                        if i > 0 {
                            line.extend_from_slice(value.as_bytes());
                        }
                        line.extend_from_slice(piece);
                    }
                    wrap(&line, *ends_line, &mut out);
                }
            }
        }
        out
    }

    fn len(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Verbatim(b) => b.len(),
                Segment::Linked { pieces, .. } => pieces.iter().map(Vec::len).sum::<usize>() + 3,
            })
            .sum()
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

/// Writes `line` as physical lines of at most 76 characters, never splitting an
/// `=XX` escape, with soft breaks between them.
fn wrap(line: &[u8], ends_line: bool, out: &mut Vec<u8>) {
    let mut rest = line;
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
    if ends_line {
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
        let body = EncodedBody::new(text.clone(), Some(LINK));
        let url = "https://hanches.participer.example.fr/unsubscribe/".to_owned() + &"Ab-_9".repeat(40);
        let copy = body.with(&url);
        assert_eq!(decode(&copy), text.replace(LINK, &url).replace('\n', "\r\n"));
        for line in copy.split(|&b| b == b'\n') {
            assert!(line.len() <= MAX_LINE + 1, "{} chars: {}", line.len(), String::from_utf8_lossy(line));
        }
        let unlinked = EncodedBody::new(text.clone(), None).with("ignored");
        assert_eq!(decode(&unlinked), text.replace('\n', "\r\n"));
    }

    #[test]
    fn escapes_in_the_value_and_around_the_cut_survive() {
        for prefix in 60..80 {
            let text = "x".repeat(prefix) + "é" + LINK + "é=";
            let copy = EncodedBody::new(text.clone(), Some(LINK)).with("a=b c");
            assert_eq!(decode(&copy), text.replace(LINK, "a=b c"), "prefix {prefix}");
        }
    }
}
