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

/// `app-<hash>.css` and `app-<hash>.js`, computed once.
static NAMES: LazyLock<(String, String)> = LazyLock::new(|| {
    let short = |text: &str| hex::encode(Sha256::digest(text.as_bytes()))[..12].to_string();
    (
        format!("/static/app-{}.css", short(APP_CSS)),
        format!("/static/app-{}.js", short(APP_JS)),
    )
});

pub fn css_url() -> &'static str {
    &NAMES.0
}

pub fn js_url() -> &'static str {
    &NAMES.1
}

/// `GET /static/{file}`: the current asset by its hashed name (cached for a year), or by its
/// plain name (cached briefly).
pub async fn get_static(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (body, content_type, immutable) = if path == css_url() {
        (APP_CSS, "text/css; charset=utf-8", true)
    } else if path == js_url() {
        (APP_JS, "text/javascript; charset=utf-8", true)
    } else if file == "app.css" {
        (APP_CSS, "text/css; charset=utf-8", false)
    } else if file == "app.js" {
        (APP_JS, "text/javascript; charset=utf-8", false)
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
