//! Serde support for the configuration enums (`Endpoint`, `Mechanism`,
//! `ConfigType`, ...), compatible with every serde format and with both
//! YAML dialects.
//!
//! In human-readable formats, an enum is written as:
//! * a single-key map `{variant: payload}` for variants holding a value
//!   (YAML `tcp: "127.0.0.1:*"`, JSON `{"tcp": "127.0.0.1:*"}`, TOML
//!   `{ tcp = "127.0.0.1:*" }`), as serde_yaml 0.8 used to do;
//! * the plain string `variant` for unit variants (`null`,
//!   `plain_server`).
//!
//! When reading, the following forms are accepted:
//! * the single-key map (a unit variant's value must be null/unit);
//! * the externally tagged enum form produced by the format itself, e.g.
//!   serde_yaml 0.9's `!tcp 127.0.0.1:*` or `!plain_server`;
//! * a plain string naming a unit variant.
//!
//! Formats that are not human-readable (and usually not self-describing,
//! like bincode) use serde's regular externally tagged enum encoding.
//!
//! An enum opts in with [`serde_enum!`], which implements [`SerdeEnum`],
//! `Serialize` (with [`serialize_newtype`]/[`serialize_unit`]) and
//! `Deserialize` (with [`deserialize`]) from the list of its variants.

use serde::{
    de::{
        self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess,
        Unexpected, VariantAccess, Visitor,
    },
    ser::{SerializeMap, Serializer},
    Serialize,
};

use std::{fmt, marker::PhantomData};

/// An enum whose variants are either unit variants or newtype variants,
/// serialized with the machinery of this module.
pub(crate) trait SerdeEnum: Sized {
    /// The name of the enum, as given to serde (e.g. `"Endpoint"`).
    const NAME: &'static str;

    /// The serialized names of the variants, in declaration order. The
    /// position of a name is its variant index.
    const VARIANTS: &'static [&'static str];

    /// Returns the value of the variant at `index` if it is a unit
    /// variant, `None` if it holds a value.
    fn unit_variant(index: usize) -> Option<Self>;

    /// Deserializes the payload of the newtype variant at `index` (never
    /// called for unit variants).
    fn deserialize_variant<'de, D>(
        index: usize,
        deserializer: D,
    ) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>;
}

/// Implements [`SerdeEnum`], `Serialize` and `Deserialize` for an enum of
/// unit and newtype variants, given as `index => Variant = "name"` or
/// `index => Variant(Payload) = "name"`, with the indices 0, 1, 2, ... in
/// declaration order:
///
/// ```ignore
/// serde_enum!(Mechanism {
///     0 => Null = "null",
///     1 => PlainClient(PlainClientCreds) = "plain_client",
/// });
/// ```
macro_rules! serde_enum {
    ($enum:ident {
        $($index:literal => $variant:ident $(($payload:ty))? = $name:literal),*
        $(,)?
    }) => {
        impl $crate::serde_enum::SerdeEnum for $enum {
            const NAME: &'static str = stringify!($enum);
            const VARIANTS: &'static [&'static str] = &[$($name),*];

            fn unit_variant(index: usize) -> Option<Self> {
                match index {
                    $($index => $crate::serde_enum::serde_enum!(
                        @unit $enum::$variant $(, $payload)?
                    ),)*
                    _ => None,
                }
            }

            fn deserialize_variant<'de, D>(
                index: usize,
                deserializer: D,
            ) -> Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                match index {
                    $($index => $crate::serde_enum::serde_enum!(
                        @payload deserializer, $enum::$variant $(, $payload)?
                    ),)*
                    _ => $crate::serde_enum::serde_enum!(
                        @payload deserializer, $enum
                    ),
                }
            }
        }

        impl ::serde::Serialize for $enum {
            fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
            where
                S: ::serde::Serializer,
            {
                match self {
                    $($crate::serde_enum::serde_enum!(
                        @pattern value, $enum, $variant $(, $payload)?
                    ) => $crate::serde_enum::serde_enum!(
                        @serialize serializer, $enum, $index, $name,
                        value $(, $payload)?
                    ),)*
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $enum {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                $crate::serde_enum::deserialize(deserializer)
            }
        }
    };
    (@unit $value:expr) => { Some($value) };
    (@unit $value:expr, $payload:ty) => { None };
    (@payload $deserializer:ident, $enum:ident) => {
        Err(::serde::de::Error::custom(concat!(
            "invalid ",
            stringify!($enum),
            " variant index"
        )))
    };
    (@payload $deserializer:ident, $enum:ident::$variant:ident) => {
        $crate::serde_enum::serde_enum!(@payload $deserializer, $enum)
    };
    (@payload $deserializer:ident, $enum:ident::$variant:ident,
        $payload:ty) => {
        <$payload as ::serde::Deserialize>::deserialize($deserializer)
            .map($enum::$variant)
    };
    (@pattern $value:ident, $enum:ident, $variant:ident) => {
        $enum::$variant
    };
    (@pattern $value:ident, $enum:ident, $variant:ident, $payload:ty) => {
        $enum::$variant($value)
    };
    (@serialize $serializer:ident, $enum:ident, $index:literal, $name:literal,
        $value:ident) => {
        $crate::serde_enum::serialize_unit(
            $serializer,
            stringify!($enum),
            $index,
            $name,
        )
    };
    (@serialize $serializer:ident, $enum:ident, $index:literal, $name:literal,
        $value:ident, $payload:ty) => {
        $crate::serde_enum::serialize_newtype(
            $serializer,
            stringify!($enum),
            $index,
            $name,
            $value,
        )
    };
}
pub(crate) use serde_enum;

/// Serializes a newtype variant: a single-key map in human-readable
/// formats, a regular newtype variant otherwise.
pub(crate) fn serialize_newtype<S, T>(
    serializer: S,
    enum_name: &'static str,
    index: u32,
    variant: &'static str,
    value: &T,
) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize + ?Sized,
{
    if serializer.is_human_readable() {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(variant, value)?;
        map.end()
    } else {
        serializer.serialize_newtype_variant(enum_name, index, variant, value)
    }
}

/// Serializes a unit variant: its name as a string in human-readable
/// formats, a regular unit variant otherwise.
pub(crate) fn serialize_unit<S>(
    serializer: S,
    enum_name: &'static str,
    index: u32,
    variant: &'static str,
) -> Result<S::Ok, S::Error>
where
    S: Serializer,
{
    if serializer.is_human_readable() {
        serializer.serialize_str(variant)
    } else {
        serializer.serialize_unit_variant(enum_name, index, variant)
    }
}

/// Deserializes a [`SerdeEnum`] from any of the accepted forms.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: SerdeEnum,
    D: Deserializer<'de>,
{
    if deserializer.is_human_readable() {
        deserializer.deserialize_any(EnumVisitor::<T>(PhantomData))
    } else {
        deserializer.deserialize_enum(
            T::NAME,
            T::VARIANTS,
            EnumVisitor::<T>(PhantomData),
        )
    }
}

/// Deserializes a variant name (or index) into its index.
struct VariantSeed<T>(PhantomData<T>);

impl<'de, T: SerdeEnum> DeserializeSeed<'de> for VariantSeed<T> {
    type Value = usize;

    fn deserialize<D>(self, deserializer: D) -> Result<usize, D::Error>
    where
        D: Deserializer<'de>,
    {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de, T: SerdeEnum> Visitor<'de> for VariantSeed<T> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a variant name of enum {}", T::NAME)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        T::VARIANTS
            .iter()
            .position(|name| *name == v)
            .ok_or_else(|| E::unknown_variant(v, T::VARIANTS))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(Unexpected::Bytes(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        match usize::try_from(v) {
            Ok(index) if index < T::VARIANTS.len() => Ok(index),
            _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
        }
    }
}

/// Deserializes the payload of the newtype variant at the given index.
struct PayloadSeed<T>(usize, PhantomData<T>);

impl<'de, T: SerdeEnum> DeserializeSeed<'de> for PayloadSeed<T> {
    type Value = T;

    fn deserialize<D>(self, deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
    {
        T::deserialize_variant(self.0, deserializer)
    }
}

struct EnumVisitor<T>(PhantomData<T>);

impl<T: SerdeEnum> EnumVisitor<T> {
    fn variant_name(index: usize) -> &'static str {
        T::VARIANTS.get(index).copied().unwrap_or("?")
    }
}

impl<'de, T: SerdeEnum> Visitor<'de> for EnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "enum {} as a single-key map `{{variant: value}}`, a tagged value \
             or the name of a unit variant (one of ",
            T::NAME
        )?;
        for (i, name) in T::VARIANTS.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{}`", name)?;
        }
        f.write_str(")")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        let index = VariantSeed::<T>(PhantomData).visit_str::<E>(v)?;
        T::unit_variant(index).ok_or_else(|| {
            E::custom(format_args!(
                "variant `{}` of enum {} needs a value, e.g. `{}: ...`",
                v,
                T::NAME,
                v
            ))
        })
    }

    fn visit_map<A>(self, mut map: A) -> Result<T, A::Error>
    where
        A: MapAccess<'de>,
    {
        let index = match map.next_key_seed(VariantSeed::<T>(PhantomData))? {
            Some(index) => index,
            None => {
                return Err(de::Error::invalid_length(
                    0,
                    &"a map with exactly one entry",
                ))
            }
        };
        let value = match T::unit_variant(index) {
            Some(unit) => {
                // The value of a unit variant must be null/unit.
                map.next_value::<()>()?;
                unit
            }
            None => {
                map.next_value_seed(PayloadSeed::<T>(index, PhantomData))?
            }
        };
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "enum {} must be a map with exactly one entry, found more after `{}`",
                T::NAME,
                Self::variant_name(index)
            )));
        }
        Ok(value)
    }

    fn visit_enum<A>(self, data: A) -> Result<T, A::Error>
    where
        A: EnumAccess<'de>,
    {
        let (index, variant) =
            data.variant_seed(VariantSeed::<T>(PhantomData))?;
        match T::unit_variant(index) {
            Some(unit) => {
                variant.unit_variant()?;
                Ok(unit)
            }
            None => variant
                .newtype_variant_seed(PayloadSeed::<T>(index, PhantomData)),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Tests of the machinery on a toy enum with unit and newtype
    //! variants (the `Mechanism` shape).
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Creds {
        user: String,
        pass: String,
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Toy {
        Null,
        PlainClient(Creds),
        PlainServer,
        Name(String),
        Number(u32),
    }

    serde_enum!(Toy {
        0 => Null = "null",
        1 => PlainClient(Creds) = "plain_client",
        2 => PlainServer = "plain_server",
        3 => Name(String) = "name",
        4 => Number(u32) = "number",
    });

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Config {
        toy: Option<Toy>,
        toys: Vec<Toy>,
    }

    fn all() -> Vec<Toy> {
        vec![
            Toy::Null,
            Toy::PlainClient(Creds {
                user: "u".into(),
                pass: "p".into(),
            }),
            Toy::PlainServer,
            Toy::Name("n".into()),
            Toy::Number(7),
        ]
    }

    #[test]
    fn yaml_round_trip() {
        for toy in all() {
            let config = Config {
                toy: Some(toy.clone()),
                toys: all(),
            };
            let yaml = serde_yaml::to_string(&config).unwrap();
            assert_eq!(serde_yaml::from_str::<Config>(&yaml).unwrap(), config);
        }
        let yaml = serde_yaml::to_string(&all()).unwrap();
        assert_eq!(
            yaml,
            "- 'null'\n- plain_client:\n    user: u\n    pass: p\n- plain_server\n- name: n\n- number: 7\n"
        );
    }

    #[test]
    fn yaml_map_form() {
        let yaml = "
toy:
  plain_client:
    user: u
    pass: p
toys:
  - null: ~
  - plain_server
  - 'null'
  - name: n
  - number: 7
";
        let config: Config = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(config.toy, Some(all()[1].clone()));
        assert_eq!(
            config.toys,
            vec![
                Toy::Null,
                Toy::PlainServer,
                Toy::Null,
                Toy::Name("n".into()),
                Toy::Number(7)
            ]
        );
        // A bare YAML null is `None`, not the `null` variant.
        let config: Config =
            serde_yaml::from_str("toy: null\ntoys: []").unwrap();
        assert_eq!(config.toy, None);
    }

    #[test]
    fn yaml_tagged_form() {
        let yaml = "
toy: !plain_client
  user: u
  pass: p
toys:
  - !null
  - !plain_server
  - !name n
  - !number 7
";
        let config: Config = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(config.toy, Some(all()[1].clone()));
        assert_eq!(
            config.toys,
            vec![
                Toy::Null,
                Toy::PlainServer,
                Toy::Name("n".into()),
                Toy::Number(7)
            ]
        );
    }

    #[test]
    fn json_and_toml_round_trip() {
        let config = Config {
            toy: Some(Toy::Number(3)),
            toys: all(),
        };
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(
            json,
            r#"{"toy":{"number":3},"toys":["null",{"plain_client":{"user":"u","pass":"p"}},"plain_server",{"name":"n"},{"number":7}]}"#
        );
        assert_eq!(serde_json::from_str::<Config>(&json).unwrap(), config);
        assert_eq!(
            serde_json::from_str::<Toy>(r#"{"null":null}"#).unwrap(),
            Toy::Null
        );

        let text = toml::to_string(&config).unwrap();
        assert_eq!(toml::from_str::<Config>(&text).unwrap(), config);
    }

    #[test]
    fn errors() {
        let err = serde_json::from_str::<Toy>(r#"{"bogus":1}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `bogus`"),
            "{}",
            err
        );
        let err = serde_json::from_str::<Toy>(r#""bogus""#).unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `bogus`"),
            "{}",
            err
        );
        let err = serde_yaml::from_str::<Toy>("!bogus 1").unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `bogus`"),
            "{}",
            err
        );
        let err = serde_yaml::from_str::<Toy>("bogus: 1").unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `bogus`"),
            "{}",
            err
        );
        assert!(err.to_string().contains("`plain_server`"), "{}", err);

        let err = serde_json::from_str::<Toy>(r#""name""#).unwrap_err();
        assert!(err.to_string().contains("needs a value"), "{}", err);
        let err = serde_json::from_str::<Toy>("{}").unwrap_err();
        assert!(err.to_string().contains("exactly one entry"), "{}", err);
        let err = serde_json::from_str::<Toy>(r#"{"name":"a","number":1}"#)
            .unwrap_err();
        assert!(err.to_string().contains("exactly one entry"), "{}", err);
        assert!(serde_json::from_str::<Toy>(r#"{"null":1}"#).is_err());
        assert!(serde_json::from_str::<Toy>(r#"{"number":"x"}"#).is_err());
        assert!(serde_json::from_str::<Toy>("12").is_err());
        assert!(serde_json::from_str::<Toy>("[]").is_err());
        let err = serde_yaml::from_str::<Toy>("[1]").unwrap_err();
        assert!(err.to_string().contains("single-key map"), "{}", err);
    }

    /// A minimal non-human-readable serializer check: with serde's own
    /// enum encoding, round trips go through `deserialize_enum`.
    #[test]
    fn not_human_readable_uses_enum_encoding() {
        use serde::de::value::{Error as ValueError, U32Deserializer};
        use serde::de::IntoDeserializer;

        // `EnumAccess` from a variant index (as bincode would provide).
        struct IndexEnum(u32);
        impl<'de> Deserializer<'de> for IndexEnum {
            type Error = ValueError;
            fn is_human_readable(&self) -> bool {
                false
            }
            fn deserialize_any<V: Visitor<'de>>(
                self,
                _: V,
            ) -> Result<V::Value, ValueError> {
                Err(de::Error::custom("deserialize_any not supported"))
            }
            fn deserialize_enum<V: Visitor<'de>>(
                self,
                _: &'static str,
                _: &'static [&'static str],
                visitor: V,
            ) -> Result<V::Value, ValueError> {
                visitor.visit_enum(self)
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
                bytes byte_buf option unit unit_struct newtype_struct seq tuple
                tuple_struct map struct identifier ignored_any
            }
        }
        impl<'de> EnumAccess<'de> for IndexEnum {
            type Error = ValueError;
            type Variant = UnitOnly;
            fn variant_seed<V: DeserializeSeed<'de>>(
                self,
                seed: V,
            ) -> Result<(V::Value, UnitOnly), ValueError> {
                let d: U32Deserializer<ValueError> = self.0.into_deserializer();
                Ok((seed.deserialize(d)?, UnitOnly))
            }
        }
        struct UnitOnly;
        impl<'de> VariantAccess<'de> for UnitOnly {
            type Error = ValueError;
            fn unit_variant(self) -> Result<(), ValueError> {
                Ok(())
            }
            fn newtype_variant_seed<T: DeserializeSeed<'de>>(
                self,
                seed: T,
            ) -> Result<T::Value, ValueError> {
                seed.deserialize(42u32.into_deserializer())
            }
            fn tuple_variant<V: Visitor<'de>>(
                self,
                _: usize,
                _: V,
            ) -> Result<V::Value, ValueError> {
                Err(de::Error::custom("no tuple variants"))
            }
            fn struct_variant<V: Visitor<'de>>(
                self,
                _: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, ValueError> {
                Err(de::Error::custom("no struct variants"))
            }
        }

        assert_eq!(Toy::deserialize(IndexEnum(2)).unwrap(), Toy::PlainServer);
        assert_eq!(Toy::deserialize(IndexEnum(4)).unwrap(), Toy::Number(42));
        assert!(Toy::deserialize(IndexEnum(9)).is_err());
    }
}
