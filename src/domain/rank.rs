//! Board ranks: strings that sort in card order, so that moving a card writes only that card.
//!
//! A rank is a base-36 fraction written with `0-9a-z` (no trailing `0`). Between any two
//! ranks there is always another, found digit by digit.

use super::ValidationError;

const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const BASE: usize = DIGITS.len();

fn value_of(byte: u8) -> Option<usize> {
    DIGITS.iter().position(|d| *d == byte)
}

/// Checks that `rank` is a well-formed rank.
pub fn validate(rank: &str) -> Result<(), ValidationError> {
    let ok = !rank.is_empty()
        && rank.len() <= 64
        && rank.bytes().all(|b| value_of(b).is_some())
        && !rank.ends_with('0');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            "rank must be 1 to 64 characters of 0-9a-z, not ending in 0",
        ))
    }
}

/// A rank strictly between `before` and `after` (either may be absent: the column's ends).
/// Callers pass ranks with `before < after`.
pub fn between(before: Option<&str>, after: Option<&str>) -> String {
    midpoint(before.unwrap_or("").as_bytes(), after.map(str::as_bytes))
}

fn midpoint(low: &[u8], high: Option<&[u8]>) -> String {
    if let Some(high) = high {
        // Copy the shared prefix (reading a missing digit of `low` as 0).
        let shared = high
            .iter()
            .enumerate()
            .take_while(|(i, h)| low.get(*i).copied().unwrap_or(b'0') == **h)
            .count();
        if shared > 0 {
            let prefix = String::from_utf8_lossy(&high[..shared]).into_owned();
            let rest_low = if low.len() > shared {
                &low[shared..]
            } else {
                &[]
            };
            return prefix + &midpoint(rest_low, Some(&high[shared..]));
        }
    }
    let digit_low = low.first().and_then(|b| value_of(*b)).unwrap_or(0);
    let digit_high = high
        .and_then(|h| h.first())
        .and_then(|b| value_of(*b))
        .unwrap_or(BASE);
    if digit_high - digit_low > 1 {
        return char::from(DIGITS[(digit_low + digit_high) / 2]).to_string();
    }
    match high {
        // The first digit of `high` alone already sorts between the two.
        Some(high) if high.len() > 1 => char::from(high[0]).to_string(),
        _ => {
            let rest = if low.len() > 1 { &low[1..] } else { &[] };
            char::from(DIGITS[digit_low]).to_string() + &midpoint(rest, None)
        }
    }
}

/// `count` ranks in ascending order, for seeding a column.
pub fn sequence(count: usize) -> Vec<String> {
    let mut ranks: Vec<String> = Vec::with_capacity(count);
    for _ in 0..count {
        let next = between(ranks.last().map(String::as_str), None);
        ranks.push(next);
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_sorts_strictly_inside() {
        let cases = [
            (None, None),
            (Some("i"), None),
            (None, Some("i")),
            (Some("i"), Some("j")),
            (Some("i"), Some("i1")),
            (Some("az"), Some("b")),
            (Some("a"), Some("a01")),
            (Some("zz"), None),
            (None, Some("01")),
        ];
        for (low, high) in cases {
            let mid = between(low, high);
            validate(&mid).unwrap_or_else(|e| panic!("{low:?}..{high:?} gave {mid}: {e}"));
            if let Some(low) = low {
                assert!(low < mid.as_str(), "{low} < {mid}");
            }
            if let Some(high) = high {
                assert!(mid.as_str() < high, "{mid} < {high}");
            }
        }
    }

    #[test]
    fn repeated_inserts_at_one_spot_keep_working() {
        // Always inserting just after the first card is the worst case for key growth.
        let first = between(None, None);
        let mut upper = between(Some(&first), None);
        for _ in 0..500 {
            let mid = between(Some(&first), Some(&upper));
            assert!(first < mid && mid < upper, "{first} < {mid} < {upper}");
            upper = mid;
        }
        assert!(upper.len() < 200);
    }

    #[test]
    fn sequence_is_ascending_and_valid() {
        let ranks = sequence(100);
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
        assert!(ranks.iter().all(|r| validate(r).is_ok()));
    }
}
