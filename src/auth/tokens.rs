//! Secret tokens: 256 bits from the operating system's generator, shown once to their owner,
//! stored only as a SHA-256 hash (a database leak does not leak working tokens).

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new random token: 32 bytes as 64 lowercase hex characters, after `prefix`.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// Whether `candidate` has the shape [`generate`] gives (`prefix` and 64 lowercase hex
/// digits), so that anything else is turned away before it is shown or looked up.
pub fn is_well_formed(candidate: &str, prefix: &str) -> bool {
    candidate.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 64
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The hash stored in place of a token (hex SHA-256). Tokens carry 256 bits of entropy, so a
/// plain fast hash is enough: there is nothing to brute-force.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets without leaking, through timing, how much of them matched.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        assert!(is_well_formed(&generate("ops_"), "ops_"));
        assert!(!is_well_formed(&generate("ops_"), ""));
        assert!(!is_well_formed(&generate("").to_uppercase(), ""));
        assert!(!is_well_formed("abc", ""));
        let one = generate("ops_pat_");
        let two = generate("ops_pat_");
        assert_ne!(one, two);
        assert!(one.starts_with("ops_pat_"));
        assert_eq!(one.len(), "ops_pat_".len() + 64);
    }

    #[test]
    fn hashes_are_stable_and_differ_from_the_token() {
        let token = generate("");
        assert_eq!(hash(&token), hash(&token));
        assert_ne!(hash(&token), token);
        assert_eq!(hash(&token).len(), 64);
    }

    #[test]
    fn constant_time_comparison_is_still_a_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
