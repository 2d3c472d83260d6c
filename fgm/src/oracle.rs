//! The one round-trip oracle, shared by the unit tests, the property tests
//! and the fuzz targets: what is read and written must come back the same.

use std::fmt::Debug;

use crate::xml::{parse_document, Node, ReadOptions};
use crate::FhirMessage;

/// A message (of any generated crate) written, read back (with `options`)
/// and written again must read back equal, and write the same bytes twice;
/// and the tree the writer builds without text
/// ([`write_tree`](crate::message::write_tree), what Spine's rules walk) is
/// the tree the written text parses to.
pub fn check_message<M: FhirMessage + PartialEq + Debug>(
    message: &M,
    options: &ReadOptions,
) -> Result<(), String> {
    let written = message.to_xml();
    let back = M::parse_with(&written, options)
        .map_err(|e| format!("the written form does not read back: {e}\n{written}"))?
        .value;
    if back != *message {
        return Err(format!(
            "read(write(m)) differs from m\n{written}\n{back:?}\n{message:?}"
        ));
    }
    let again = back.to_xml();
    if again != written {
        return Err(format!(
            "write(read(write(m))) differs from write(m)\n{written}\n{again}"
        ));
    }
    let unlimited = ReadOptions::default()
        .with_max_bytes(usize::MAX)
        .with_max_nodes(u32::MAX);
    let parsed = parse_document(written.as_bytes(), &unlimited)
        .map_err(|e| format!("the written form does not parse: {e}\n{written}"))?;
    let (built, _) = crate::message::write_tree(message);
    same_tree(parsed.root_element(), built.root_element())
        .map_err(|e| format!("the tree written differs from the text written: {e}\n{written}"))
}

/// Two trees hold the same elements (names, namespaces, attributes in
/// order) and text, positions aside; the first difference otherwise.
fn same_tree(parsed: Node, built: Node) -> Result<(), String> {
    if parsed.is_text() || built.is_text() {
        return match (parsed.text(), built.text()) {
            (a, b) if parsed.is_text() && built.is_text() && a == b => Ok(()),
            (a, b) => Err(format!("text {a:?} against {b:?}")),
        };
    }
    let (p, b) = (parsed.tag_name(), built.tag_name());
    if p.name() != b.name() || p.namespace() != b.namespace() {
        return Err(format!("<{p:?}> against <{b:?}>"));
    }
    let same_attributes = parsed.attributes().len() == built.attributes().len()
        && parsed
            .attributes()
            .zip(built.attributes())
            .all(|(x, y)| x.name() == y.name() && x.value() == y.value());
    if !same_attributes {
        return Err(format!("<{}>'s attributes differ", p.name()));
    }
    let content = |c: &Node| c.is_element() || c.is_text();
    let mut ours = parsed.children().filter(content);
    let mut theirs = built.children().filter(content);
    loop {
        match (ours.next(), theirs.next()) {
            (None, None) => return Ok(()),
            (Some(x), Some(y)) => same_tree(x, y)?,
            _ => return Err(format!("<{}> has another number of children", p.name())),
        }
    }
}

/// For any bytes: reading a message of type `M` never panics, and what
/// reads (leniently) satisfies [`check_message`].
pub fn check_bytes<M: FhirMessage + PartialEq + Debug>(input: &[u8]) -> Result<(), String> {
    let options = ReadOptions::default();
    match M::parse_with(input, &options) {
        Ok(parsed) => check_message(&parsed.value, &options),
        Err(_) => Ok(()),
    }
}

/// A message written as FHIR JSON, read back (with `options`) and written
/// again must read back equal, write the same JSON twice, and still pass
/// [`check_message`] (what JSON reads, XML writes and reads back).
#[cfg(feature = "json")]
pub fn check_message_json<M>(message: &M, options: &ReadOptions) -> Result<(), String>
where
    M: FhirMessage + PartialEq + Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    let written = crate::json::to_string(message, false)
        .map_err(|e| format!("the message has no JSON form: {e}"))?;
    let back = crate::json::read_message_bytes::<M>(written.as_bytes(), options)
        .map_err(|e| format!("the written JSON does not read back: {e}\n{written}"))?
        .value;
    if back != *message {
        return Err(format!(
            "from_json(to_json(m)) differs from m\n{written}\n{back:?}\n{message:?}"
        ));
    }
    let again = crate::json::to_string(&back, false)
        .map_err(|e| format!("what JSON read has no JSON form: {e}"))?;
    if again != written {
        return Err(format!(
            "to_json(from_json(to_json(m))) differs from to_json(m)\n{written}\n{again}"
        ));
    }
    check_message(&back, options)
}

/// For any bytes: reading JSON never panics, and what reads (leniently)
/// satisfies [`check_message_json`].
#[cfg(feature = "json")]
pub fn check_json_bytes<M>(input: &[u8]) -> Result<(), String>
where
    M: FhirMessage + PartialEq + Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    let options = ReadOptions::default();
    match crate::json::read_message_bytes::<M>(input, &options) {
        Ok(parsed) => check_message_json(&parsed.value, &options),
        Err(_) => Ok(()),
    }
}
