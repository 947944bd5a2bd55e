//! Whole numbers in JSON bodies. JSON has one number type, and many clients (JavaScript among
//! them) write an integer as `2.0`; such a number is accepted as the integer it is, while a
//! number with a fraction (`2.5`) or out of range is refused with a sentence saying so. Use with
//! `#[serde(default, deserialize_with = "whole::option")]` on `Option<i32>`/`Option<i64>`
//! fields, or `deserialize_with = "whole::required"` on plain integers.

use std::{fmt, marker::PhantomData};

use serde::{
    Deserializer,
    de::{self, Visitor},
};

/// Deserializes an integer written as `2` or `2.0`; `null` is `None`.
pub fn option<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: TryFrom<i64>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_option(OptionVisitor(PhantomData))
}

/// Deserializes an integer written as `2` or `2.0`.
pub fn required<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: TryFrom<i64>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(WholeVisitor(PhantomData))
}

struct WholeVisitor<T>(PhantomData<T>);

impl<T: TryFrom<i64>> WholeVisitor<T> {
    fn fit<E: de::Error>(value: i64) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::custom(format!("{value} is out of range")))
    }
}

impl<'de, T: TryFrom<i64>> Visitor<'de> for WholeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        Self::fit(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        let value =
            i64::try_from(value).map_err(|_| E::custom(format!("{value} is out of range")))?;
        Self::fit(value)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        // 2^63 is the first float past i64::MAX; `as` would saturate instead of refusing.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if value.fract() != 0.0 || !value.is_finite() {
            return Err(E::custom(format!("{value} is not a whole number")));
        }
        if !(-LIMIT..LIMIT).contains(&value) {
            return Err(E::custom(format!("{value} is out of range")));
        }
        Self::fit(value as i64)
    }
}

struct OptionVisitor<T>(PhantomData<T>);

impl<'de, T: TryFrom<i64>> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        required(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::option")]
        small: Option<i32>,
        #[serde(default, deserialize_with = "super::required")]
        big: i64,
    }

    fn parse(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn integral_floats_are_the_integers_they_write() {
        let body = parse(r#"{"small": 2.0, "big": -7.0}"#).unwrap();
        assert_eq!((body.small, body.big), (Some(2), -7));
        let body = parse(r#"{"small": 3, "big": 9223372036854775807}"#).unwrap();
        assert_eq!((body.small, body.big), (Some(3), i64::MAX));
    }

    #[test]
    fn null_and_absent_are_none() {
        assert_eq!(parse(r#"{"small": null}"#).unwrap().small, None);
        assert_eq!(parse(r#"{}"#).unwrap().small, None);
    }

    #[test]
    fn fractions_and_out_of_range_numbers_are_refused_with_a_reason() {
        assert!(
            parse(r#"{"small": 2.5}"#)
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(
            parse(r#"{"small": 2147483648}"#)
                .unwrap_err()
                .contains("out of range")
        );
        assert!(
            parse(r#"{"big": 9223372036854775808}"#)
                .unwrap_err()
                .contains("out of range")
        );
        assert!(
            parse(r#"{"big": 1e19}"#)
                .unwrap_err()
                .contains("out of range")
        );
        assert!(
            parse(r#"{"small": "2"}"#)
                .unwrap_err()
                .contains("whole number")
        );
    }
}
