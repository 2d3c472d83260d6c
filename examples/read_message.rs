//! Reads a message, says what it is and what lenient mode accepted, checks
//! Spine's rules, and writes it back.
//!
//! ```sh
//! cargo run --example read_message                 # a sample query response
//! cargo run --example read_message -- message.xml  # a file of yours
//! ```

use fgm::xml::WriteOptions;
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{build, validate, ValidateOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bytes = match std::env::args_os().nth(1) {
        Some(path) => std::fs::read(path)?,
        None => build::example(Interaction::QueryV2Response)?
            .to_xml()
            .into_bytes(),
    };
    // Lenient mode (the default): what Spine sends is read, each departure
    // from the profiles reported as a warning.
    let read = Message::parse(&bytes)?;
    println!("a {} message", read.value.interaction().name());
    for warning in &read.warnings {
        println!("warning: {warning}");
    }
    if let Message::QueryV2Response(response) = &read.value {
        match &response.flag {
            Some(flag) => println!("FGM risk indicator since {}", flag.period.start),
            None => println!("no FGM risk indicator"),
        }
    }
    for issue in validate(&read.value, &ValidateOptions::default()) {
        println!("{issue}");
    }
    print!(
        "{}",
        read.value.to_xml_with(
            &WriteOptions::default()
                .with_pretty(true)
                .with_declaration(true)
        )
    );
    Ok(())
}
