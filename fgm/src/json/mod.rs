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

mod derive;
mod locate;
mod message;
mod primitive;
mod resource;
mod state;

use serde::{Deserialize, Serialize};

use crate::xml::{ErrorCode, Issue, Mode, Parsed, ReadOptions, Result};

// What the derives call: public for the code they write, not for users.
#[doc(hidden)]
pub use derive::*;
#[doc(hidden)]
pub use message::*;
#[doc(hidden)]
pub use resource::*;
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
        )
        .into());
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
        }
        .into());
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
            }
            .into())
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
            }
            .into())
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
    result.map_err(|e| {
        Issue {
            code: ErrorCode::Unsupported,
            path: state.path.join("."),
            line: 0,
            column: 0,
            message: bare_message(&e),
        }
        .into()
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
pub(super) fn bare_message(e: &serde_json::Error) -> String {
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
pub(super) fn offset_of(text: &str, line: usize, column: usize) -> usize {
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
        Err(e) => Err(placed(e.into_issue()).into()),
    }
}
