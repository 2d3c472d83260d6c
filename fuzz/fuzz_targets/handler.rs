//! Raw bytes → a request to the Spine double's handler (in process, no
//! sockets): the first byte picks the route, the rest is the body. Every
//! answer must pass `fgm_spine::oracle::check`: a status of the Spine
//! table, a FHIR body that reads back, never a 500.
#![no_main]

use std::cell::RefCell;
use std::sync::Arc;

use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::oracle;
use fgm_spine::store::SqliteStore;
use libfuzzer_sys::fuzz_target;

thread_local! {
    /// The runtime the double's answers (async) are driven on: one
    /// thread, this one; the in-memory store never waits on anything else.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
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
        let request = oracle::request(data);
        let response = RUNTIME.with(|runtime| runtime.block_on(double.0.answer(&request)));
        if let Err(why) = oracle::check(&response) {
            panic!("{why}");
        }
    });
});
