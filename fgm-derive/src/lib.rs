//! Derives for reading and writing FHIR DSTU2 XML.
//!
//! This crate is the home of the derive macros that give the generated
//! `fgm-types` (and hand-written structs) their XML readers and writers. The
//! generated types carry only data today; the derives arrive with the
//! typed-messages work.
#![forbid(unsafe_code)]
