//! The JSON forms of the primitives: numbers for `integer`, `positiveInt`,
//! `unsignedInt` and `decimal` (their lexical form kept exactly),
//! `true`/`false` for `boolean`, strings for the rest; each checked by the
//! same constructor as in XML.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{Error as _, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{departure, fail, Key};
use crate::primitive::*;
use crate::xml::{ErrorCode, Mode};
use crate::{NonEmpty, Open, ValueSetCode};

/// Checks `text` with the type's constructor; leniently, a value valid once
/// trimmed is kept as written, with a warning.
fn checked<T, E: de::Error>(
    text: &str,
    new: fn(&str) -> Result<T, LexicalError>,
    padded: fn(&str) -> Option<T>,
) -> Result<T, E> {
    match new(text) {
        Ok(v) => Ok(v),
        Err(e) => match padded(text).filter(|_| super::mode() == Mode::Lenient) {
            Some(v) => {
                departure::<E>(
                    ErrorCode::InvalidValue,
                    format!("{e}: kept as written, white space and all"),
                )?;
                Ok(v)
            }
            None => Err(fail(ErrorCode::InvalidValue, e)),
        },
    }
}

macro_rules! string_primitive {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text: Key = Deserialize::deserialize(d)?;
                checked(text.as_str(), |s| <$t>::from_text(s), <$t>::padded)
                    .inspect_err(|_| text.locate())
            }
        }
    )*};
}

crate::primitive::text_primitives!(string_primitive, Xhtml);

macro_rules! number_primitive {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                // The lexical forms of these types are JSON numbers.
                RawValue::from_string(self.as_str().to_owned())
                    .map_err(S::Error::custom)?
                    .serialize(s)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Held back as text: the number exactly as written.
                let raw: &'de RawValue = Deserialize::deserialize(d)?;
                let text = raw.get();
                let value = if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    <$t>::from_text(text).map_err(|e| fail(ErrorCode::InvalidValue, e))
                } else {
                    Err(fail(
                        ErrorCode::InvalidValue,
                        format!("a FHIR {} is a JSON number, not {text}", <$t>::FHIR_TYPE),
                    ))
                };
                value.inspect_err(|_| super::state::locate(text.as_ptr() as usize))
            }
        }
    )*};
}

crate::primitive::number_primitives!(number_primitive);

impl Serialize for Boolean {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(self.as_str() == "true")
    }
}

impl<'de> Deserialize<'de> for Boolean {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Boolean;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a FHIR boolean: true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Boolean, E> {
                Boolean::new(if v { "true" } else { "false" })
                    .map_err(|e| fail(ErrorCode::InvalidValue, e))
            }
        }
        d.deserialize_bool(V)
    }
}

impl<E: ValueSetCode> Serialize for Open<E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de, E: ValueSetCode> Deserialize<'de> for Open<E> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code: Code = Deserialize::deserialize(d)?;
        Ok(match code.as_str().parse::<E>() {
            Ok(e) => Open::Known(e),
            Err(_) => Open::Unknown(code),
        })
    }
}

impl<T: Serialize> Serialize for NonEmpty<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NonEmpty<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items: Vec<T> = Deserialize::deserialize(d)?;
        NonEmpty::from_vec(items)
            .ok_or_else(|| fail(ErrorCode::Missing, "the array must not be empty"))
    }
}

#[cfg(test)]
mod tests {
    use crate::json::{read_str, to_string};
    use crate::primitive::*;
    use crate::xml::{ErrorCode, ReadOptions};

    fn read<T: for<'de> serde::Deserialize<'de>>(json: &str) -> crate::xml::Result<T> {
        read_str(json, &ReadOptions::strict()).map(|p| p.value)
    }

    #[test]
    fn numbers_keep_their_lexical_form() {
        let d: Decimal = read("1.50").unwrap();
        assert_eq!(d.as_str(), "1.50");
        assert_eq!(to_string(&d, false).unwrap(), "1.50");
        let i: Integer = read("-0").unwrap();
        assert_eq!(to_string(&i, false).unwrap(), "-0");
        assert_eq!(
            to_string(&PositiveInt::new("5").unwrap(), false).unwrap(),
            "5"
        );
    }

    #[test]
    fn wrong_json_types_and_lexical_errors_are_refused() {
        for (result, code) in [
            (
                read::<Decimal>("\"1.5\"").map(|_| ()),
                ErrorCode::InvalidValue,
            ),
            (read::<Decimal>("1e5").map(|_| ()), ErrorCode::InvalidValue),
            (
                read::<Integer>("2147483648").map(|_| ()),
                ErrorCode::InvalidValue,
            ),
            (
                read::<Boolean>("\"true\"").map(|_| ()),
                ErrorCode::InvalidValue,
            ),
            (
                read::<Date>("\"15-01-01\"").map(|_| ()),
                ErrorCode::InvalidValue,
            ),
            (read::<FhirString>("1").map(|_| ()), ErrorCode::InvalidValue),
            (read::<Uri>("\"a b\"").map(|_| ()), ErrorCode::InvalidValue),
        ] {
            let e = result.expect_err("refused");
            assert_eq!(e.code, code, "{e}");
            assert_eq!((e.line, e.column > 0), (1, true), "{e}");
        }
    }

    #[test]
    fn booleans_are_json_booleans() {
        let b: Boolean = read("true").unwrap();
        assert_eq!(b.as_str(), "true");
        assert_eq!(to_string(&b, false).unwrap(), "true");
    }

    #[test]
    fn lenient_reading_keeps_a_padded_value_with_a_warning() {
        let parsed = read_str::<Uri>("\"http://x/y \"", &ReadOptions::default()).unwrap();
        assert_eq!(parsed.value.as_str(), "http://x/y ");
        assert_eq!(parsed.warnings[0].code, ErrorCode::InvalidValue);
        assert!(read::<Uri>("\"http://x/y \"").is_err());
    }
}
