//! Typed messages for the NHS Spine 2 FGM Risk Indication System FHIR DSTU2
//! messaging API.
//!
//! Everything FGM-specific here is generated at build time by `fgm-codegen`
//! from the definitions in the workspace's `definitions/` folder: one module
//! per profile under [`profiles`], the DSTU2 datatypes in [`datatypes`], one
//! enum per value set in [`valuesets`], every profiled resource in
//! [`resources::AnyResource`], and the interactions and Spine response codes
//! in [`messages`]. The hand-written runtime is small: the [`primitive`]
//! types, [`Open`] codes, [`NonEmpty`] vectors. With feature `json`, every
//! type and message also reads and writes FHIR DSTU2 JSON through serde
//! (`json`, `Message::to_json`, `Message::from_json`).
//!
//! ```
//! use fgm_types::messages::{Interaction, RESPONSE_CODES};
//! use fgm_types::valuesets::SpineResponseCode20;
//!
//! let query = Interaction::from_event_code("urn:nhs:names:services:clinicals-sync:FGMQuery_2_0").unwrap();
//! assert_eq!(query.endpoint(), "/fhir/fgm/query");
//! let code: SpineResponseCode20 = "INVALID_NHS_NUMBER".parse().unwrap();
//! let row = RESPONSE_CODES.iter().find(|r| r.code == code.code()).unwrap();
//! assert_eq!(row.http_status, 400);
//! ```
#![forbid(unsafe_code)]
// On docs.rs: each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The derives name the runtime `::fgm_types`, here as anywhere.
extern crate self as fgm_types;

mod code;
#[cfg(feature = "json")]
pub mod json;
pub mod message;
mod non_empty;
pub mod oracle;
pub mod primitive;
pub mod spine;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategy;
pub mod xml;

pub use code::{Open, UnknownCode, ValueSetCode};
pub use fgm_derive::{FhirArbitrary, FhirMessage, FhirXml};
pub use message::FhirMessage;
pub use non_empty::NonEmpty;
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
/// dropped without it, in this crate and in any crate deriving its own
/// types.
#[cfg(feature = "json")]
#[doc(hidden)]
#[macro_export]
macro_rules! if_json {
    ($($item:item)*) => { $($item)* };
}

/// What the derives write for FHIR JSON (serde): kept with feature `json`,
/// dropped without it, in this crate and in any crate deriving its own
/// types.
#[cfg(not(feature = "json"))]
#[doc(hidden)]
#[macro_export]
macro_rules! if_json {
    ($($item:item)*) => {};
}

#[allow(clippy::large_enum_variant, clippy::doc_lazy_continuation)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/fgm.rs"));
}
pub use generated::*;

/// The definition files the types were generated from, embedded.
pub mod definitions {
    include!(concat!(env!("OUT_DIR"), "/definitions.rs"));
}

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// What the generator reported when it built these types: each repair of a
/// defect in the definitions, one per line.
pub const GENERATION_REPORT: &str = include_str!(concat!(env!("OUT_DIR"), "/report.txt"));

/// The [`FhirMessage`] methods, callable on this crate's own messages
/// without importing the trait.
impl messages::Message {
    /// Reads a message (lenient mode, default limits); the interaction is
    /// chosen by the MessageHeader event code.
    pub fn parse(input: impl AsRef<[u8]>) -> xml::Result<xml::Parsed<Self>> {
        <Self as FhirMessage>::parse(input)
    }

    /// Reads a message with the given mode and limits.
    pub fn parse_with(
        input: impl AsRef<[u8]>,
        options: &xml::ReadOptions,
    ) -> xml::Result<xml::Parsed<Self>> {
        <Self as FhirMessage>::parse_with(input, options)
    }

    /// Writes the message as compact FHIR XML.
    pub fn to_xml(&self) -> String {
        <Self as FhirMessage>::to_xml(self)
    }

    /// Writes the message, compact or pretty.
    pub fn to_xml_with(&self, options: &xml::WriteOptions) -> String {
        <Self as FhirMessage>::to_xml_with(self, options)
    }
}

#[cfg(feature = "json")]
impl messages::Message {
    /// Reads a message from FHIR JSON (lenient mode, default limits); the
    /// interaction is chosen by the MessageHeader event code, and every
    /// reference must resolve, as in XML (see [`json`]).
    pub fn from_json(input: impl AsRef<[u8]>) -> xml::Result<xml::Parsed<Self>> {
        Self::from_json_with(input, &xml::ReadOptions::default())
    }

    /// Reads a message from FHIR JSON with the given mode and limits.
    pub fn from_json_with(
        input: impl AsRef<[u8]>,
        options: &xml::ReadOptions,
    ) -> xml::Result<xml::Parsed<Self>> {
        let mut parsed = json::read_bytes::<Self>(input.as_ref(), options)?;
        if options.check_references {
            json::check_references(&parsed.value, options, &mut parsed.warnings)?;
        }
        Ok(parsed)
    }

    /// Writes the message as compact FHIR JSON; content that lenient XML
    /// reading kept as XML has no JSON form and is an error.
    pub fn to_json(&self) -> xml::Result<String> {
        json::to_string(self, false)
    }

    /// Writes the message as FHIR JSON, indented.
    pub fn to_json_pretty(&self) -> xml::Result<String> {
        json::to_string(self, true)
    }
}
