//! Compile tests: the golden fixture outputs and the real generated API
//! compile and work; the profile rules the types enforce are compile errors
//! (messages pinned in `compile/fail/*.stderr`; `TRYBUILD=overwrite` updates them).

#[test]
fn generated_code_compiles_and_enforces_the_profiles() {
    let t = trybuild::TestCases::new();
    t.pass("tests/compile/pass/*.rs");
    t.compile_fail("tests/compile/fail/*.rs");
}
