//! Bytes → from_json → to_json → from_json: reading FHIR JSON never panics,
//! and what reads comes back equal and writes the same JSON twice, then
//! passes the XML oracle (`oracle::check_json_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = fgm::oracle::check_json_bytes::<fgm_types::messages::Message>(data) {
        panic!("{e}");
    }
});
