//! The system on top of `fgm-types`: a Spine FGM RIS double and a Spine
//! Mini Service Provider over HTTP (hyper on tokio), with a SQLite store
//! and TLS client authentication (rustls), and a client (reqwest).
//!
//! - [`store`]: flags per NHS number, every write one transaction;
//! - [`spine`]: the double ([`spine::Spine`]);
//! - [`smsp`]: the SMSP ([`smsp::Smsp`]);
//! - [`client`]: [`Client`], which posts a message and reads the answer;
//! - [`server`]: the HTTP layer both servers share;
//! - [`tls`]: the server TLS config;
//! - [`cli`]: `fgm serve` and `fgm send`.
//!
//! Every Spine rule, answer and reading is the library's
//! (`fgm_types::spine`): this crate routes, stores and transports.

#![forbid(unsafe_code)]

pub mod cli;
pub mod client;
pub mod server;
pub mod smsp;
pub mod spine;
pub mod store;
pub mod tls;

pub use client::{Answer, Client, ClientError, ClientOptions};
