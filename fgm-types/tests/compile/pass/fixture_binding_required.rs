//! The golden output of the `binding-required` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/binding-required/expected.rs");
}

fn main() {}
