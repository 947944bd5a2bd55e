//! An item's key: the short name people say and type (`OPS-12`), made of the installation's
//! prefix and the item's number, which the database assigns once and never reuses. Links may
//! name an item by its key or by its id; [`ItemRef`] is either.

use std::fmt;

use super::ids::WorkItemId;

/// What every key starts with.
pub const PREFIX: &str = "OPS";

/// The largest number a key may carry: a sequence never gets near it, and it keeps a typed key
/// within an `i64` without overflow checks.
const MAX_DIGITS: usize = 15;

/// `OPS-<number>`, the number at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemKey(i64);

impl ItemKey {
    /// The key of the item numbered `number`; `None` for a number no item can have.
    pub fn from_number(number: i64) -> Option<Self> {
        (number >= 1).then_some(ItemKey(number))
    }

    /// Reads `OPS-12` (the prefix in any case, as people type it); anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (prefix, digits) = raw.split_once('-')?;
        if !prefix.eq_ignore_ascii_case(PREFIX)
            || digits.is_empty()
            || digits.len() > MAX_DIGITS
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        digits.parse().ok().and_then(Self::from_number)
    }

    pub fn number(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}-{}", self.0)
    }
}

/// How a link names an item: by id (the links that existed before keys) or by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRef {
    Id(WorkItemId),
    Key(ItemKey),
}

impl ItemRef {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.parse::<WorkItemId>() {
            Ok(id) => Some(ItemRef::Id(id)),
            Err(_) => ItemKey::parse(raw).map(ItemRef::Key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_as_written() {
        let key = ItemKey::parse("OPS-123").unwrap();
        assert_eq!(key.number(), 123);
        assert_eq!(key.to_string(), "OPS-123");
        assert_eq!(ItemKey::parse("ops-7"), ItemKey::from_number(7));
    }

    #[test]
    fn malformed_keys_are_refused() {
        for raw in [
            "",
            "OPS",
            "OPS-",
            "OPS-0",
            "OPS-012",
            "OPS-1a",
            "OPS--1",
            "OPS-+1",
            "XYZ-1",
            "OPS 1",
            "OPS-1234567890123456",
            "-1",
            "OPS-١٢",
        ] {
            assert_eq!(ItemKey::parse(raw), None, "{raw:?}");
        }
        assert_eq!(ItemKey::from_number(0), None);
    }

    #[test]
    fn a_link_names_an_item_by_id_or_key() {
        let id = WorkItemId::new();
        assert_eq!(ItemRef::parse(&id.to_string()), Some(ItemRef::Id(id)));
        assert_eq!(
            ItemRef::parse("OPS-5"),
            Some(ItemRef::Key(ItemKey::from_number(5).unwrap()))
        );
        assert_eq!(ItemRef::parse("nonsense"), None);
    }
}
