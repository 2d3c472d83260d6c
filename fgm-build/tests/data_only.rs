//! Generated code is data: types with their docs and derive attributes,
//! plus plain constants and constructors. No macro is invoked anywhere in
//! it (no item sits inside a macro call, which prettyplease could not
//! format); the behaviour lives in the derives.

use std::path::Path;

use quote::ToTokens;
use syn::visit::Visit;

/// Every macro invocation in a Rust file (attributes, derives included,
/// are not invocations).
fn macro_calls(source: &str) -> Vec<String> {
    struct Calls(Vec<String>);
    impl<'ast> Visit<'ast> for Calls {
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let text = m.to_token_stream().to_string();
            self.0.push(text.chars().take(80).collect());
        }
    }
    let file = syn::parse_file(source).expect("generated code is Rust");
    let mut calls = Calls(Vec::new());
    calls.visit_file(&file);
    calls.0
}

#[test]
fn the_check_finds_macro_calls_in_items_expressions_and_types() {
    let calls = macro_calls(
        "wrap! { struct A; } fn f() -> m!() { println!(\"x\"); let v = vec![1]; }\n#[derive(Debug)] #[fhir(element = \"x\")] struct B;\npub mod m { ::fgm::if_proptest! { impl X for Y {} } }",
    );
    assert_eq!(calls.len(), 5, "{calls:?}");
    assert!(calls[4].starts_with(":: fgm :: if_proptest !"), "{calls:?}");
}

#[test]
fn golden_fixtures_invoke_no_macro() {
    let mut checked = 0;
    for entry in std::fs::read_dir("tests/fixtures").expect("fixtures folder") {
        let path = entry.expect("fixture entry").path().join("expected.rs");
        if !path.exists() {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read fixture");
        let calls = macro_calls(&source);
        assert!(calls.is_empty(), "{}: {calls:?}", path.display());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} fixtures found");
}

#[test]
fn the_project_types_invoke_no_macro_and_hold_no_strategies() {
    let source = fgm_build::Config::new()
        .definitions(Path::new("../definitions"))
        .generate()
        .expect("the project's definitions generate")
        .source;
    let calls = macro_calls(&source);
    assert!(calls.is_empty(), "{} macro calls: {calls:?}", calls.len());
    for logic in ["prop_map", "BoxedStrategy", "proptest"] {
        assert!(
            !source.contains(logic),
            "the generated file mentions `{logic}`"
        );
    }
}
