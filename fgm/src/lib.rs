//! The runtime of fgm-rs: what any generated set of FHIR DSTU2 types builds
//! on, whichever profiles it was generated from.
//!
//! - [`primitive`]: the FHIR primitive types, each checked on construction;
//!   [`Open`] codes of extensible bindings; [`NonEmpty`] vectors (`1..*`).
//! - What reading gives and takes, whatever the format: [`ReadOptions`]
//!   (strict or lenient, limits), [`Parsed`] values with their warnings,
//!   [`Issue`]s with a code, a FHIR path, a line and column and the Spine
//!   response code they earn (also at `fgm::xml::…`, where the XML reader's
//!   users find them).
//! - [`xml`]: the one XML reader and writer the derives call.
//! - `json` (feature `json`): FHIR DSTU2 JSON through serde, for the same
//!   derived types.
//! - [`FhirMessage`]: a whole message Bundle, read and written.
//! - [`spine`]: Spine's rules, for the messages of any generated set.
//! - [`oracle`]: the round-trip oracle of the tests and fuzz targets.
//! - `strategy` (feature `proptest`): proptest strategies of the
//!   primitives, used by `#[derive(FhirArbitrary)]`.
//!
//! The derives ([`FhirXml`], [`FhirMessage`](derive@FhirMessage),
//! [`FhirArbitrary`]) are re-exported here; the code they write names this
//! crate `::fgm` (or the path given by `#[fhir(crate = "…")]`). The FGM RIS
//! types themselves, generated from NHS Digital's profiles, are in
//! `fgm-types`; a crate that generates its own (with `fgm-build`) needs
//! only this one.
//!
//! ```
//! use fgm::primitive::{FhirString, Id};
//! use fgm::xml::Overflow;
//! use fgm::FhirXml;
//!
//! /// A hand-written FHIR element.
//! #[derive(Debug, PartialEq, FhirXml)]
//! struct Note {
//!     #[fhir(attribute)]
//!     id: Option<Id>,
//!     text: FhirString,
//!     #[fhir(overflow)]
//!     overflow: Overflow,
//! }
//!
//! let xml = r#"<note xmlns="http://hl7.org/fhir" id="n1"><text value="checked"/></note>"#;
//! let note: Note = fgm::xml::read_str(xml, &Default::default()).unwrap().value;
//! assert_eq!(note.text.as_str(), "checked");
//! assert_eq!(fgm::xml::write_str(&note, "note", &Default::default()), xml);
//! ```
#![forbid(unsafe_code)]
// On docs.rs: each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The derives name the runtime `::fgm`, here as anywhere.
extern crate self as fgm;

mod choice;
mod code;
mod error;
#[cfg(feature = "json")]
pub mod json;
mod markup;
pub mod message;
mod non_empty;
mod options;
pub mod oracle;
pub mod primitive;
mod response;
pub mod spine;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategy;
mod word;
pub mod xml;

pub use code::{Open, UnknownCode, ValueSetCode};
pub use error::{Error, ErrorCode, Issue, Parsed, Result};
pub use fgm_derive::{FhirArbitrary, FhirMessage, FhirXml};
pub use message::FhirMessage;
pub use non_empty::NonEmpty;
pub use options::{Mode, ReadOptions, MAX_BYTES, MAX_DEPTH};
#[cfg(feature = "proptest")]
#[doc(hidden)]
pub use proptest;

/// The `Arbitrary` implementations `FhirArbitrary` derives: kept with
/// feature `proptest`, dropped without it.
#[cfg(feature = "proptest")]
#[doc(hidden)]
#[macro_export]
macro_rules! if_proptest {
    ($($item:item)*) => { $($item)* };
}

/// The `Arbitrary` implementations `FhirArbitrary` derives: kept with
/// feature `proptest`, dropped without it.
#[cfg(not(feature = "proptest"))]
#[doc(hidden)]
#[macro_export]
macro_rules! if_proptest {
    ($($item:item)*) => {};
}

/// What the derives write for FHIR JSON (serde): kept with feature `json`,
/// dropped without it, in any crate deriving its types.
#[cfg(feature = "json")]
#[doc(hidden)]
#[macro_export]
macro_rules! if_json {
    ($($item:item)*) => { $($item)* };
}

/// What the derives write for FHIR JSON (serde): kept with feature `json`,
/// dropped without it, in any crate deriving its types.
#[cfg(not(feature = "json"))]
#[doc(hidden)]
#[macro_export]
macro_rules! if_json {
    ($($item:item)*) => {};
}
