//! Partial updates: telling "leave this field alone" (absent) from "clear it" (`null`).

use serde::{Deserialize, Deserializer};

/// A field of a PATCH body: `None` when absent, `Some(None)` when `null`, `Some(Some(v))`
/// when set. Use with `#[serde(default, deserialize_with = "double_option")]`.
pub type Patch<T> = Option<Option<T>>;

/// Deserializes a present field (even `null`) as `Some(..)`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "double_option")]
        owner: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_are_three_different_things() {
        let absent: Body = serde_json::from_str("{}").unwrap();
        let null: Body = serde_json::from_str(r#"{"owner": null}"#).unwrap();
        let set: Body = serde_json::from_str(r#"{"owner": "x"}"#).unwrap();
        assert_eq!(absent.owner, None);
        assert_eq!(null.owner, Some(None));
        assert_eq!(set.owner, Some(Some("x".to_string())));
    }
}
