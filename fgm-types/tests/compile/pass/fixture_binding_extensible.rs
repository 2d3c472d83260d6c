//! The golden output of the `binding-extensible` fixture compiles against the runtime.
#[allow(dead_code)]
mod generated {
    include!("../../../../fgm-build/tests/fixtures/binding-extensible/expected.rs");
}

fn main() {}
