//! Generates this crate's own types, the way a team outside the project
//! would: NHS Digital's published profiles and value sets
//! (`../shared/fgm-ris`, beside the checkout), over the project's DSTU2 base,
//! with the project's manifest (and the two reconstructed v1 headers), and
//! then a bump folder (`bump/`: a new profile version and an overlay
//! manifest naming only the interactions that move to it).
//!
//! It also generates, for its tests, the project's own definitions with an
//! overlay that moves two interactions to the bumped flag (`moved.rs`).
//!
//! When the published files are absent (a checkout without `../shared`),
//! the project's restatement of them (`definitions/fgm`) stands in, and the
//! build says so: the crate still builds and runs, and `main` skips what
//! needs the published examples, printing why.

use std::path::Path;

fn main() {
    // Cargo's variable when the script runs, not when it was compiled: a
    // build script built for one checkout may run for another.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let here = Path::new(&manifest);
    let definitions = here.join("../../definitions");
    let published = here.join("../../../shared/fgm-ris");
    shared_cfg(&here.join("../../../shared"));
    let mut config = fgm_build::Config::new();
    config.definitions(definitions.join("dstu2"));
    if published.join("StructureDefinitions").is_dir() {
        config.definitions(&published);
        println!("cargo:rustc-env=FGM_PUBLISHED={}", published.display());
    } else {
        println!(
            "cargo:warning=skipping NHS's published definitions: {} is absent; \
             generating from the project's restatement (definitions/fgm) instead",
            published.display()
        );
        config.definitions(definitions.join("fgm"));
        println!("cargo:rustc-env=FGM_PUBLISHED=");
    }
    config
        .definitions(definitions.join("spine"))
        .definitions(here.join("bump"));
    let generated = config
        .compile()
        .unwrap_or_else(|e| panic!("generating the downstream types: {e}"));
    // The overlay's replacements, and the repairs the published files need.
    let out = std::env::var("OUT_DIR").expect("OUT_DIR is set for build scripts");
    std::fs::write(
        Path::new(&out).join("report.txt"),
        generated.report.to_string(),
    )
    .expect("write report.txt");
    println!("cargo:rerun-if-changed={}", published.display());

    // For the tests: the project's own types with the flag moved by an
    // overlay (CreateRequest and QueryV2Response carry Spine-RIS-Flag-1-1,
    // everything else as before), to run Spine's rules against.
    fgm_build::Config::new()
        .definitions(&definitions)
        .definitions(here.join("bump/Spine-RIS-Flag-1-1.xml"))
        .definitions(here.join("move-flag/manifest.xml"))
        .file_name("moved.rs")
        .compile()
        .unwrap_or_else(|e| panic!("generating the moved-flag types: {e}"));
}

/// Marks the tests that need `../shared` (beside the checkout) ignored when
/// it is absent, with cfg `fgm_shared_absent`, so that the test summary
/// shows them; in CI, which always has it, the cfg is not set and its
/// absence fails those tests instead.
fn shared_cfg(shared: &Path) {
    println!("cargo::rustc-check-cfg=cfg(fgm_shared_absent)");
    println!("cargo::rerun-if-env-changed=CI");
    if shared.join("fgm-ris/examples").is_dir() && shared.join("fhir-dstu2/schemas").is_dir() {
        println!("cargo::rerun-if-changed={}", shared.display());
    } else if std::env::var_os("CI").is_none() {
        println!("cargo::rustc-cfg=fgm_shared_absent");
    }
}
