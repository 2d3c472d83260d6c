//! Support shared by the integration tests.
#![allow(dead_code)]

pub mod compare;

use std::path::{Path, PathBuf};

/// A part of `../shared` (beside the checkout), or `None`, saying so, when
/// it is absent. In CI, which always has `../shared`, its absence is a
/// failure; elsewhere the tests that need it are also marked ignored when
/// it was absent at build time (cfg `fgm_shared_absent`, set by build.rs),
/// so that the summary shows them.
pub fn shared(part: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(part);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is absent: CI runs with ../shared beside the checkout",
        path.display()
    );
    eprintln!("skipping: {} is not present", path.display());
    None
}

/// The published example messages, or `None` (saying so) when `../shared`
/// is not beside the checkout.
pub fn examples() -> Option<Vec<PathBuf>> {
    let dir = shared("fgm-ris/examples")?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("examples folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    Some(files)
}

/// The official DSTU2 XML schema, or `None` (saying so) when `../shared` is
/// absent.
pub fn schema() -> Option<PathBuf> {
    shared("fhir-dstu2/schemas/fhir-single.xsd")
}

/// Whether `xmllint` can run; in CI (where `.ci/run` installs it) its
/// absence is a failure, elsewhere a skip that says so.
pub fn xmllint() -> bool {
    let found = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "xmllint is missing in CI (.ci/run installs libxml2-utils)"
        );
        eprintln!(
            "skipping XSD validation: xmllint is not installed (apt-get install libxml2-utils)"
        );
    }
    found
}

/// Validates XML files against the DSTU2 schema with xmllint.
pub fn validate_with_xsd(xsd: &Path, files: &[PathBuf]) -> Result<(), String> {
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .args(files)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
