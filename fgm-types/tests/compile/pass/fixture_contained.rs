//! The golden output of the `contained` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/contained/expected.rs");
}

fn main() {}
