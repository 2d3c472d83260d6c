//! Arbitrary XML, after the project's definitions, through the whole
//! generator (its definitions reader first): an error, never a panic.
#![no_main]

use fgm_codegen::{Config, DefinitionFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = DefinitionFile {
        path: "fuzzed.xml".into(),
        text: text.to_owned(),
    };
    let base = fgm_types::definitions::FILES
        .iter()
        .map(|(p, t)| DefinitionFile {
            path: (*p).into(),
            text: (*t).to_owned(),
        });
    let _ = Config::new()
        .definition_files(base)
        .definition_files([file])
        .plan();
});
