//! What the loopback tests share: requests built with the library's
//! builders, valid NHS numbers, and servers started on 127.0.0.1 port 0.
#![allow(dead_code)]

pub mod load;

use std::net::SocketAddr;
use std::sync::Arc;

use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::server::{self, Handler, Running, ServerOptions};
use fgm_spine::store::Store;
use fgm_spine::{Client, ClientOptions};
use fgm_types::messages::Message;
use fgm_types::spine::build::{Create, Delete, QueryV1, QueryV2};
use fgm_types::valuesets::FgmDeleteReasonCodes10;

/// The sending system's ASID.
pub const CLIENT: &str = "200000000115";
/// Spine's ASID.
pub const SPINE: &str = "990101234567";
/// The practitioner's SDS user id.
pub const AUTHOR: &str = "200009876204";

/// Loopback, any free port.
pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The `n`-th valid NHS number (check digit by modulus 11) from 943476000.
pub fn nhs_number(n: u32) -> String {
    (943_476_000 + n * 3..)
        .find_map(|base: u32| {
            let text = format!("{base:09}");
            let digits: [u8; 9] = std::array::from_fn(|i| text.as_bytes()[i] - b'0');
            fgm_types::spine::NhsNumber::check_digit(&digits).map(|check| format!("{text}{check}"))
        })
        .expect("a number with a check digit")
}

/// A v1 query for an NHS number.
pub fn query_v1(nhs: &str) -> Message {
    Message::QueryV1Request(
        QueryV1::new(nhs)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds(AUTHOR, "100077650987")
            .build()
            .unwrap(),
    )
}

/// A v2 query by an author.
pub fn query_v2_by(nhs: &str, author: &str) -> Message {
    Message::QueryV2Request(
        QueryV2::new(nhs)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds(author, "100077650987")
            .build()
            .unwrap(),
    )
}

/// A v2 query.
pub fn query_v2(nhs: &str) -> Message {
    query_v2_by(nhs, AUTHOR)
}

/// A create for a girl born in 2015.
pub fn create(nhs: &str) -> Message {
    Message::CreateRequest(
        Create::new(nhs, "2015-06-01", "B86022", "Example Surgery")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds(AUTHOR, "100077650987")
            .since("2024-01-01")
            .build()
            .unwrap(),
    )
}

/// A delete.
pub fn delete(nhs: &str) -> Message {
    Message::DeleteRequest(
        Delete::new(nhs, FgmDeleteReasonCodes10::Code1)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds(AUTHOR, "100077650987")
            .build()
            .unwrap(),
    )
}

/// A message with one piece of its XML replaced, read back leniently.
pub fn altered(message: &Message, from: &str, to: &str) -> Message {
    let xml = message.to_xml();
    assert!(xml.contains(from), "`{from}` is not in the message");
    Message::parse(xml.replace(from, to).as_bytes())
        .unwrap()
        .value
}

/// Serves a handler on loopback, plain HTTP.
pub async fn start<H: Handler>(handler: Arc<H>) -> Running {
    server::spawn(loopback(), handler, ServerOptions::default())
        .await
        .unwrap()
}

/// A Spine double on loopback over a store.
pub async fn start_spine(store: Arc<dyn Store>, options: SpineOptions) -> Running {
    start(Arc::new(Spine::new(store, options))).await
}

/// A plain-HTTP client of a running server.
pub fn client_of(server: &Running) -> Client {
    Client::new(
        &format!("http://{}", server.addr),
        &ClientOptions::default(),
    )
    .unwrap()
}

/// A temporary folder for a test, removed first if left over.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fgm-spine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
