//! A whole message: its bundle held back to find the event code, the
//! interaction's message read, and its entry problems reported at the
//! entry.

use std::marker::PhantomData;

use serde::de::{self};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::derive::{nested_value, peek};
use super::state::{self, departure, fail, pop, push, push_index};
use crate::xml::ErrorCode;

/// Reads a message's bundle held back: checks it is a Bundle whose first
/// entry is a MessageHeader, and gives its event code.
pub fn event_code<E: de::Error>(raw: &RawValue) -> std::result::Result<String, E> {
    header_event(raw).inspect_err(|_| state::locate(raw.get().as_ptr() as usize))
}

fn header_event<E: de::Error>(raw: &RawValue) -> std::result::Result<String, E> {
    let tree = peek::<E>(raw)?;
    let rtype = tree.get("resourceType").and_then(Value::as_str);
    if rtype != Some("Bundle") {
        return Err(fail(
            ErrorCode::UnexpectedRoot,
            format!(
                "a message is a Bundle, not a {}",
                rtype.unwrap_or("value without a resourceType")
            ),
        ));
    }
    push("Bundle");
    let header = tree.pointer("/entry/0/resource");
    let header_type = header
        .and_then(|h| h.get("resourceType"))
        .and_then(Value::as_str);
    if header_type != Some("MessageHeader") {
        return Err(fail(
            ErrorCode::Bundle,
            format!(
                "the first entry of a message must be a MessageHeader, not {}",
                header_type.unwrap_or("nothing")
            ),
        ));
    }
    let code = header
        .and_then(|h| h.pointer("/event/code"))
        .and_then(Value::as_str);
    let Some(code) = code else {
        return Err(fail(
            ErrorCode::Missing,
            "the MessageHeader has no event code",
        ));
    };
    pop();
    Ok(code.to_owned())
}

/// Reads a held-back message of a type that accepts its event code, with
/// the interaction's profiles preferred.
pub fn read_message<'de, M: crate::FhirMessage + Deserialize<'de>, E: de::Error>(
    raw: &'de RawValue,
    event: &str,
) -> std::result::Result<M, E> {
    state::prefer(M::profiles(event));
    nested_value(raw)
}

/// The error for an event code no interaction has.
pub fn unknown_event<E: de::Error>(event: &str) -> E {
    push("Bundle");
    fail(
        ErrorCode::UnknownEvent,
        format!("event code `{event}` names no FGM RIS interaction"),
    )
}

/// How JSON reading reports a message's entry problems: at the entry.
pub struct JsonEntries<E>(PhantomData<E>);

impl<E> Default for JsonEntries<E> {
    fn default() -> Self {
        JsonEntries(PhantomData)
    }
}

impl<E: de::Error> crate::message::EntryReport for JsonEntries<E> {
    type Error = E;
    fn fail(&mut self, problem: crate::message::EntryProblem) -> E {
        let index = problem.index();
        if let Some(i) = index {
            push_index("entry", i);
        }
        let e = fail(ErrorCode::Bundle, problem.message());
        if index.is_some() {
            pop();
        }
        e
    }
    fn out_of_order(&mut self, index: usize) -> std::result::Result<(), E> {
        push_index("entry", index);
        departure::<E>(
            ErrorCode::Order,
            crate::message::EntryProblem::OutOfOrder(index).message(),
        )?;
        pop();
        Ok(())
    }
}
