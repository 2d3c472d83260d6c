//! The servers' request handlers driven in process with arbitrary bytes as
//! body and header values (`fgm_spine::oracle`): every answer has a status
//! of the Spine table, a body that reads back as a Spine response or a
//! bare OperationOutcome, and no 500. The inputs are raw bytes, and valid
//! requests with a byte replaced, inserted or removed.

mod common;

use std::sync::OnceLock;

use common::*;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::oracle;
use fgm_spine::server::Response;
use fgm_spine::smsp::{Smsp, SmspOptions};
use fgm_spine::{Client, ClientOptions};
use proptest::prelude::*;
use proptest::test_runner::{contextualize_config, TestCaseError, TestRunner};

/// Valid requests of each interaction, written out.
fn valid() -> &'static [Vec<u8>] {
    static VALID: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    VALID.get_or_init(|| {
        let girl = nhs_number(30);
        [
            create(&girl),
            query_v1(&girl),
            query_v2(&girl),
            delete(&girl),
        ]
        .iter()
        .map(|m| m.to_xml().into_bytes())
        .collect()
    })
}

/// The index among the request interactions (`Interaction::ALL`'s order)
/// of create, query v1, query v2 and delete.
const ROUTE: [u8; 4] = [2, 0, 1, 3];

/// Arbitrary bytes, or a valid request with one edit; the first byte
/// picks the route (see `oracle::request`).
fn input() -> impl Strategy<Value = Vec<u8>> {
    let edited = (
        0..4usize,
        any::<prop::sample::Index>(),
        0..3u8,
        any::<u8>(),
        0..5u8,
    )
        .prop_map(|(which, at, edit, byte, route)| {
            let mut body = valid()[which].clone();
            let at = at.index(body.len());
            match edit {
                0 => body[at] = byte,
                1 => body.insert(at, byte),
                _ => {
                    body.remove(at);
                }
            }
            // The route: the message's own interaction (its index among
            // the requests) with one of the first five route kinds.
            let mut data = vec![ROUTE[which] + 8 * route];
            data.extend(body);
            data
        });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..600), edited]
}

/// Runs `cases` cases of [`input`] through `answer` as the `proptest!`
/// macro would (the environment's settings, the regressions file beside
/// this one, shrinking), on a blocking thread of the test's runtime so that
/// `answer` may block on it; every answer must pass `oracle::check`. A
/// failure panics with the minimal failing input.
async fn run_cases(
    name: &'static str,
    cases: u32,
    answer: impl Fn(&[u8]) -> Response + Send + 'static,
) {
    let cases = tokio::task::spawn_blocking(move || {
        let mut config = contextualize_config(ProptestConfig::with_cases(cases));
        config.test_name = Some(name);
        config.source_file = Some(file!());
        let mut runner = TestRunner::new(config);
        let result = runner.run(&input(), |data| {
            oracle::check(&answer(&data)).map_err(TestCaseError::fail)
        });
        if let Err(e) = result {
            panic!("{name}: {e}\n{runner}");
        }
    });
    if let Err(e) = cases.await {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn the_double_answers_any_bytes_with_a_spine_answer(backend: Backend) {
    let double = Spine::new(backend.store().await, SpineOptions::default());
    let runtime = tokio::runtime::Handle::current();
    run_cases(
        "the_double_answers_any_bytes_with_a_spine_answer",
        512,
        move |data| runtime.block_on(double.answer(&oracle::request(data))),
    )
    .await;
}

/// An SMSP in front of a double on loopback, each over a store of its own.
async fn the_smsp_answers_any_bytes_with_a_spine_answer(backend: Backend) {
    let spine = start_spine(backend.store().await, SpineOptions::default()).await;
    let upstream =
        Client::new(&format!("http://{}", spine.addr), &ClientOptions::default()).unwrap();
    let smsp = Smsp::new(upstream, backend.store().await, SmspOptions::default());
    let runtime = tokio::runtime::Handle::current();
    run_cases(
        "the_smsp_answers_any_bytes_with_a_spine_answer",
        256,
        move |data| runtime.block_on(smsp.answer(&oracle::request(data))),
    )
    .await;
    spine.stop().await;
}

async fn the_unedited_requests_are_routed_to_their_interactions_and_accepted(backend: Backend) {
    let spine = Spine::new(backend.store().await, SpineOptions::default());
    let mut statuses = Vec::new();
    for (body, route) in valid().iter().zip(ROUTE) {
        let mut data = vec![route];
        data.extend(body);
        statuses.push(spine.answer(&oracle::request(&data)).await.status);
    }
    // Create, then both queries find it, then the delete removes it: the
    // edits start from requests that reach the records.
    assert_eq!(statuses, [201, 200, 200, 200]);
}

on_every_store!(
    the_double_answers_any_bytes_with_a_spine_answer,
    the_smsp_answers_any_bytes_with_a_spine_answer,
    the_unedited_requests_are_routed_to_their_interactions_and_accepted,
);
