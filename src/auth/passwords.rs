//! Password hashing with argon2id at the OWASP-recommended minimum cost (m=19456 KiB, t=2, p=1).

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::domain::ValidationError;

/// Shortest and longest accepted passwords, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks the length rule and the common-password list. No composition rules: length and
/// not being a well-known password are what make a password hard to guess.
pub fn check_password_rules(password: &str) -> Result<(), ValidationError> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(ValidationError::new(format!(
            "password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )));
    }
    if super::common_passwords::is_common_password(password) {
        return Err(ValidationError::new(
            "this password is on a list of commonly used passwords; choose another",
        ));
    }
    Ok(())
}

/// A hash of a random password, checked against when an account does not exist, so that a
/// refused sign-in takes as long whether or not the email is known.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash_password(&super::tokens::generate("")).unwrap_or_default()
    });
    &DUMMY
}

/// Hashes a password into a PHC string that records its own parameters.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing failed: {error}"))
}

/// True when `password` matches the stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_with_the_required_cost_and_verifies() {
        let stored = hash_password("correct horse battery").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify_password("correct horse battery", &stored));
        assert!(!verify_password("wrong horse battery", &stored));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn length_rule_counts_characters() {
        assert!(check_password_rules("short").is_err());
        assert!(check_password_rules("ééééééé").is_err());
        assert!(check_password_rules("éééééééé").is_ok());
        assert!(check_password_rules(&"x".repeat(129)).is_err());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(check_password_rules("password123").is_err());
        assert!(check_password_rules("PassWord123").is_err());
        assert!(check_password_rules("staple orbit lantern").is_ok());
    }
}
