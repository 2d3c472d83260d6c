//! The golden output of the `cardinality` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/cardinality/expected.rs");
}

fn main() {}
