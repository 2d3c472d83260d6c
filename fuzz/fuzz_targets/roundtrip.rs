//! Bytes → parse → write → parse: what reads comes back equal, and writes
//! the same bytes twice (the shared oracle).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = fgm::oracle::check_bytes::<fgm_types::messages::Message>(data) {
        panic!("{e}");
    }
});
