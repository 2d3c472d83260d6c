//! Builds an FGM query (version 2) the way a client sends it: the builder
//! fills in the systems, profile URLs, event code, ids and timestamp, and
//! checks Spine's rules before it returns.
//!
//! ```sh
//! cargo run --example build_query                # NHS number 9434765919
//! cargo run --example build_query -- 9434765918  # refused: a wrong check digit
//! ```

use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::build::QueryV2;

fn main() -> std::process::ExitCode {
    let nhs_number = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "9434765919".to_owned());
    let query = QueryV2::new(&nhs_number)
        .from_asid("200000000115") // this system's ASID
        .to_asid("990101234567") // Spine's
        .practitioner_local("12456")
        .build();
    match query {
        Ok(query) => {
            let interaction = Interaction::QueryV2Request;
            println!("POST {}", interaction.endpoint());
            println!("SOAPAction: {}", interaction.soap_action());
            println!();
            println!("{}", Message::QueryV2Request(query).to_xml());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("not sent: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
