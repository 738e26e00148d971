//! Staff and citizen Markdown: whatever comes in, the HTML out has only the
//! allowed tags, no event handler and no script address.
#![no_main]
use libfuzzer_sys::fuzz_target;

const FULL: &[&str] = &[
    "p",
    "br",
    "strong",
    "em",
    "del",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
];
const LITE: &[&str] = &["p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "a"];

/// Checks every tag of `html` (text `<` is escaped, so each raw `<` opens a tag).
fn assert_safe(html: &str, allowed: &[&str]) {
    for tag in html.split('<').skip(1) {
        let name: String =
            tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(allowed.contains(&name.as_str()), "tag {name:?} in {html:?}");
        for (key, value) in attributes(&tag[tag.find(&*name).unwrap_or(0) + name.len()..]) {
            let key = key.to_ascii_lowercase();
            assert!(
                !key.starts_with("on") && !matches!(key.as_str(), "style" | "src" | "srcdoc"),
                "{key} in {html:?}"
            );
            let value = value.trim().to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(!value.starts_with(scheme), "{scheme} in {html:?}");
            }
        }
    }
}

/// The `name="value"` pairs of a tag's rest, up to its `>` (values are quoted by the sanitiser).
fn attributes(rest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && !"=>/".contains(*c))).collect();
        if key.is_empty() {
            return out;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            let quote = chars.next_if(|c| *c == '"' || *c == '\'');
            value = std::iter::from_fn(|| {
                chars.next_if(|c| quote.map_or(!c.is_whitespace() && *c != '>', |q| *c != q))
            })
            .collect();
            if let Some(q) = quote {
                chars.next_if_eq(&q);
            }
        }
        out.push((key, value));
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    assert_safe(&common::markdown::render(text), FULL);
    assert_safe(&common::markdown::render_lite(text), LITE);
});
