//! Static assets, embedded in the binary and served under a URL that carries a hash of their
//! content, so browsers may cache them for a year and still never run a stale script.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

const APP_CSS: &str = include_str!("../../../static/app.css");
const APP_JS: &str = include_str!("../../../static/app.js");
const PALETTE_JS: &str = include_str!("../../../static/palette.js");

/// `app-<hash>.css`, `app-<hash>.js` and `palette-<hash>.js`, computed once.
static NAMES: LazyLock<(String, String, String)> = LazyLock::new(|| {
    let short = |text: &str| hex::encode(Sha256::digest(text.as_bytes()))[..12].to_string();
    (
        format!("/static/app-{}.css", short(APP_CSS)),
        format!("/static/app-{}.js", short(APP_JS)),
        format!("/static/palette-{}.js", short(PALETTE_JS)),
    )
});

pub fn css_url() -> &'static str {
    &NAMES.0
}

pub fn js_url() -> &'static str {
    &NAMES.1
}

/// The command palette's script (its own file, so app.js stays readable in one sitting).
pub fn palette_js_url() -> &'static str {
    &NAMES.2
}

/// `GET /static/{file}`: the current asset by its hashed name (cached for a year), or by its
/// plain name (cached briefly).
pub async fn get_static(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (body, content_type, immutable) = if path == css_url() {
        (APP_CSS, "text/css; charset=utf-8", true)
    } else if path == js_url() {
        (APP_JS, "text/javascript; charset=utf-8", true)
    } else if path == palette_js_url() {
        (PALETTE_JS, "text/javascript; charset=utf-8", true)
    } else if file == "app.css" {
        (APP_CSS, "text/css; charset=utf-8", false)
    } else if file == "app.js" {
        (APP_JS, "text/javascript; charset=utf-8", false)
    } else if file == "palette.js" {
        (PALETTE_JS, "text/javascript; charset=utf-8", false)
    } else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod contrast_tests {
    //! The colour pairs the pages put text on must pass WCAG AA (4.5:1) in both schemes; the
    //! values are read from the stylesheet itself, so a colour change cannot slip past.

    use std::collections::HashMap;

    use super::APP_CSS;

    /// `--name: #rrggbb` declarations of the first block that follows `marker`.
    fn palette(marker: &str) -> HashMap<String, String> {
        let start = APP_CSS.find(marker).expect("the block exists");
        let block = &APP_CSS[start..];
        let block = &block[..block.find('}').expect("the block ends")];
        block
            .split([';', '{'])
            .filter_map(|decl| {
                let (name, value) = decl.trim().split_once(':')?;
                let value = value.trim();
                (name.trim().starts_with("--") && value.starts_with('#') && value.len() == 7).then(
                    || {
                        (
                            name.trim().trim_start_matches("--").to_string(),
                            value.to_string(),
                        )
                    },
                )
            })
            .collect()
    }

    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn ratio(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn text_colours_pass_wcag_aa_in_light_and_dark() {
        let pairs = [
            ("fg", "bg"),
            ("fg", "surface"),
            ("muted", "surface"),
            ("muted", "surface-2"),
            ("muted", "bg"),
            ("accent", "surface"),
            ("accent", "bg"),
            ("accent-fg", "accent"),
            ("accent", "accent-soft"),
            ("fg", "accent-soft"),
            ("fg", "surface-2"),
            ("danger", "danger-soft"),
            ("danger", "surface"),
            ("ok", "ok-soft"),
            ("warn", "warn-soft"),
        ];
        for (scheme, marker) in [("light", ":root {"), ("dark", "prefers-color-scheme: dark")] {
            let colours = palette(marker);
            for (text, background) in pairs {
                let value = ratio(&colours[text], &colours[background]);
                assert!(
                    value >= 4.5,
                    "{scheme}: {text} on {background} is {value:.2}:1"
                );
            }
        }
    }
}
