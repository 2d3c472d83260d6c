//! Raw bytes → parse, in both modes: never a panic; time and memory bounded
//! by the reader's limits.
#![no_main]

use fgm_types::messages::Message;
use fgm::xml::ReadOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Message::parse_with(data, &ReadOptions::default());
    let _ = Message::parse_with(data, &ReadOptions::strict());
});
