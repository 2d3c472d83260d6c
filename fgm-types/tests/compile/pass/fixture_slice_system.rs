//! The golden output of the `slice-system` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/slice-system/expected.rs");
}

fn main() {}
