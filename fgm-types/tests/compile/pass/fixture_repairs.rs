//! The golden output of the `repairs` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/repairs/expected.rs");
}

fn main() {}
