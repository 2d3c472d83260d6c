//! Misusing the derive attributes is a compile error at the attribute, all
//! errors at once; the messages are pinned in `ui/*.stderr`
//! (`TRYBUILD=overwrite cargo test -p fgm-derive` updates them).

#[test]
fn misuse_is_a_compile_error() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
