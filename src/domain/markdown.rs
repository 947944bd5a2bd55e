//! Markdown to safe HTML, for comments and descriptions: CommonMark (with tables and
//! strikethrough) rendered by `pulldown-cmark`, then sanitised by `ammonia`, so whatever a
//! person types can be shown in a page without running anyone's script.

use pulldown_cmark::{Options, Parser, html};

/// Renders `text` as Markdown and removes everything unsafe: scripts, event handlers,
/// `style` attributes (our CSP forbids them anyway) and `javascript:` links. Links get
/// `rel="noopener noreferrer"`.
pub fn render(text: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(text.len() + text.len() / 4);
    html::push_html(&mut unsafe_html, Parser::new_ext(text, options));
    // The renderer passes raw HTML in the Markdown through untouched; ammonia is what
    // makes the result safe, so it always runs last.
    ammonia::clean(&unsafe_html)
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            render("**bold** and _it_"),
            "<p><strong>bold</strong> and <em>it</em></p>\n"
        );
        assert!(render("- one\n- two").contains("<li>one</li>"));
        assert!(render("~~gone~~").contains("<del>gone</del>"));
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = render(
            "hi <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert(1)"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn links_are_kept_with_a_safe_rel() {
        let html = render("[site](https://example.com)");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(render("1 < 2 & 3"), "<p>1 &lt; 2 &amp; 3</p>\n");
    }
}
