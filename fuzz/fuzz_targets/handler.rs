//! Raw bytes → a request to the Spine double's handler (in process, no
//! sockets): the first byte picks the route, the rest is the body. Every
//! answer must pass `fgm_spine::oracle::check`: a status of the Spine
//! table, a FHIR body that reads back, never a 500.
#![no_main]

use std::cell::RefCell;
use std::sync::Arc;

use fgm_spine::oracle;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::store::SqliteStore;
use libfuzzer_sys::fuzz_target;

thread_local! {
    /// The double, and how many requests its store holds: a fresh store
    /// every 10,000 so that the audit does not grow through a campaign.
    static DOUBLE: RefCell<(Spine, u32)> = RefCell::new((fresh(), 0));
}

fn fresh() -> Spine {
    Spine::new(
        Arc::new(SqliteStore::in_memory().expect("an in-memory store")),
        SpineOptions::default(),
    )
}

fuzz_target!(|data: &[u8]| {
    DOUBLE.with(|double| {
        let mut double = double.borrow_mut();
        double.1 += 1;
        if double.1 > 10_000 {
            *double = (fresh(), 0);
        }
        let response = double.0.answer(&oracle::request(data));
        if let Err(why) = oracle::check(&response) {
            panic!("{why}");
        }
    });
});
