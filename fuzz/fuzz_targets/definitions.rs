//! Arbitrary XML, after the project's definitions, through the whole
//! generator (its definitions reader first): an error, never a panic.
//!
//! The project's definitions are read once per process (reading them was
//! most of the work of each run); each input is read into a copy of them
//! and, when it holds a definition or the manifest, the copy is joined,
//! resolved and planned. Any other XML is only listed as skipped, so the
//! plan is the project's, planned once at start.
#![no_main]

use fgm_build::{Config, DefinitionFile, ReadDefinitions};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static BASE: ReadDefinitions = {
        let files = fgm_types::definitions::FILES.iter().map(|(p, t)| DefinitionFile {
            path: (*p).into(),
            text: (*t).to_owned(),
        });
        let base = Config::new()
            .definition_files(files)
            .read()
            .expect("the project's definitions read");
        base.clone().plan().expect("the project's definitions plan");
        base
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = DefinitionFile {
        path: "fuzzed.xml".into(),
        text: text.to_owned(),
    };
    let mut read = BASE.with(ReadDefinitions::clone);
    if let Ok(true) = read.read_file(&file) {
        let _ = read.plan();
    }
});
