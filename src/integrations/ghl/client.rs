//! The HighLevel API client: sends one [`ApiRequest`] with the Private Integration token as
//! `Authorization: Bearer` and the call's `Version` header, and sorts the answer into what the
//! delivery job does next. Requests go only to the configured base: ids are percent-encoded
//! path segments under it, and redirects are not followed.

use std::{
    sync::OnceLock,
    time::{Duration, SystemTime},
};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::outbound::{ApiMethod, ApiRequest};

/// How long one API call may take before it counts as a (retryable) timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// How much of a response body is kept on the event.
const MAX_KEPT_BODY: usize = 4000;

/// What became of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: done. `body` is HighLevel's answer.
    Delivered { status: u16, body: String },
    /// 429: wait (`retry_after` when HighLevel said how long) and try again.
    RateLimited {
        retry_after: Option<Duration>,
        body: String,
    },
    /// 5xx, a timeout or a connection failure: try again later.
    Retryable { error: String },
    /// Any other answer (4xx, a redirect): trying again would get the same; give up.
    Rejected { status: u16, body: String },
}

/// A client for one API base and token.
#[derive(Clone)]
pub struct GhlClient {
    base: Url,
    token: SecretString,
    timeout: Duration,
}

impl GhlClient {
    /// A client for `base` with the Private Integration `token` and the default timeout.
    pub fn new(base: Url, token: SecretString) -> GhlClient {
        GhlClient {
            base,
            token,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same client with another per-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> GhlClient {
        self.timeout = timeout;
        self
    }

    /// The full URL of a call: the base's path with the segments appended, each encoded.
    pub fn url_for(&self, segments: &[String]) -> Result<Url, String> {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .map_err(|_| "the GHL API base cannot take a path".to_string())?
            .pop_if_empty()
            .extend(segments);
        if url.origin() != self.base.origin() {
            return Err("refusing a request outside the GHL API base".to_string());
        }
        Ok(url)
    }

    /// Sends one call and classifies the answer.
    pub async fn send(&self, request: &ApiRequest) -> Outcome {
        let url = match self.url_for(&request.segments) {
            Ok(url) => url,
            Err(error) => {
                return Outcome::Rejected {
                    status: 0,
                    body: error,
                };
            }
        };
        let Ok(bearer) = HeaderValue::from_str(&format!("Bearer {}", self.token.expose_secret()))
        else {
            return Outcome::Rejected {
                status: 0,
                body: "GHL_API_KEY cannot be sent as a header".to_string(),
            };
        };
        let builder = match request.method {
            ApiMethod::Post => http().post(url),
            ApiMethod::Put => http().put(url),
        };
        let sent = builder
            .timeout(self.timeout)
            .header(AUTHORIZATION, bearer)
            .header("Version", request.version)
            .header(ACCEPT, "application/json")
            .json(&request.body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                return Outcome::Retryable {
                    error: format!("no answer within {} s", self.timeout.as_secs_f32()),
                };
            }
            Err(error) => {
                return Outcome::Retryable {
                    error: format!("request failed: {}", without_url(&error)),
                };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let body = match response.text().await {
            Ok(text) => truncate(text),
            Err(error) if (200..300).contains(&status) => {
                // The call was accepted; only its answer was lost.
                format!("(answer unreadable: {})", without_url(&error))
            }
            Err(error) => {
                return Outcome::Retryable {
                    error: format!("reading the answer failed: {}", without_url(&error)),
                };
            }
        };
        classify(status, retry_after, body)
    }
}

/// Sorts an HTTP answer into an [`Outcome`].
pub fn classify(status: u16, retry_after: Option<Duration>, body: String) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered { status, body },
        429 => Outcome::RateLimited { retry_after, body },
        500..=599 => Outcome::Retryable {
            error: format!("HighLevel answered {status}: {body}"),
        },
        _ => Outcome::Rejected { status, body },
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(at.timestamp().max(0) as u64);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// One connection pool for the process; redirects off, so a 3xx cannot lead us elsewhere.
fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("ops-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds")
    })
}

/// An error's text with its causes (reqwest's own says little: "error sending request"),
/// without the URL (which is ours, and would only make the line long).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
        text = text.replace(&format!(" ({url})"), "");
    }
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_KEPT_BODY {
        let mut end = MAX_KEPT_BODY;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> GhlClient {
        GhlClient::new(Url::parse(base).unwrap(), SecretString::from("k"))
    }

    #[test]
    fn ids_stay_path_segments_under_the_base() {
        let ghl = client("https://services.example.com");
        let segments = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(
            ghl.url_for(&segments(&["contacts", "c1", "notes"]))
                .unwrap()
                .as_str(),
            "https://services.example.com/contacts/c1/notes"
        );
        let hostile = ghl
            .url_for(&segments(&["contacts", "../../x?y=1#z", "notes"]))
            .unwrap();
        assert_eq!(hostile.host_str(), Some("services.example.com"));
        assert_eq!(hostile.path(), "/contacts/..%2F..%2Fx%3Fy=1%23z/notes");
        let evil = ghl.url_for(&segments(&["//evil.example", "x"])).unwrap();
        assert_eq!(evil.host_str(), Some("services.example.com"));
        let nested = client("http://127.0.0.1:9/ghl/");
        assert_eq!(
            nested
                .url_for(&segments(&["conversations", "messages"]))
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/ghl/conversations/messages"
        );
    }

    #[test]
    fn answers_are_sorted_by_what_happens_next() {
        assert!(matches!(
            classify(201, None, "{}".into()),
            Outcome::Delivered { status: 201, .. }
        ));
        assert!(matches!(
            classify(429, Some(Duration::from_secs(2)), String::new()),
            Outcome::RateLimited {
                retry_after: Some(_),
                ..
            }
        ));
        assert!(matches!(
            classify(503, None, String::new()),
            Outcome::Retryable { .. }
        ));
        assert!(matches!(
            classify(422, None, "bad".into()),
            Outcome::Rejected { status: 422, .. }
        ));
        assert!(matches!(
            classify(302, None, String::new()),
            Outcome::Rejected { status: 302, .. }
        ));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = chrono::DateTime::from_timestamp(1_700_000_030, 0)
            .unwrap()
            .to_rfc2822();
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
