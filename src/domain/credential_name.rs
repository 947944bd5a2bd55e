//! The name a person gives one of their credentials (an API token, a calendar feed). Lists of
//! them are what people read to decide which one to revoke, so a name may not hide characters
//! that make it look like another: control characters, invisible ones (zero-width spaces, soft
//! hyphens) and bidi controls that reorder the text around them.

use super::{ValidationError, user::is_invisible_format};

/// The most characters a credential name may have.
pub const MAX_CHARS: usize = 100;

/// A credential name: at most 100 characters as sent, not blank, none of them hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialName(String);

impl CredentialName {
    pub fn parse(raw: &str) -> Result<CredentialName, ValidationError> {
        // The limit counts the text as sent, as the API document declares it.
        let value = raw.trim();
        if value.is_empty() || raw.chars().count() > MAX_CHARS {
            return Err(ValidationError::new("name must be 1 to 100 characters"));
        }
        if value
            .chars()
            .any(|c| c.is_control() || is_invisible_format(c))
        {
            return Err(ValidationError::new(
                "name must not contain invisible, control or text-direction characters",
            ));
        }
        Ok(CredentialName(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_pass_for_others_are_refused() {
        assert_eq!(
            CredentialName::parse("  CI deploy ").unwrap().as_str(),
            "CI deploy"
        );
        assert!(CredentialName::parse("Zürich büro 日本").is_ok());
        for disguised in [
            "deploy\u{202e}kcab", // right-to-left override
            "deploy\u{2066}x",    // left-to-right isolate
            "dep\u{200b}loy",     // zero-width space
            "dep\u{00ad}loy",     // soft hyphen
            "\u{feff}deploy",     // byte-order mark
            "deploy\u{0007}",     // a control character
        ] {
            assert!(CredentialName::parse(disguised).is_err(), "{disguised:?}");
        }
        assert!(CredentialName::parse("   ").is_err());
        assert!(CredentialName::parse(&"x".repeat(101)).is_err());
        assert!(CredentialName::parse(&"é".repeat(100)).is_ok());
        assert!(CredentialName::parse(&format!(" {} ", "n".repeat(99))).is_err());
    }
}
