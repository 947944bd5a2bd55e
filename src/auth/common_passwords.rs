//! A short list of commonly used passwords, shipped inside the binary and refused at sign-up
//! and password change (NIST SP 800-63B asks for a check against known-compromised values).
//!
//! Only entries of at least [`MIN_PASSWORD_CHARS`](super::passwords::MIN_PASSWORD_CHARS)
//! characters are listed: shorter ones already fail the length rule. The list is lowercase and
//! the check ignores case, because `Password1` is as guessable as `password1`.

use std::{collections::HashSet, sync::LazyLock};

/// One password per line, lowercase.
const LIST: &str = include_str!("common_passwords.txt");

/// Built on first use, so a process that never checks a password never pays for it.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    LIST.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// True when `candidate`, trimmed and lowercased, is on the list.
pub fn is_common_password(candidate: &str) -> bool {
    COMMON.contains(candidate.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::passwords::MIN_PASSWORD_CHARS;

    #[test]
    fn well_known_passwords_are_common() {
        for password in [
            "password",
            "12345678",
            "qwerty123",
            "iloveyou",
            "sunshine1",
            "football",
            "trustno1",
            "1qaz2wsx",
        ] {
            assert!(is_common_password(password), "{password}");
        }
    }

    #[test]
    fn the_check_ignores_case_and_surrounding_spaces() {
        assert!(is_common_password("Password1"));
        assert!(is_common_password("PASSWORD123"));
        assert!(is_common_password("  LetMeIn1 "));
    }

    #[test]
    fn a_long_random_phrase_is_not_common() {
        assert!(!is_common_password("correct horse battery staple"));
        assert!(!is_common_password("vN7#qLz2-wobble-Harbour"));
        assert!(!is_common_password(""));
    }

    #[test]
    fn the_list_is_lowercase_trimmed_and_only_holds_passwords_the_length_rule_allows() {
        let entries: Vec<&str> = LIST.lines().collect();
        assert!((300..=1000).contains(&entries.len()), "{}", entries.len());
        for entry in &entries {
            assert_eq!(*entry, entry.trim().to_lowercase(), "{entry:?}");
            assert!(entry.chars().count() >= MIN_PASSWORD_CHARS, "{entry:?}");
        }
        assert_eq!(COMMON.len(), entries.len(), "the list has duplicates");
    }
}
