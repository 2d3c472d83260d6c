//! Raw bytes → the one-pass scanner and roxmltree: whatever the scanner
//! takes, roxmltree reads, within the same limits, into the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The default limits, and tight ones that the input meets at its edges.
    for (max_nodes, max_depth) in [(100_000, 64), (16, 3)] {
        if let Err(e) = fgm::xml::check_scan(text, max_nodes, max_depth) {
            panic!("{e}");
        }
    }
});
