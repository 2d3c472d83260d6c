//! The golden output of the `removed` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/removed/expected.rs");
}

fn main() {}
