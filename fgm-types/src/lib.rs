//! Typed messages for the NHS Spine 2 FGM Risk Indication System FHIR DSTU2
//! messaging API.
//!
//! Everything FGM-specific here is generated at build time by `fgm-codegen`
//! from the definitions in the workspace's `definitions/` folder: one module
//! per profile under [`profiles`], the DSTU2 datatypes in [`datatypes`], one
//! enum per value set in [`valuesets`], every profiled resource in
//! [`resources::AnyResource`], and the interactions and Spine response codes
//! in [`messages`]. The hand-written runtime is small: the [`primitive`]
//! types, [`Open`] codes, [`NonEmpty`] vectors.
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
#![warn(missing_docs)]

mod code;
mod non_empty;
pub mod primitive;

pub use code::{Open, UnknownCode, ValueSetCode};
pub use non_empty::NonEmpty;

#[allow(clippy::large_enum_variant, clippy::doc_lazy_continuation)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/fgm.rs"));
}
pub use generated::*;

/// The definition files the types were generated from, embedded.
pub mod definitions {
    include!(concat!(env!("OUT_DIR"), "/definitions.rs"));
}

/// What the generator reported when it built these types: each repair of a
/// defect in the definitions, one per line.
pub const GENERATION_REPORT: &str = include_str!(concat!(env!("OUT_DIR"), "/report.txt"));
