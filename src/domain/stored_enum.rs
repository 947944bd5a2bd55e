//! The one way to declare an enumeration that is stored as text: [`stored_enum!`].
//!
//! Each value has one spelling (SCREAMING_SNAKE_CASE), used alike by the database column (a
//! `TEXT` column with a CHECK constraint), the JSON wire format, the OpenAPI document and
//! query strings. Code outside the type names the variant, never the text.

/// Declares a text-stored enum: sea-orm's `DeriveActiveEnum` (so entities hold the enum and
/// filters take it), serde, an inline OpenAPI string schema with every value, `as_str`,
/// `Display`, `ALL` and a `FromStr` whose error lists the allowed values under `$field`.
///
/// The spellings are matched as `tt` rather than `literal` so that the derive sees plain
/// string literals rather than the opaque fragments `literal` would hand it.
macro_rules! stored_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            sea_orm::EnumIter,
            sea_orm::DeriveActiveEnum,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $(
                #[serde(rename = $text)]
                #[sea_orm(string_value = $text)]
                $variant
            ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::ValidationError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::ValidationError::new(format!(
                        "{} must be one of {}",
                        $field,
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Written by hand so the schema stays inline (a derived one would be a `$ref`).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use stored_enum;
