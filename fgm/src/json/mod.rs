//! FHIR DSTU2 JSON (feature `json`), through serde: the traits and helpers
//! the derives of `fgm-derive` call, the JSON forms of the primitives, and
//! [`read_str`] / [`to_string`], which give errors a code, a FHIR path and
//! a line and column.
//!
//! The mapping (the DSTU2 JSON page):
//!
//! - a resource is an object whose first property is `resourceType`;
//!   property names are the XML element names (`valueString` for a choice);
//! - an element the type holds as a `Vec` or `NonEmpty` (and every sliced
//!   element) is an array, and so is one of at most one value whose DSTU2
//!   base definition repeats (`#[fhir(json = "array")]`, planned from the
//!   definitions' `base`): an array of one, a second item an error; any
//!   other is a single value; empty ones are left out;
//! - `integer`, `positiveInt`, `unsignedInt` and `decimal` are JSON numbers
//!   written with their exact lexical form (`1.50` stays `1.50`; a
//!   `positiveInt` written `+5` loses its `+`, which JSON has no room for),
//!   `boolean` is `true`/`false`, every other primitive a string;
//! - an element's `id` and an extension's `url` are properties;
//! - `contained` is an array of resources, the narrative `div` a string of
//!   XHTML; fixed values are written, and checked when read;
//! - value-set codes are their code strings.
//!
//! Reading refuses, in both modes, a property the type does not define, a
//! `resourceType` that differs, a fixed value that differs, a code outside
//! a required binding and a value outside its type's lexical rule, through
//! the same constructors as XML reading. Lenient mode accepts, with a
//! warning, what lenient XML reading accepts in values and profiles: a
//! value valid once trimmed (kept as written), a profile URL with white
//! space around it, an entry out of order. It keeps nothing it does not
//! know (JSON has no room for XML overflow), so it refuses unknown content
//! rather than drop it; a resource that fits none of the profiles is an
//! error too. Warnings carry the FHIR path, and the line and column the
//! path leads to.
//!
//! `Message::from_json` resolves references as XML reading does (its
//! `check_references`), by the one reference check run on the message
//! written as XML: those errors and warnings carry the FHIR path, and the
//! line and column the path leads to in the JSON.
//!
//! Writing refuses (an [`Issue`] with code `unsupported`) a value holding
//! content that lenient XML reading kept as XML (an [`Overflow`] that is not
//! empty, a resource that conforms to no profile): it has no JSON form, and
//! is never silently dropped.
//!
//! Resource containers, slices and messages look ahead (at `resourceType`,
//! `meta.profile`, a discriminator, the event code) and so need the input
//! as text: read with [`read_str`] / [`read_bytes`] or
//! `serde_json::from_str` / `from_slice`, not `from_reader`. Plain serde
//! calls read strictly and give no FHIR path.
//!
//! [`Overflow`]: crate::xml::Overflow

mod locate;
mod primitive;
mod state;

use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::choice::Plan;
use crate::xml::{ErrorCode, Issue, Mode, Parsed, ReadOptions, Result};
use crate::NonEmpty;

#[doc(hidden)]
pub use serde as __serde;
pub use serde_json;
pub use state::{departure, fail, mode, pop, push, push_index};
use state::{Failure, Session};

/// Reads a value from FHIR JSON text, with the mode and the size and depth
/// limits of `options`; errors carry a code, the FHIR path and the line and
/// column.
pub fn read_str<'de, T: Deserialize<'de>>(
    input: &'de str,
    options: &ReadOptions,
) -> Result<Parsed<T>> {
    if input.len() > options.max_bytes {
        return Err(document_issue(
            ErrorCode::Limit,
            format!(
                "the input is {} bytes, more than the limit of {}",
                input.len(),
                options.max_bytes
            ),
        ));
    }
    let max_depth = options.max_depth.min(crate::xml::MAX_DEPTH);
    if let Some(offset) = too_deep(input, max_depth) {
        let (line, column) = line_column(input, offset);
        return Err(Issue {
            code: ErrorCode::Limit,
            path: String::new(),
            line,
            column,
            message: format!("the JSON nests deeper than the limit of {max_depth}"),
        });
    }
    let session = Session::start(options.mode);
    let mut de = serde_json::Deserializer::from_str(input);
    // The depth was checked above; nested reads start their own count.
    let result = T::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    let state = session.finish();
    match result {
        Ok(value) => {
            let mut warnings = state.warnings;
            for w in warnings.iter_mut().filter(|w| w.line == 0) {
                (w.line, w.column) = locate::locate(input, &w.path).unwrap_or((0, 0));
            }
            Ok(Parsed { value, warnings })
        }
        Err(e) => {
            let (code, path, message, at) = match state.failure {
                Some(Failure {
                    code,
                    path,
                    message,
                    at,
                }) => (code, path, message, at),
                None => (
                    match e.classify() {
                        serde_json::error::Category::Data => ErrorCode::InvalidValue,
                        _ => ErrorCode::Malformed,
                    },
                    state.path.join("."),
                    bare_message(&e),
                    None,
                ),
            };
            let base = input.as_ptr() as usize;
            let (line, column) = match at {
                Some(at) if at >= base && at <= base + input.len() => line_column(input, at - base),
                _ => (clamp(e.line()), clamp(e.column())),
            };
            Err(Issue {
                code,
                path,
                line,
                column,
                message,
            })
        }
    }
}

/// Reads a value from FHIR JSON bytes (UTF-8); see [`read_str`].
pub fn read_bytes<'de, T: Deserialize<'de>>(
    input: &'de [u8],
    options: &ReadOptions,
) -> Result<Parsed<T>> {
    match std::str::from_utf8(input) {
        Ok(text) => read_str(text, options),
        Err(e) => {
            let (line, column) = line_column(
                std::str::from_utf8(&input[..e.valid_up_to()]).unwrap_or(""),
                e.valid_up_to(),
            );
            Err(Issue {
                code: ErrorCode::Malformed,
                path: String::new(),
                line,
                column,
                message: format!("the input is not UTF-8: {e}"),
            })
        }
    }
}

/// Writes a value as FHIR JSON, compact or pretty. Content with no JSON
/// form (see the module documentation) is an error naming where it is.
pub fn to_string<T: Serialize + ?Sized>(value: &T, pretty: bool) -> Result<String> {
    let session = Session::start(Mode::Strict);
    let result = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    let state = session.finish();
    result.map_err(|e| Issue {
        code: ErrorCode::Unsupported,
        path: state.path.join("."),
        line: 0,
        column: 0,
        message: bare_message(&e),
    })
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn document_issue(code: ErrorCode, message: String) -> Issue {
    Issue {
        code,
        path: String::new(),
        line: 0,
        column: 0,
        message,
    }
}

/// serde_json's message without the position it appends.
fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(bare) => bare.to_owned(),
        None => text,
    }
}

/// Line and column (from 1) of a byte offset.
fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (clamp(line), clamp(column))
}

/// The byte offset of serde_json's line and column in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

/// The offset of the first bracket nested deeper than `max`, strings
/// skipped.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

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
fn peek<E: de::Error>(raw: &RawValue) -> std::result::Result<Value, E> {
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

/// Reads a resource in a container (`contained`, `entry.resource`): the
/// variant its `resourceType` and `meta.profile` name, or (when it claims
/// none) the first of its type that reads strictly, those of the message
/// being read first; as XML reading chooses.
pub fn read_resource<'de, T, D: Deserializer<'de>>(
    d: D,
    variants: &[(&'static str, &'static str)],
    read: fn(&'de RawValue, usize) -> std::result::Result<T, D::Error>,
) -> std::result::Result<T, D::Error> {
    let raw: &'de RawValue = Deserialize::deserialize(d)?;
    resource(raw, variants, read).inspect_err(|_| state::locate(raw.get().as_ptr() as usize))
}

fn resource<'de, T, E: de::Error>(
    raw: &'de RawValue,
    variants: &[(&'static str, &'static str)],
    read: fn(&'de RawValue, usize) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let tree = peek::<E>(raw)?;
    let Some(rtype) = tree.get("resourceType").and_then(Value::as_str) else {
        return Err(fail(
            ErrorCode::Missing,
            "a resource needs a string `resourceType`",
        ));
    };
    push(rtype);
    let claimed: Vec<&str> = tree
        .get("meta")
        .and_then(|m| m.get("profile"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let value = choose(raw, rtype, &claimed, variants, read)?;
    pop();
    Ok(value)
}

fn choose<'de, T, E: de::Error>(
    raw: &'de RawValue,
    rtype: &str,
    claimed: &[&str],
    variants: &[(&'static str, &'static str)],
    read: fn(&'de RawValue, usize) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let plan = crate::choice::plan(
        rtype,
        claimed.iter().copied(),
        variants,
        state::is_preferred,
    );
    match plan {
        Plan::Read(i) => read(raw, i),
        Plan::NotExpected(message) => Err(fail(ErrorCode::Profile, message)),
        Plan::Trimmed(i) => {
            departure::<E>(
                ErrorCode::Profile,
                crate::choice::trimmed_warning(variants[i].1).concat(),
            )?;
            read(raw, i)
        }
        Plan::Try {
            warning,
            candidates,
        } => {
            if let Some(warning) = warning {
                departure::<E>(ErrorCode::Profile, warning)?;
            }
            if candidates.len() > 1 {
                for &i in &candidates {
                    let checkpoint = state::checkpoint();
                    state::set_mode(Mode::Strict);
                    match read(raw, i) {
                        Ok(value) => {
                            state::restore_mode(&checkpoint);
                            return Ok(value);
                        }
                        Err(_) => state::restore(&checkpoint),
                    }
                }
            }
            read(raw, candidates[0])
        }
    }
}

/// Reads a message's bundle held back: checks it is a Bundle whose first
/// entry is a MessageHeader, and gives its event code.
pub fn event_code<E: de::Error>(raw: &RawValue) -> std::result::Result<String, E> {
    header_event(raw).inspect_err(|_| state::locate(raw.get().as_ptr() as usize))
}

fn header_event<E: de::Error>(raw: &RawValue) -> std::result::Result<String, E> {
    let tree = peek::<E>(raw)?;
    let rtype = tree.get("resourceType").and_then(Value::as_str);
    if rtype != Some("Bundle") {
        return Err(fail(
            ErrorCode::UnexpectedRoot,
            format!(
                "a message is a Bundle, not a {}",
                rtype.unwrap_or("value without a resourceType")
            ),
        ));
    }
    push("Bundle");
    let header = tree.pointer("/entry/0/resource");
    let header_type = header
        .and_then(|h| h.get("resourceType"))
        .and_then(Value::as_str);
    if header_type != Some("MessageHeader") {
        return Err(fail(
            ErrorCode::Bundle,
            format!(
                "the first entry of a message must be a MessageHeader, not {}",
                header_type.unwrap_or("nothing")
            ),
        ));
    }
    let code = header
        .and_then(|h| h.pointer("/event/code"))
        .and_then(Value::as_str);
    let Some(code) = code else {
        return Err(fail(
            ErrorCode::Missing,
            "the MessageHeader has no event code",
        ));
    };
    pop();
    Ok(code.to_owned())
}

/// Reads a held-back message of a type that accepts its event code, with
/// the interaction's profiles preferred.
pub fn read_message<'de, M: crate::FhirMessage + Deserialize<'de>, E: de::Error>(
    raw: &'de RawValue,
    event: &str,
) -> std::result::Result<M, E> {
    state::prefer(M::profiles(event));
    nested_value(raw)
}

/// The error for an event code no interaction has.
pub fn unknown_event<E: de::Error>(event: &str) -> E {
    push("Bundle");
    fail(
        ErrorCode::UnknownEvent,
        format!("event code `{event}` names no FGM RIS interaction"),
    )
}

/// Reads a message of any generated message type from FHIR JSON, with the
/// given mode and limits: the interaction chosen by the MessageHeader event
/// code, and every reference resolved as in XML (see
/// [`ReadOptions::check_references`]).
pub fn read_message_bytes<'de, M: crate::FhirMessage + Deserialize<'de>>(
    input: &'de [u8],
    options: &ReadOptions,
) -> Result<Parsed<M>> {
    let mut parsed = read_bytes::<M>(input, options)?;
    if options.check_references {
        let text = std::str::from_utf8(input).unwrap_or_default();
        check_references(&parsed.value, text, options, &mut parsed.warnings)?;
    }
    Ok(parsed)
}

/// The reference rules of a message read from JSON, checked by the one
/// reference check of XML reading on the message written as XML: an error
/// or warning keeps its code and FHIR path, and gets the line and column
/// its path leads to in the JSON `text`.
fn check_references<M: crate::FhirMessage>(
    message: &M,
    text: &str,
    options: &ReadOptions,
    warnings: &mut Vec<Issue>,
) -> Result<()> {
    let is_reference = |code| {
        matches!(
            code,
            ErrorCode::DanglingReference | ErrorCode::ReferenceTarget
        )
    };
    let placed = |issue: Issue| {
        let (line, column) = locate::locate(text, &issue.path).unwrap_or((0, 0));
        Issue {
            line,
            column,
            ..issue
        }
    };
    let xml = message.to_xml();
    match crate::message::read_message::<M>(xml.as_bytes(), options) {
        Ok(parsed) => {
            warnings.extend(
                parsed
                    .warnings
                    .into_iter()
                    .filter(|w| is_reference(w.code))
                    .map(placed),
            );
            Ok(())
        }
        Err(e) => Err(placed(e)),
    }
}

/// How JSON reading reports a message's entry problems: at the entry.
pub struct JsonEntries<E>(PhantomData<E>);

impl<E> Default for JsonEntries<E> {
    fn default() -> Self {
        JsonEntries(PhantomData)
    }
}

impl<E: de::Error> crate::message::EntryReport for JsonEntries<E> {
    type Error = E;
    fn fail(&mut self, problem: crate::message::EntryProblem) -> E {
        let index = problem.index();
        if let Some(i) = index {
            push_index("entry", i);
        }
        let e = fail(ErrorCode::Bundle, problem.message());
        if index.is_some() {
            pop();
        }
        e
    }
    fn out_of_order(&mut self, index: usize) -> std::result::Result<(), E> {
        push_index("entry", index);
        departure::<E>(
            ErrorCode::Order,
            crate::message::EntryProblem::OutOfOrder(index).message(),
        )?;
        pop();
        Ok(())
    }
}
