//! Typed messages for the NHS Spine 2 FGM Risk Indication System FHIR DSTU2
//! messaging API.
//!
//! Everything here is generated at build time by `fgm-build` from the
//! definitions in the workspace's `definitions/` folder: one module per
//! profile under [`profiles`], the DSTU2 datatypes in [`datatypes`], one
//! enum per value set in [`valuesets`], every profiled resource in
//! [`resources::AnyResource`], and the interactions and Spine response codes
//! in [`messages`] — except [`spine`], Spine's rules, builders and
//! responses for these messages. The runtime they build on (primitive
//! types, the XML and JSON engines, the `FhirMessage` trait) is the `fgm`
//! crate. With feature `json`, every type and message also reads and writes
//! FHIR DSTU2 JSON (`Message::to_json`, `Message::from_json`).
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

pub mod spine;

use fgm::xml;
use fgm::FhirMessage;

#[allow(clippy::large_enum_variant, clippy::doc_lazy_continuation)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/fgm.rs"));
}
pub use generated::*;

/// The definition files the types were generated from, embedded.
pub mod definitions {
    include!(concat!(env!("OUT_DIR"), "/definitions.rs"));
}

/// The workspace README's example, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The guides' examples (`docs/` in the workspace), run as doctests.
#[cfg(doctest)]
pub mod guides {
    /// Reading and writing messages.
    #[doc = include_str!("../../docs/reading-and-writing.md")]
    pub struct ReadingAndWriting;
    /// FHIR JSON.
    #[doc = include_str!("../../docs/json.md")]
    pub struct Json;
    /// Spine's rules.
    #[doc = include_str!("../../docs/spine.md")]
    pub struct Spine;
    /// Profile bumps.
    #[doc = include_str!("../../docs/profile-bumps.md")]
    pub struct ProfileBumps;
}

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
    /// reference must resolve, as in XML (see [`fgm::json`]).
    pub fn from_json(input: impl AsRef<[u8]>) -> xml::Result<xml::Parsed<Self>> {
        Self::from_json_with(input, &xml::ReadOptions::default())
    }

    /// Reads a message from FHIR JSON with the given mode and limits.
    pub fn from_json_with(
        input: impl AsRef<[u8]>,
        options: &xml::ReadOptions,
    ) -> xml::Result<xml::Parsed<Self>> {
        fgm::json::read_message_bytes(input.as_ref(), options)
    }

    /// Writes the message as compact FHIR JSON; content that lenient XML
    /// reading kept as XML has no JSON form and is an error.
    pub fn to_json(&self) -> xml::Result<String> {
        fgm::json::to_string(self, false)
    }

    /// Writes the message as FHIR JSON, indented.
    pub fn to_json_pretty(&self) -> xml::Result<String> {
        fgm::json::to_string(self, true)
    }
}
