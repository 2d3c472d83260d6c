//! Generates the FGM types from `definitions/` (a link to the workspace's
//! `definitions/` folder; a packaged crate carries a copy) into `OUT_DIR`,
//! and embeds the definition files themselves for `fgm generate`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Cargo's variable when the script runs, not when it was compiled: a
    // build script built for one checkout may run for another.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("definitions");
    let out = std::env::var("OUT_DIR").expect("OUT_DIR is set for build scripts");
    shared_cfg(&Path::new(&manifest).join("../../shared"));
    let generated = fgm_build::Config::new()
        .definitions(&root)
        .compile()
        .unwrap_or_else(|e| panic!("generating fgm-types from {}: {e}", root.display()));
    std::fs::write(
        Path::new(&out).join("report.txt"),
        generated.report.to_string(),
    )
    .expect("write report.txt");

    let mut embedded = String::from("/// The definition files the types were generated from: (path below `definitions/`, text).\npub static FILES: &[(&str, &str)] = &[\n");
    for file in generated.files {
        let rel = file.strip_prefix(&root).expect("below the root");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let abs = file.canonicalize().expect("definition file exists");
        writeln!(
            embedded,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .expect("write to string");
    }
    embedded.push_str("];\n");
    std::fs::write(Path::new(&out).join("definitions.rs"), embedded).expect("write definitions.rs");
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
