//! Markdown written by town staff, rendered once to HTML that is safe to show:
//! no script, no event handlers, no `javascript:` links, no raw HTML tricks.
use std::collections::HashSet;

use pulldown_cmark::{Options, Parser, html};

/// Renders `markdown` and keeps only a small set of harmless tags and
/// attributes; links may only go to http, https and mailto addresses.
pub fn render(markdown: &str) -> String {
    const TAGS: &[&str] = &[
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
    clean(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH, TAGS)
}

/// Renders a citizen's comment: paragraphs, emphasis, lists, quotes and links;
/// headings, tables and images come out as plain text.
pub fn render_lite(markdown: &str) -> String {
    const TAGS: &[&str] = &["p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "a"];
    clean(markdown, Options::empty(), TAGS)
}

fn clean(markdown: &str, options: Options, tags: &[&str]) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    let tags: HashSet<&str> = tags.iter().copied().collect();
    ammonia::Builder::default()
        .tags(tags)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{render, render_lite};

    #[test]
    fn formatting_survives() {
        let html = render(
            "## Le projet\n\nUn **vélo** pour _tous_ : [détails](https://hanches.fr/velo).\n\n- un\n- deux",
        );
        assert!(html.contains("<h2>Le projet</h2>"), "{html}");
        assert!(html.contains("<strong>vélo</strong>") && html.contains("<em>tous</em>"), "{html}");
        assert!(html.contains("href=\"https://hanches.fr/velo\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""), "{html}");
        assert!(html.contains("<li>deux</li>"), "{html}");
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[clic](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">clic</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">clic</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<p style=\"background:url(javascript:alert(1))\" onclick=\"x()\">t</p>",
            "<svg><script>alert(1)</script></svg>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        ] {
            let html = format!("{}{}", render(attack), render_lite(attack)).to_lowercase();
            for bad in ["<script", "onerror", "onclick", "javascript:", "<iframe", "style=", "data:text"] {
                assert!(!html.contains(bad), "{attack:?} gave {html:?}");
            }
        }
    }

    #[test]
    fn comments_keep_emphasis_and_links_but_not_headings_or_images() {
        let html = render_lite("# Titre\n\nJe **soutiens** [ceci](https://a.fr) ![x](https://a.fr/x.png)");
        assert!(!html.contains("<h1") && !html.contains("<img"), "{html}");
        assert!(html.contains("Titre") && html.contains("<strong>soutiens</strong>"), "{html}");
        assert!(html.contains("href=\"https://a.fr\""), "{html}");
    }
}
