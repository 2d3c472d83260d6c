//! Only for the tests: whether `../shared` (NHS's published files and the
//! DSTU2 schema, beside the checkout) is there.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    shared_cfg(&Path::new(&manifest).join("../../shared"));
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
