//! An arbitrary typed message (the generated proptest strategies, seeded by
//! the fuzzer's bytes) → write → read: equal, through the shared oracle.
//!
//! The bytes seed ChaCha rather than feed proptest directly (`PassThrough`):
//! once the bytes run out, `PassThrough` yields zeros forever, on which
//! rejection-sampled strategies (a character of a Unicode class) never end.
//!
//! The strategy is built once per process: building it (thousands of boxed
//! strategies, one per field of every generated type) cost more than
//! drawing a message from it.
#![no_main]

use fgm_types::messages::Message;
use fgm::xml::ReadOptions;
use libfuzzer_sys::fuzz_target;
use proptest::arbitrary::any;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

thread_local! {
    static MESSAGES: BoxedStrategy<Message> = any::<Message>();
}

fuzz_target!(|data: &[u8]| {
    let mut seed = [0u8; 32];
    for (i, b) in data.iter().enumerate() {
        let at = i % 32;
        seed[at] = seed[at].rotate_left(3) ^ b.wrapping_add(i as u8);
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let Ok(tree) = MESSAGES.with(|messages| messages.new_tree(&mut runner)) else {
        return;
    };
    // Arbitrary references point at arbitrary ids: not resolved here.
    let options = ReadOptions::strict().with_check_references(false);
    if let Err(e) = fgm::oracle::check_message(&tree.current(), &options) {
        panic!("{e}");
    }
});
