//! What the derives of `fgm-derive` call to read and write FHIR JSON: the
//! object, field, array, choice and code helpers, each with its FHIR path
//! and its errors.

use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::state::{self, fail, pop, push, push_index, Failure};
use super::{bare_message, offset_of};
use crate::xml::ErrorCode;
use crate::NonEmpty;

/// Reads `raw` (a part of the input held back to look ahead) with `read`;
/// an error's position is made a position in the whole input.
fn nested<'de, T, E: de::Error>(
    raw: &'de RawValue,
    read: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    ) -> std::result::Result<T, serde_json::Error>,
) -> std::result::Result<T, E> {
    let text = raw.get();
    let mut de = serde_json::Deserializer::from_str(text);
    read(&mut de).map_err(|e| {
        let at = text.as_ptr() as usize + offset_of(text, e.line(), e.column());
        state::with(|s| {
            if !s.active {
                return E::custom(e);
            }
            let failure = s.failure.get_or_insert_with(|| Failure {
                code: match e.classify() {
                    serde_json::error::Category::Data => ErrorCode::InvalidValue,
                    _ => ErrorCode::Malformed,
                },
                path: s.path.join("."),
                message: bare_message(&e),
                at: None,
            });
            failure.at.get_or_insert(at);
            E::custom(format_args!(
                "{} at {}: {}",
                failure.code, failure.path, failure.message
            ))
        })
    })
}

/// Reads a held-back value as `T`.
pub fn nested_value<'de, T: Deserialize<'de>, E: de::Error>(
    raw: &'de RawValue,
) -> std::result::Result<T, E> {
    nested(raw, |de| T::deserialize(de))
}

/// Reads a held-back resource as `T`, whose `resourceType` is `rtype`.
pub fn nested_resource<T: JsonObject, E: de::Error>(
    raw: &RawValue,
    rtype: &str,
) -> std::result::Result<T, E> {
    nested(raw, |de| read_object(de, Some(rtype)))
}

/// Parses a held-back value into a tree, to look ahead.
pub(super) fn peek<E: de::Error>(raw: &RawValue) -> std::result::Result<Value, E> {
    serde_json::from_str(raw.get()).map_err(|e| fail(ErrorCode::Malformed, bare_message(&e)))
}

/// A property name, borrowed where the input allows.
pub struct Key<'de>(std::borrow::Cow<'de, str>);

impl Key<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Places a failure about this string at its opening quote, when it
    /// was borrowed from the input (not unescaped).
    pub(crate) fn locate(&self) {
        if let std::borrow::Cow::Borrowed(s) = &self.0 {
            state::locate((s.as_ptr() as usize).saturating_sub(1));
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a property name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(v.to_owned().into()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
        }
        d.deserialize_str(V)
    }
}

/// A struct that is one FHIR element: a JSON object. Derived by
/// `#[derive(FhirXml)]` with feature `json`.
pub trait JsonObject: Sized {
    /// Writes the properties.
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> std::result::Result<(), M::Error>;
    /// Reads the properties; `resource_type` is the `resourceType` the
    /// object must have (a resource), or `None` (the property is then
    /// unknown).
    fn read_fields<'de, A: MapAccess<'de>>(
        map: A,
        resource_type: Option<&str>,
    ) -> std::result::Result<Self, A::Error>;
}

impl<T: JsonObject> JsonObject for Box<T> {
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> std::result::Result<(), M::Error> {
        (**self).write_fields(map)
    }
    fn read_fields<'de, A: MapAccess<'de>>(
        map: A,
        resource_type: Option<&str>,
    ) -> std::result::Result<Self, A::Error> {
        T::read_fields(map, resource_type).map(Box::new)
    }
}

/// Writes `value` as an object, first `resourceType` when it is a resource.
pub fn write_object<T: JsonObject, S: Serializer>(
    value: &T,
    s: S,
    resource_type: Option<&str>,
) -> std::result::Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(None)?;
    if let Some(rtype) = resource_type {
        // A resource's type is a segment of the FHIR path, as in reading:
        // `Bundle.entry[1].resource.Flag.contained[1]`.
        push(rtype);
        map.serialize_entry("resourceType", rtype)?;
    }
    value.write_fields(&mut map)?;
    if resource_type.is_some() {
        pop();
    }
    map.end()
}

/// Reads an object as `T` (a resource of `resource_type`, or an element).
pub fn read_object<'de, T: JsonObject, D: Deserializer<'de>>(
    d: D,
    resource_type: Option<&str>,
) -> std::result::Result<T, D::Error> {
    struct V<'r, T>(Option<&'r str>, PhantomData<T>);
    impl<'de, T: JsonObject> Visitor<'de> for V<'_, T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<T, A::Error> {
            T::read_fields(map, self.0)
        }
    }
    d.deserialize_map(V(resource_type, PhantomData))
}

/// Checks the `resourceType` property's value.
pub fn resource_type<'de, A: MapAccess<'de>>(
    map: &mut A,
    expected: Option<&str>,
) -> std::result::Result<(), A::Error> {
    let Some(expected) = expected else {
        return Err(unknown("resourceType"));
    };
    let found: Key = map.next_value()?;
    if found.as_str() != expected {
        let e = fail(
            ErrorCode::Profile,
            format!("resourceType is `{}`, not `{expected}`", found.as_str()),
        );
        found.locate();
        return Err(e);
    }
    Ok(())
}

/// A property the type does not define.
pub fn unknown<E: de::Error>(name: &str) -> E {
    fail(
        ErrorCode::UnknownElement,
        format!("property `{name}` is not defined here"),
    )
}

/// Reads a property's value as `T`, with the path at `name`.
pub fn field<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    name: &str,
) -> std::result::Result<T, A::Error> {
    push(name);
    let value = map.next_value()?;
    pop();
    Ok(value)
}

/// Reads an array property, each item with its index in the path.
pub fn array<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    name: &str,
) -> std::result::Result<Vec<T>, A::Error> {
    map.next_value_seed(Array(name, PhantomData))
}

/// Reads an array property that holds at most one item (its element's base
/// repeats, its profile allows one); a second item is an error at its path.
pub fn single<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    name: &str,
) -> std::result::Result<Option<T>, A::Error> {
    // At `name` until the array opens (a value that is no array fails
    // there), then at each item.
    push(name);
    map.next_value_seed(Single(name, PhantomData))
}

struct Single<'n, T>(&'n str, PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Single<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Option<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Single<'_, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an array of at most one item (`{}`)", self.0)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> std::result::Result<Option<T>, S::Error> {
        pop();
        push_index(self.0, 0);
        let first = seq.next_element()?;
        pop();
        if first.is_some() {
            push_index(self.0, 1);
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(fail(
                    ErrorCode::Repeated,
                    format!("`{}` holds at most one item", self.0),
                ));
            }
            pop();
        }
        Ok(first)
    }
}

/// Reads an array property's items held back (to look at each first).
pub fn raw_array<'de, A: MapAccess<'de>>(
    map: &mut A,
    name: &str,
) -> std::result::Result<Vec<&'de RawValue>, A::Error> {
    map.next_value_seed(Array(name, PhantomData))
}

struct Array<'n, T>(&'n str, PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Array<'_, T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Array<'_, T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an array (`{}` repeats)", self.0)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> std::result::Result<Vec<T>, S::Error> {
        let mut items = Vec::new();
        loop {
            push_index(self.0, items.len());
            match seq.next_element()? {
                Some(item) => items.push(item),
                None => {
                    pop();
                    return Ok(items);
                }
            }
            pop();
        }
    }
}

/// Reads a held-back array item as `T`, with the path at `name[index]`.
pub fn item<'de, T: Deserialize<'de>, E: de::Error>(
    raw: &'de RawValue,
    name: &str,
    index: usize,
) -> std::result::Result<T, E> {
    push_index(name, index);
    let value = nested_value(raw)?;
    pop();
    Ok(value)
}

/// The string value of a held-back object's property `name` (a slice
/// discriminator).
pub fn discriminator<E: de::Error>(
    raw: &RawValue,
    name: &str,
) -> std::result::Result<Option<String>, E> {
    Ok(peek::<E>(raw)?
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned))
}

/// An item of a sliced element that fits no slice, where the slicing is
/// closed.
pub fn unknown_slice<E: de::Error>(name: &str, discriminator: &str, value: Option<&str>) -> E {
    fail(
        ErrorCode::UnknownElement,
        match value {
            Some(v) => format!("no slice of `{name}` has {discriminator} `{v}`"),
            None => {
                format!("an item of `{name}` has no string `{discriminator}` to choose its slice")
            }
        },
    )
}

/// Sets `slot`, which may be set once.
pub fn once<T, E: de::Error>(
    slot: &mut Option<T>,
    value: T,
    name: &str,
) -> std::result::Result<(), E> {
    if slot.is_some() {
        return Err(fail(
            ErrorCode::Repeated,
            format!("`{name}` may appear once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// A required property's value.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &str) -> std::result::Result<T, E> {
    slot.ok_or_else(|| {
        fail(
            ErrorCode::Missing,
            format!("required property `{name}` is missing"),
        )
    })
}

/// A `1..*` property's items.
pub fn non_empty<T, E: de::Error>(
    items: Vec<T>,
    name: &str,
) -> std::result::Result<NonEmpty<T>, E> {
    NonEmpty::from_vec(items).ok_or_else(|| {
        fail(
            ErrorCode::Missing,
            format!("required property `{name}` is missing or empty"),
        )
    })
}

/// Checks a fixed value.
pub fn fixed<'de, A: MapAccess<'de>>(
    map: &mut A,
    name: &str,
    expected: &str,
) -> std::result::Result<(), A::Error> {
    push(name);
    let found: Key = map.next_value()?;
    if found.as_str() != expected {
        let e = fail(
            ErrorCode::Fixed,
            format!(
                "the value is fixed to `{expected}`, not `{}`",
                found.as_str()
            ),
        );
        found.locate();
        return Err(e);
    }
    pop();
    Ok(())
}

/// The writing error for content kept as XML by lenient reading.
pub fn unrepresentable<E: ser::Error>(what: &str) -> E {
    E::custom(format_args!(
        "{what} holds content that lenient XML reading kept as XML (unknown elements, attributes or a resource of no profile), which has no JSON form"
    ))
}

/// Writes `value` with the path at `name` (for errors).
pub struct Field<'a, T: ?Sized>(pub &'a str, pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Field<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        push(self.0);
        let out = self.1.serialize(s)?;
        pop();
        Ok(out)
    }
}

/// Writes the items as an array, each with the path at `name[index]`.
pub struct Items<'a, T>(pub &'a str, pub &'a [T]);

impl<T: Serialize> Serialize for Items<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        for (i, item) in self.1.iter().enumerate() {
            seq.serialize_element(&Indexed(self.0, i, item))?;
        }
        seq.end()
    }
}

/// Writes `value` with the path at `name[index]`.
pub struct Indexed<'a, T: ?Sized>(pub &'a str, pub usize, pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Indexed<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        push_index(self.0, self.1);
        let out = self.2.serialize(s)?;
        pop();
        Ok(out)
    }
}

/// A choice element (`value[x]`) in JSON: its property name says the
/// type. Derived by `#[derive(FhirXml)]` with feature `json`.
pub trait JsonChoice: Sized {
    /// The property name of the chosen type (`valueString`).
    fn json_name(&self) -> &'static str;
    /// Writes the chosen value.
    fn write_value<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error>;
    /// Reads the value of property `name`.
    fn read_choice<'de, A: MapAccess<'de>>(
        name: &str,
        map: &mut A,
    ) -> std::result::Result<Self, A::Error>;
}

/// Writes a choice's value (under the property its `json_name` gives).
pub struct ChoiceValue<'a, T>(pub &'a T);

impl<T: JsonChoice> Serialize for ChoiceValue<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        push(self.0.json_name());
        let out = self.0.write_value(s)?;
        pop();
        Ok(out)
    }
}

/// A choice on its own: an object with its one property.
pub fn write_choice<T: JsonChoice, S: Serializer>(
    value: &T,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(1))?;
    map.serialize_entry(value.json_name(), &ChoiceValue(value))?;
    map.end()
}

/// Reads a choice on its own: an object with exactly one of its properties.
pub fn read_choice<'de, T: JsonChoice + crate::xml::FhirChoice, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<T, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: JsonChoice + crate::xml::FhirChoice> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "an object with one of {}", T::ELEMENTS.join(", "))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<T, A::Error> {
            let mut value = None;
            while let Some(key) = map.next_key::<Key>()? {
                if !T::accepts(key.as_str()) {
                    return Err(unknown(key.as_str()));
                }
                let v = <T as JsonChoice>::read_choice(key.as_str(), &mut map)?;
                once(&mut value, v, key.as_str())?;
            }
            required(value, T::ELEMENTS.first().copied().unwrap_or("value"))
        }
    }
    d.deserialize_map(V(PhantomData))
}

/// Reads a value-set code: its code string.
pub fn read_code<'de, E: crate::ValueSetCode, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<E, D::Error> {
    let code: Key = Deserialize::deserialize(d)?;
    code.as_str().parse::<E>().map_err(|e| {
        let e = fail(ErrorCode::UnknownCode, e);
        code.locate();
        e
    })
}

/// Writes a value-set code.
pub fn write_code<E: crate::ValueSetCode, S: Serializer>(
    code: E,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(code.code())
}
