//! The pages around the work pages, over real HTTP without JavaScript: dashboard, inbox,
//! calendar, QC queue and stats (`views`); templates, the audit log, the error pages and the
//! restyled sign-in and account pages (`admin`). Every page is checked against the CSP rules:
//! no inline script, style or event handler.

use reqwest::{StatusCode, header};

use crate::support::{TestApp, personas::Persona};

mod admin;
mod views;

/// GETs `path` as `who` and returns the status and the HTML, checked against the CSP rules.
async fn page(app: &TestApp, who: &Persona, path: &str) -> (StatusCode, String) {
    let response = who.client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    let html = response.text().await.unwrap();
    assert_csp_clean(path, &html);
    (status, html)
}

/// No `style="…"`, no inline `<script>`, no `on…=` handler: the CSP allows only 'self'.
fn assert_csp_clean(path: &str, html: &str) {
    assert!(html.contains("</html>"), "{path}: a whole page");
    assert!(!html.contains(" style="), "{path}: inline style");
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count(),
        "{path}: inline script"
    );
    let lower = html.to_lowercase();
    for (at, _) in lower.match_indices(" on") {
        let rest = &lower[at + 3..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        assert!(
            name.is_empty() || !rest[name.len()..].starts_with('='),
            "{path}: event handler attribute on{name}="
        );
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

fn in_two_days() -> String {
    (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339()
}

/// The HTML between `start` and the next `until` after it (or the end).
fn section<'a>(html: &'a str, start: &str, until: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in page"));
    let rest = &html[from + start.len()..];
    let to = rest.find(until).unwrap_or(rest.len());
    &rest[..to]
}
