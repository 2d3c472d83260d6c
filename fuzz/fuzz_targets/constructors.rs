//! Arbitrary strings → every primitive constructor, the request builders
//! and `respond`: whatever they accept writes well-formed XML that reads
//! back (strictly) as itself, and the reader accepts a primitive value
//! exactly when its constructor does (one rule, in one place).
//!
//! The input is split at 0xFF bytes (never part of UTF-8) into strings,
//! each taken as UTF-8 with invalid sequences replaced.
#![no_main]

use std::fmt::Debug;
use std::str::FromStr;

use fgm_types::messages::Message;
use fgm::primitive::*;
use fgm_types::spine::build::{query_flag, Create, Delete, QueryV1, QueryV2};
use fgm_types::spine::{respond, Outcome};
use fgm_types::valuesets::FgmDeleteReasonCodes10;
use fgm::xml::{escape_into, read_str, write_str, FhirElement, ReadOptions, FHIR_NS};
use libfuzzer_sys::fuzz_target;

const NHS: &str = "9434765919";
const CLIENT: &str = "200000000115";
const SPINE: &str = "990101234567";

/// `T::new(s)`: if accepted, written and read back as itself, kept as
/// written; the reader takes `s` as a `value` attribute exactly when the
/// constructor does.
fn primitive<T>(s: &str, as_str: fn(&T) -> &str)
where
    T: FromStr<Err = LexicalError> + FhirElement + PartialEq + Debug,
{
    let built = s.parse::<T>();
    match &built {
        Ok(v) => {
            assert_eq!(as_str(v), s, "kept as written");
            let xml = write_str(v, "value", &Default::default());
            let back = read_str::<T>(&xml, &ReadOptions::strict()).unwrap_or_else(|e| {
                panic!("{s:?} was accepted but does not read back: {e}\n{xml}")
            });
            assert_eq!(&back.value, v, "{xml}");
        }
        Err(e) => {
            assert_eq!(e.value, s);
            let _ = e.to_string();
        }
    }
    let mut xml = format!("<value xmlns=\"{FHIR_NS}\" value=\"");
    escape_into(&mut xml, s, true);
    xml.push_str("\"/>");
    let read = read_str::<T>(&xml, &ReadOptions::strict());
    assert_eq!(
        read.is_ok(),
        built.is_ok(),
        "the reader and the constructor disagree on {s:?}: {read:?} / {built:?}"
    );
}

/// A built message reads back as itself (through the shared oracle).
fn round_trips(message: Message) {
    if let Err(e) = fgm::oracle::check_message(&message, &ReadOptions::strict()) {
        panic!("{e}");
    }
}

fuzz_target!(|data: &[u8]| {
    let parts: Vec<String> = data
        .split(|&b| b == 0xFF)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let text = |i: usize| parts.get(i).map_or("x", String::as_str);

    for s in &parts {
        primitive::<Boolean>(s, Boolean::as_str);
        primitive::<Integer>(s, Integer::as_str);
        primitive::<Decimal>(s, Decimal::as_str);
        primitive::<Base64Binary>(s, Base64Binary::as_str);
        primitive::<Instant>(s, Instant::as_str);
        primitive::<FhirString>(s, FhirString::as_str);
        primitive::<Uri>(s, Uri::as_str);
        primitive::<Date>(s, Date::as_str);
        primitive::<DateTime>(s, DateTime::as_str);
        primitive::<Time>(s, Time::as_str);
        primitive::<Code>(s, Code::as_str);
        primitive::<Oid>(s, Oid::as_str);
        primitive::<Uuid>(s, Uuid::as_str);
        primitive::<Id>(s, Id::as_str);
        primitive::<UnsignedInt>(s, UnsignedInt::as_str);
        primitive::<PositiveInt>(s, PositiveInt::as_str);
        primitive::<Markdown>(s, Markdown::as_str);
        // xhtml is kept in canonical form: built twice, it is the same.
        if let Ok(div) = Xhtml::new(s.as_str()) {
            let xml = write_str(&div, "div", &Default::default());
            let back = read_str::<Xhtml>(&xml, &ReadOptions::strict()).unwrap_or_else(|e| {
                panic!("{s:?} was accepted but does not read back: {e}\n{xml}")
            });
            assert_eq!(back.value, div);
            assert_eq!(Xhtml::new(div.as_str()).as_ref(), Ok(&div));
        }
    }

    // One builder (chosen by the first byte), with the strings in its text
    // slots.
    let builder = data.first().map_or(0, |b| b % 4);
    match builder {
        0 => {
            if let Ok(m) = QueryV1::new(NHS)
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .source_name(text(0))
                .software(text(1))
                .practitioner_sds(text(2), text(3))
                .organization(text(4), text(5))
                .build()
            {
                round_trips(Message::QueryV1Request(m));
            }
        }
        1 => {
            if let Ok(m) = QueryV2::new(NHS)
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .practitioner_local(text(0))
                .organization(text(1), text(2))
                .build()
            {
                let request = Message::QueryV2Request(m);
                if let Ok(flag) = query_flag(NHS, text(3)) {
                    let reply = respond(&request, Outcome::Flag(Box::new(flag)));
                    round_trips(reply.expect("a query answers with a flag").message);
                }
                round_trips(request);
            }
        }
        2 => {
            let birth_date = if parts.len() > 6 {
                text(6)
            } else {
                "2015-06-01"
            };
            let since = if parts.len() > 5 {
                text(5)
            } else {
                "2024-01-01"
            };
            if let Ok(m) = Create::new(NHS, birth_date, text(0), text(1))
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .source_name(text(2))
                .practitioner_sds(text(3), text(4))
                .since(since)
                .build()
            {
                round_trips(Message::CreateRequest(m));
            }
        }
        _ => {
            if let Ok(m) = Delete::new(NHS, FgmDeleteReasonCodes10::Code2)
                .from_asid(CLIENT)
                .to_asid(SPINE)
                .software(text(0))
                .practitioner_sds(text(1), text(2))
                .build()
            {
                let request = Message::DeleteRequest(m);
                let outcome = Outcome::Error {
                    code: "INVALID_PARAMETER".to_owned(),
                    diagnostics: Some(text(3).to_owned()),
                };
                if let Ok(reply) = respond(&request, outcome) {
                    round_trips(reply.message);
                }
                round_trips(request);
            }
        }
    }
});
