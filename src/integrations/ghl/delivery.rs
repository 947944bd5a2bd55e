//! What an authentic webhook must also be before it is stored. A valid signature proves only
//! that HighLevel (or a holder of our secret) once sent these bytes: HighLevel signs every
//! app's webhooks with one key, so a body signed for someone else's location verifies too,
//! and a captured body verifies forever. Hence three more checks:
//! - freshness: HighLevel puts the delivery time in `timestamp`; more than five minutes away
//!   from our clock (either way) is refused;
//! - location: with `GHL_LOCATION_ID` set, a body naming another location is refused, and so is
//!   a body signed with HighLevel's key that names none;
//! - replay: a body with no identity of its own is recognised by the hash of its bytes for at
//!   least [`REPLAY_WINDOW_HOURS`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::payload::parse_time;

/// How far a delivery's `timestamp` may be from our clock, either way.
pub const TIMESTAMP_WINDOW_MINUTES: i64 = 5;

/// How long an identical body is taken as a replay (at least this long, at most twice).
pub const REPLAY_WINDOW_HOURS: i64 = 24;

/// Why an authentic webhook is still refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No usable `timestamp`, or one outside the window (answered 400).
    Stale(String),
    /// Not for our location (answered 403).
    ForeignLocation(String),
}

impl Refusal {
    pub fn reason(&self) -> &str {
        match self {
            Refusal::Stale(reason) | Refusal::ForeignLocation(reason) => reason,
        }
    }
}

/// Refuses a top-level `timestamp` (RFC 3339, or epoch seconds or milliseconds) that cannot be
/// read or lies outside the window. A body without one (a workflow webhook) passes.
pub fn check_timestamp(payload: &Value, now: DateTime<Utc>) -> Result<(), Refusal> {
    let Some(raw) = payload.get("timestamp") else {
        return Ok(());
    };
    let at = match raw {
        Value::String(text) => parse_time(text, chrono_tz::UTC),
        Value::Number(number) => parse_time(&number.to_string(), chrono_tz::UTC),
        _ => None,
    };
    let Some(at) = at else {
        return Err(Refusal::Stale(
            "the webhook's timestamp is not a time".to_string(),
        ));
    };
    let skew = (now - at).num_seconds().abs();
    if skew > TIMESTAMP_WINDOW_MINUTES * 60 {
        return Err(Refusal::Stale(format!(
            "the webhook's timestamp is {} minutes from now (at most {TIMESTAMP_WINDOW_MINUTES} \
             are accepted)",
            skew / 60
        )));
    }
    Ok(())
}

/// Refuses a body for another location than `ours`. `signed_by_highlevel`: HighLevel's key
/// signs every app's webhooks, so such a body must name our location; a shared-secret sender
/// is ours already and may leave it out.
pub fn check_location(
    payload: &Value,
    ours: Option<&str>,
    signed_by_highlevel: bool,
) -> Result<(), Refusal> {
    let Some(ours) = ours else {
        return Ok(());
    };
    match named_location(payload) {
        Some(named) if named == ours => Ok(()),
        Some(_) => Err(Refusal::ForeignLocation(
            "the webhook is for another location".to_string(),
        )),
        None if signed_by_highlevel => Err(Refusal::ForeignLocation(
            "the webhook names no location".to_string(),
        )),
        None => Ok(()),
    }
}

/// `locationId` (top level or under `data`), else `location.id` as workflow webhooks send it.
fn named_location(payload: &Value) -> Option<&str> {
    let layers = [Some(payload), payload.get("data")];
    layers.into_iter().flatten().find_map(|layer| {
        non_empty(layer.get("locationId")).or_else(|| non_empty(layer.get("location")?.get("id")))
    })
}

fn non_empty(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The dedupe key of a body that has no identity of its own, and the key it had in the
/// previous window: a replay is found under either, so it is caught for at least the window.
pub fn replay_keys(source: &str, body: &[u8], now: DateTime<Utc>) -> (String, String) {
    let digest = hex::encode(Sha256::digest(body));
    let window = now.timestamp().div_euclid(REPLAY_WINDOW_HOURS * 3600);
    (
        format!("{source}:body:{digest}:{window}"),
        format!("{source}:body:{digest}:{}", window - 1),
    )
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_timestamp_window_is_five_minutes_either_way() {
        let now = Utc::now();
        let at = |t: DateTime<Utc>| json!({"timestamp": t.to_rfc3339()});
        assert!(check_timestamp(&at(now - Duration::seconds(299)), now).is_ok());
        assert!(check_timestamp(&at(now + Duration::seconds(299)), now).is_ok());
        assert!(check_timestamp(&at(now - Duration::seconds(301)), now).is_err());
        assert!(check_timestamp(&at(now + Duration::seconds(301)), now).is_err());
        let millis = json!({"timestamp": now.timestamp_millis()});
        assert!(check_timestamp(&millis, now).is_ok());
        assert!(check_timestamp(&json!({"timestamp": "soon"}), now).is_err());
        assert!(check_timestamp(&json!({"timestamp": null}), now).is_err());
        assert!(check_timestamp(&json!({"data": {"timestamp": "x"}}), now).is_ok());
    }

    #[test]
    fn the_location_is_read_where_highlevel_puts_it() {
        let ours = Some("loc");
        for named in [
            json!({"locationId": "loc"}),
            json!({"data": {"locationId": "loc"}}),
            json!({"location": {"id": "loc"}}),
        ] {
            assert_eq!(check_location(&named, ours, true), Ok(()), "{named}");
        }
        assert!(check_location(&json!({"locationId": "x"}), ours, false).is_err());
        assert!(check_location(&json!({"location": {"id": "x"}}), ours, false).is_err());
        assert!(check_location(&json!({"id": "loc"}), ours, true).is_err());
        assert_eq!(check_location(&json!({}), ours, false), Ok(()));
        assert_eq!(
            check_location(&json!({"locationId": "x"}), None, true),
            Ok(())
        );
    }

    #[test]
    fn replay_keys_overlap_between_neighbouring_windows() {
        let now = Utc::now();
        let (current, previous) = replay_keys("ghl", b"{}", now);
        let later = now + Duration::hours(REPLAY_WINDOW_HOURS);
        let (_, previous_later) = replay_keys("ghl", b"{}", later);
        assert_eq!(previous_later, current);
        assert_ne!(current, previous);
        assert_ne!(replay_keys("ghl", b"{ }", now).0, current);
    }
}
