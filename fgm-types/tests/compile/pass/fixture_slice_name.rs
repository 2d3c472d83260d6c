//! The golden output of the `slice-name` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/slice-name/expected.rs");
}

fn main() {}
