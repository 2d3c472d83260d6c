//! Golden fixtures: small hand-made definitions, one per feature, generated
//! over a tiny base (`tests/fixtures/base`). Each fixture folder holds the
//! expected Rust (`expected.rs`) and the expected repair report
//! (`report.txt`). `FGM_BLESS=1 cargo test -p fgm-build --test golden`
//! rewrites them after an intended change; review the diff.

use std::path::Path;

use fgm_build::Config;

fn check(name: &str) {
    let dir = Path::new("tests/fixtures").join(name);
    let generated = Config::new()
        .definitions("tests/fixtures/base")
        .definitions(&dir)
        .generate()
        .unwrap_or_else(|e| panic!("fixture {name} does not generate: {e}"));
    let report = generated.report.to_string();
    for (file, actual) in [("expected.rs", &generated.source), ("report.txt", &report)] {
        let path = dir.join(file);
        if std::env::var_os("FGM_BLESS").is_some() {
            std::fs::write(&path, actual).expect("write golden file");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with FGM_BLESS=1 to create it)",
                path.display()
            )
        });
        if &expected != actual {
            let first = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(expected.lines().count().min(actual.lines().count()));
            panic!(
                "{} differs from the generated output at line {}:\n  expected: {:?}\n  actual:   {:?}\n(run with FGM_BLESS=1 to accept)",
                path.display(),
                first + 1,
                expected.lines().nth(first),
                actual.lines().nth(first)
            );
        }
    }
}

macro_rules! fixtures {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($dir);
            }
        )*
    };
}

fixtures! {
    removed_element => "removed",
    cardinalities => "cardinality",
    fixed_value => "fixed",
    slice_by_system => "slice-system",
    slice_by_name => "slice-name",
    choice_narrowing => "choice",
    contained => "contained",
    required_binding => "binding-required",
    extensible_binding => "binding-extensible",
    repairs => "repairs",
}
