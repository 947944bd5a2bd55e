//! The cookies the application sets: the session, the sign-in form's CSRF token, and the
//! one-shot flash message shown after a redirect.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::config::Settings;

/// Carries a short message to the next page (set before a redirect, cleared once shown).
pub const FLASH_COOKIE: &str = "ops_flash";

/// `__Host-ops_session` over https (the prefix pins it to this host, path `/` and Secure);
/// plain `ops_session` over http in development, where `Secure` cookies would be dropped.
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    if settings.serves_https() {
        "__Host-ops_session"
    } else {
        "ops_session"
    }
}

/// The cookie holding a random token that anonymous forms (sign-in) must echo back:
/// `__Host-ops_csrf` over https, so no sibling subdomain can plant or overwrite it (the prefix
/// requires `Secure`, path `/` and no `Domain`); plain `ops_csrf` over http in development.
pub fn anon_csrf_cookie_name(settings: &Settings) -> &'static str {
    if settings.serves_https() {
        "__Host-ops_csrf"
    } else {
        "ops_csrf"
    }
}

/// The value of cookie `name`, if the request sent it.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

fn build(name: &str, value: &str, max_age_secs: i64, http_only: bool, secure: bool) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).expect("cookie values are plain ASCII")
}

/// `Set-Cookie` for a new session token.
pub fn session(settings: &Settings, token: &str) -> HeaderValue {
    let max_age = i64::from(settings.session_max_minutes) * 60;
    build(
        session_cookie_name(settings),
        token,
        max_age,
        true,
        settings.serves_https(),
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session(settings: &Settings) -> HeaderValue {
    build(
        session_cookie_name(settings),
        "",
        0,
        true,
        settings.serves_https(),
    )
}

/// `Set-Cookie` for the anonymous CSRF token (an hour is plenty to fill in a sign-in form).
pub fn anon_csrf(settings: &Settings, token: &str) -> HeaderValue {
    build(
        anon_csrf_cookie_name(settings),
        token,
        3600,
        true,
        settings.serves_https(),
    )
}

/// `Set-Cookie` carrying a flash message (percent-encoded).
pub fn flash(settings: &Settings, message: &str) -> HeaderValue {
    let encoded: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    build(FLASH_COOKIE, &encoded, 60, true, settings.serves_https())
}

/// `Set-Cookie` remembering which board columns a person folded (a year; not a secret, but
/// scripts have no business with it either).
pub fn board_fold(settings: &Settings, name: &str, value: &str) -> HeaderValue {
    build(name, value, 365 * 24 * 3600, true, settings.serves_https())
}

/// `Set-Cookie` that removes the flash message once shown.
pub fn clear_flash(settings: &Settings) -> HeaderValue {
    build(FLASH_COOKIE, "", 0, true, settings.serves_https())
}

/// The flash message sent with this request, decoded.
pub fn read_flash(headers: &HeaderMap) -> Option<String> {
    let raw = read(headers, FLASH_COOKIE).filter(|v| !v.is_empty())?;
    url::form_urlencoded::parse(format!("m={raw}").as_bytes())
        .next()
        .map(|(_, message)| message.into_owned())
}
