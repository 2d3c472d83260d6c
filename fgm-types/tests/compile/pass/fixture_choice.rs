//! The golden output of the `choice` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/choice/expected.rs");
}

fn main() {}
