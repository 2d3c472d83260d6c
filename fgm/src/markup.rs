//! The rules of XML as text, a leaf that the value types and the XML engine
//! both use: the characters XML allows, escaping, the two namespaces, and
//! the canonical form of an `xhtml` value (the narrative `div`).

use crate::word::{below, word_at, ONES};

/// The FHIR XML namespace.
pub const FHIR_NS: &str = "http://hl7.org/fhir";
/// The XHTML namespace of the narrative `div`.
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Whether `c` matches the XML 1.0 `Char` production (the one rule, for the
/// constructors and the XML scanner's character references).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The `div` of an `xhtml` value, parsed (no DTD), or the rule it breaks.
fn parse_xhtml(text: &str) -> Result<roxmltree::Document<'_>, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("it is not well-formed XML: {e}"))?;
    let root = doc.root_element().tag_name();
    if root.name() != "div" || root.namespace() != Some(XHTML_NS) {
        return Err(format!(
            "it is not one `div` element in the XHTML namespace {XHTML_NS}"
        ));
    }
    Ok(doc)
}

/// The rule an `xhtml` value breaks, if any (what `Xhtml::new` checks).
pub(crate) fn check_xhtml(text: &str) -> Result<(), String> {
    parse_xhtml(text).map(drop)
}

/// An `xhtml` value in the form the writer writes and the reader reads:
/// compact, the `div` declaring the XHTML namespace, each element below
/// declaring its namespace where it changes (the FHIR namespace counting
/// as none), attributes in order, all text kept, escaped.
pub(crate) fn canonical_xhtml(text: &str) -> Result<String, String> {
    let doc = parse_xhtml(text)?;
    let mut out = String::with_capacity(text.len());
    write_canonical(&mut out, doc.root_element(), None, Some(XHTML_NS));
    Ok(out)
}

/// Writes `node`, whose namespace (as the canonical form counts it) is
/// `namespace`, inside an element whose namespace is `parent`.
fn write_canonical(
    out: &mut String,
    node: roxmltree::Node,
    parent: Option<&str>,
    namespace: Option<&str>,
) {
    let name = node.tag_name().name();
    out.push('<');
    out.push_str(name);
    if let Some(ns) = namespace.filter(|&ns| Some(ns) != parent) {
        push_attribute(out, "xmlns", ns);
    }
    for a in node.attributes() {
        push_attribute(out, a.name(), a.value());
    }
    let mut children = node
        .children()
        .filter(|c| c.is_element() || c.is_text())
        .peekable();
    if children.peek().is_none() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for child in children {
        match child.text() {
            Some(text) if child.is_text() => escape_into(out, text, false),
            _ => {
                let ns = child.tag_name().namespace().filter(|&ns| ns != FHIR_NS);
                write_canonical(out, child, namespace, ns);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends ` name="value"`, the value escaped.
pub(crate) fn push_attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value, true);
    out.push('"');
}

/// Whether a byte is one that [`escape_into`] may escape, in text or in an
/// attribute value: `&`, `<`, `>`, `"` or a byte below 14 (the tab and
/// line ends among them). `<` and `>` differ in one bit (0x02), `"` and
/// `&` in another (0x04).
fn special(b: u8) -> bool {
    (b & 0xFD == 0x3C) | (b & 0xFB == 0x22) | (b < 14)
}

/// Whether `bytes` may hold a [`special`] byte. Long values 32 bytes at a
/// time, without stopping early (so that the test vectorises), the last 32
/// overlapping; shorter ones eight bytes at a time in a `u64`, the last
/// eight overlapping. No byte is tested alone: a byte loop cost more than
/// the rest of the test on the values FGM messages hold (20-70 bytes).
fn maybe_special(bytes: &[u8]) -> bool {
    let n = bytes.len();
    if n >= 32 {
        let block = |b: &[u8]| b.iter().fold(false, |found, &b| found | special(b));
        let whole = bytes
            .chunks_exact(32)
            .fold(false, |found, b| found | block(b));
        return whole | block(&bytes[n - 32..]);
    }
    let word = if n >= 8 {
        let word = |at| word_at(bytes, at).expect("eight bytes from at");
        let mut found = 0;
        let mut at = 0;
        while at + 8 <= n {
            found |= special_word(word(at));
            at += 8;
        }
        return (found | special_word(word(n - 8))) != 0;
    } else if n >= 4 {
        // The first four and the last four, overlapping.
        let half = |at: usize| {
            let mut w = [0; 4];
            w.copy_from_slice(&bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(w))
        };
        half(0) | half(n - 4) << 32
    } else if n > 0 {
        // The first, middle and last byte cover up to three; the rest `a`.
        u64::from(bytes[0])
            | u64::from(bytes[n / 2]) << 8
            | u64::from(bytes[n - 1]) << 16
            | 0x6161_6161_6100_0000
    } else {
        return false;
    };
    special_word(word) != 0
}

/// The high bit of each byte of the result is set where `w` has a
/// [`special`] byte (and may be set above one).
fn special_word(w: u64) -> u64 {
    below(w, 14)
        | below((w & (ONES * 0xFD)) ^ (ONES * 0x3C), 1)
        | below((w & (ONES * 0xFB)) ^ (ONES * 0x22), 1)
}

/// Escapes for XML text or an attribute value; in attributes, tabs and line
/// ends become character references so that they survive normalisation.
#[inline]
pub fn escape_into(out: &mut String, s: &str, attribute: bool) {
    // Almost every value has nothing to escape: copied whole, the rest out
    // of line.
    if maybe_special(s.as_bytes()) {
        escape_runs(out, s, attribute);
    } else {
        out.push_str(s);
    }
}

/// [`escape_into`] of a value that may have something to escape.
#[inline(never)]
fn escape_runs(out: &mut String, s: &str, attribute: bool) {
    // The bytes escaped in text (bit 1) and in attribute values (bit 2).
    static SPECIAL: [u8; 256] = {
        let mut t = [0u8; 256];
        t[b'&' as usize] = 3;
        t[b'<' as usize] = 3;
        t[b'>' as usize] = 3;
        t[b'\r' as usize] = 3;
        t[b'"' as usize] = 2;
        t[b'\t' as usize] = 2;
        t[b'\n' as usize] = 2;
        t
    };
    let mask = if attribute { 2 } else { 1 };
    let mut rest = s;
    // Runs of plain text are copied whole; the characters escaped are ASCII.
    while let Some(i) = rest
        .bytes()
        .position(|b| SPECIAL[usize::from(b)] & mask != 0)
    {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\t' => "&#9;",
            b'\n' => "&#10;",
            _ => "&#13;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::{canonical_xhtml, maybe_special};

    #[test]
    fn the_word_test_finds_exactly_the_special_bytes() {
        let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'"') || b < 14;
        for b in 0..=255u8 {
            for len in 1..80 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(maybe_special(&bytes), special(b), "{b} at {at} of {len}");
                    bytes.iter_mut().for_each(|x| *x = 0xFF);
                    bytes[at] = b;
                    assert_eq!(maybe_special(&bytes), special(b), "{b} in 0xFF");
                }
            }
        }
        assert!(!maybe_special(b""));
    }

    #[test]
    fn the_canonical_form_declares_namespaces_where_they_change() {
        let input = "<x:div xmlns:x='http://www.w3.org/1999/xhtml' class='a&amp;b'>\n \
                     <x:p>t &lt; u</x:p><svg xmlns='urn:svg'><g/></svg>\
                     <f xmlns='http://hl7.org/fhir'/><x:br></x:br></x:div>";
        assert_eq!(
            canonical_xhtml(input).unwrap(),
            "<div xmlns=\"http://www.w3.org/1999/xhtml\" class=\"a&amp;b\">\n \
             <p>t &lt; u</p><svg xmlns=\"urn:svg\"><g/></svg><f/><br/></div>"
        );
        let once = canonical_xhtml(input).unwrap();
        assert_eq!(canonical_xhtml(&once).unwrap(), once, "a fixed point");
    }
}
