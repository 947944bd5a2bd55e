//! People: roles, email addresses and display names.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// What a person may do: admins also manage people, templates, cadences and rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    Admin,
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Staff => "STAFF",
        }
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_uppercase().as_str() {
            "ADMIN" => Ok(Role::Admin),
            "STAFF" => Ok(Role::Staff),
            _ => Err(ValidationError::new("role must be ADMIN or STAFF")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An email address, trimmed and lowercased so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, ValidationError> {
        // Checked before anything else, so an over-long value is neither copied nor echoed.
        if raw.trim().len() > 254 {
            return Err(ValidationError::new(
                "is not an email address (at most 254 characters)",
            ));
        }
        let value = raw.trim().to_lowercase();
        let invalid = || ValidationError::new(format!("`{}` is not an email address", raw.trim()));
        let hidden = |c: char| c.is_whitespace() || c.is_control() || is_invisible_format(c);
        if value.len() > 254 || value.chars().any(hidden) {
            return Err(invalid());
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Unicode format characters: invisible, or reordering the text around them (bidi
/// overrides). In an address or a name they only serve to make one look like another.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name: 1–100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, ValidationError> {
        let value = raw.trim();
        if value.is_empty() || raw.chars().count() > 100 {
            return Err(ValidationError::new("name must be 1 to 100 characters"));
        }
        if raw.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name must not contain control characters",
            ));
        }
        Ok(PersonName(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lowercased_and_trimmed() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a na@example.com",
            "ana@.com",
            "ana\u{200b}@example.com",
            "\u{202e}moc.elpmaxe@ana",
            "ana@exam\u{feff}ple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn role_parses_either_case() {
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert_eq!("STAFF".parse::<Role>().unwrap(), Role::Staff);
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse(" Ana ").unwrap().as_str(), "Ana");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
    }
}
