//! The servers' request handlers driven in process with arbitrary bytes as
//! body and header values (`fgm_spine::oracle`): every answer has a status
//! of the Spine table, a body that reads back as a Spine response or a
//! bare OperationOutcome, and no 500. The inputs are raw bytes, and valid
//! requests with a byte replaced, inserted or removed.

mod common;

use std::sync::{Arc, OnceLock};

use common::*;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::oracle;
use fgm_spine::server::Running;
use fgm_spine::smsp::{Smsp, SmspOptions};
use fgm_spine::store::SqliteStore;
use fgm_spine::{Client, ClientOptions};
use proptest::prelude::*;

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

fn double() -> &'static Spine {
    static SPINE: OnceLock<Spine> = OnceLock::new();
    SPINE.get_or_init(|| {
        Spine::new(
            Arc::new(SqliteStore::in_memory().unwrap()),
            SpineOptions::default(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_double_answers_any_bytes_with_a_spine_answer(data in input()) {
        let response = double().answer(&oracle::request(&data));
        if let Err(why) = oracle::check(&response) {
            prop_assert!(false, "{}", why);
        }
    }
}

/// An SMSP in front of a double on loopback, in a runtime of its own.
fn smsp() -> &'static (tokio::runtime::Runtime, Smsp, Running) {
    static SMSP: OnceLock<(tokio::runtime::Runtime, Smsp, Running)> = OnceLock::new();
    SMSP.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let spine = runtime.block_on(start_spine(
            Arc::new(SqliteStore::in_memory().unwrap()),
            SpineOptions::default(),
        ));
        let upstream =
            Client::new(&format!("http://{}", spine.addr), &ClientOptions::default()).unwrap();
        let smsp = Smsp::new(
            upstream,
            Arc::new(SqliteStore::in_memory().unwrap()),
            SmspOptions::default(),
        );
        (runtime, smsp, spine)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_smsp_answers_any_bytes_with_a_spine_answer(data in input()) {
        let (runtime, smsp, _) = smsp();
        let response = runtime.block_on(smsp.answer(&oracle::request(&data)));
        if let Err(why) = oracle::check(&response) {
            prop_assert!(false, "{}", why);
        }
    }
}

#[test]
fn the_unedited_requests_are_routed_to_their_interactions_and_accepted() {
    let spine = Spine::new(
        Arc::new(SqliteStore::in_memory().unwrap()),
        SpineOptions::default(),
    );
    let statuses: Vec<u16> = valid()
        .iter()
        .zip(ROUTE)
        .map(|(body, route)| {
            let mut data = vec![route];
            data.extend(body);
            spine.answer(&oracle::request(&data)).status
        })
        .collect();
    // Create, then both queries find it, then the delete removes it: the
    // edits start from requests that reach the records.
    assert_eq!(statuses, [201, 200, 200, 200]);
}
