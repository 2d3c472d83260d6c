//! The golden output of the `fixed` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/fixed/expected.rs");
}

fn main() {}
