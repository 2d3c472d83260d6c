//! The system on top of `fgm-types`: a Spine FGM IS double and a Spine
//! Mini Service Provider over HTTP (hyper on tokio), with a store (SQLite,
//! or PostgreSQL shared by several instances), a hash-chained audit, TLS
//! client authentication (rustls), health, metrics and logs, and a client
//! (reqwest).
//!
//! - [`store`]: the double's records and the audit chain, one transaction
//!   per exchange ([`store::Store`], [`store::SqliteStore`],
//!   [`store::PostgresStore`], [`store::open`]);
//! - [`audit`]: audit entries, their chain and its verification;
//! - [`report`]: the GP-practice and transactions reports;
//! - [`double`]: the Spine double ([`double::Spine`]; Spine's rules are
//!   `fgm_types::spine`'s);
//! - [`smsp`]: the SMSP ([`smsp::Smsp`]);
//! - [`client`]: [`Client`], which posts a message and reads the answer;
//! - [`load`]: a load to measure a double with, and the checks of what
//!   its clients were told against the store;
//! - [`clock`]: the service's date (the system's, or a fixed one);
//! - [`identity`]: client certificates, and the maps binding them to ASIDs
//!   and authors;
//! - [`oracle`]: what every answer to hostile input must be (shared by
//!   the property tests and the `handler` fuzz target);
//! - [`server`]: the HTTP layer both servers share, with `GET /health`,
//!   `/ready` and `/metrics`, and a `tracing` event per request;
//! - [`metrics`]: what a server counts, in the Prometheus text format;
//! - [`tls`]: the server and client TLS configs.
//!
//! Every Spine rule, answer and reading is the library's
//! (`fgm_types::spine`): this crate routes, stores, audits and transports.

#![forbid(unsafe_code)]

pub mod audit;
pub mod client;
pub mod clock;
pub mod double;
mod exchange;
pub mod identity;
pub mod load;
pub mod metrics;
pub mod oracle;
pub mod report;
pub mod server;
pub mod smsp;
pub mod store;
pub mod tls;

pub use client::{Answer, Cause, Client, ClientError, ClientOptions};
