//! Answers requests the way Spine does: reads each, checks it, and prints
//! the HTTP status and the response message Spine would send back.
//!
//! ```sh
//! cargo run --example answer_as_spine                   # a good query and a bad one
//! cargo run --example answer_as_spine -- request.xml    # a request of yours
//! ```

use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{build, respond, validate, Outcome, Reply, ValidateOptions};

/// Spine's answer to one request body.
fn answer(body: &[u8]) -> Result<Reply, Box<dyn std::error::Error>> {
    let request = Message::parse(body)?.value;
    let issues = validate(&request, &ValidateOptions::default());
    let outcome = match issues.iter().find(|i| i.is_error()) {
        Some(issue) => Outcome::Error {
            code: issue.spine_code.to_owned(),
            diagnostics: Some(issue.message.clone()),
        },
        None => match request.interaction() {
            Interaction::CreateRequest => Outcome::Created,
            Interaction::DeleteRequest => Outcome::Deleted,
            // This double knows no FGM risk indicator.
            _ => Outcome::NoRecord,
        },
    };
    Ok(respond(&request, outcome)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bodies: Vec<Vec<u8>> = match std::env::args_os().nth(1) {
        Some(path) => vec![std::fs::read(path)?],
        None => {
            let good = build::example(Interaction::QueryV2Request)?.to_xml();
            // The same query with a wrong NHS number check digit.
            let bad = good.replacen("9434765919", "9434765918", 1);
            vec![good.into_bytes(), bad.into_bytes()]
        }
    };
    for body in bodies {
        match answer(&body) {
            Ok(reply) => {
                println!("HTTP {}", reply.http_status);
                println!("{}", reply.message.to_xml());
            }
            // A body that cannot be read at all: Spine answers 400 without
            // a message addressed to the sender.
            Err(e) => println!("HTTP 400: {e}"),
        }
    }
    Ok(())
}
