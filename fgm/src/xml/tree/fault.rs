//! Where the scanner stops on malformed input: the error roxmltree 0.21
//! reports there, worked out as roxmltree's tokenizer meets it, or `None`
//! when that is not certain (then roxmltree reads the input).
//!
//! Each function is given a place the scanner reached with everything
//! before it read as roxmltree reads it, so the first error from there on
//! is roxmltree's first error. Only ASCII names are followed: a byte of a
//! wider character where a name may go is left to roxmltree.

use roxmltree::{Error, TextPos};

use super::scan::{find_marked, is_space, space_end};
use crate::markup::is_xml_char;
use crate::word::{below, equal};
use crate::xml::document::line_column;

/// The position roxmltree gives byte `offset` of `text`.
pub(super) fn pos(text: &str, offset: usize) -> TextPos {
    let (line, column) = line_column(text, offset);
    TextPos::new(line, column)
}

/// Whether roxmltree's names may start with ASCII byte `c`.
fn name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

/// Whether roxmltree's names may go on with ASCII byte `c`.
fn name_char(c: u8) -> bool {
    name_start(c) || c.is_ascii_digit() || c == b'-' || c == b'.'
}

/// The first character of `text[from..to]` that XML does not allow: a C0
/// control but tab, line feed and carriage return, or U+FFFE or U+FFFF
/// (bytes below 0x20 and 0xEF looked at, a word at a time).
fn non_xml_char(text: &str, from: usize, to: usize) -> Option<Error> {
    let b = &text.as_bytes()[..to];
    let mut at = from;
    loop {
        at += find_marked(
            &b[at..],
            |x| below(x, 0x20) | equal(x, 0xEF),
            |c| c < 0x20 || c == 0xEF,
        )?;
        let c = b[at];
        let bad = match c {
            b'\t' | b'\n' | b'\r' => false,
            0xEF => b.get(at + 1) == Some(&0xBF) && b.get(at + 2).is_some_and(|&c| c >= 0xBE),
            _ => true,
        };
        if bad {
            let c = text[at..].chars().next().expect("a character starts here");
            debug_assert!(!is_xml_char(c));
            return Some(Error::NonXmlChar(c, pos(text, at)));
        }
        at += 1;
    }
}

/// From `from`, characters up to the first `end` (`-->`, `?>`, `]]>`):
/// where it starts, or the error on the way (a character XML does not
/// allow, or the input ending first).
fn until(text: &str, from: usize, end: &'static str) -> Result<usize, Error> {
    let found = text[from..].find(end).map(|i| from + i);
    let stop = found.unwrap_or(text.len());
    if let Some(e) = non_xml_char(text, from, stop) {
        return Err(e);
    }
    found.ok_or_else(|| Error::InvalidString(end, pos(text, text.len())))
}

/// A comment at `start` (its `<!--`) that the scanner did not take.
#[inline(never)] // on the way to an error: kept out of the scanner
pub(super) fn comment(text: &str, start: usize) -> Option<Error> {
    let body = start + 4;
    match until(text, body, "-->") {
        Err(e) => Some(e),
        Ok(end) => {
            let body = &text[body..end];
            (body.contains("--") || body.ends_with('-'))
                .then(|| Error::InvalidComment(pos(text, start)))
        }
    }
}

/// A processing instruction at `start` (its `<?`), which the scanner does
/// not read; not the declaration at the start of the input.
#[inline(never)] // on the way to an error: kept out of the scanner
pub(super) fn pi(text: &str, start: usize) -> Option<Error> {
    if text[start..].starts_with("<?xml ") {
        return Some(Error::UnexpectedDeclaration(pos(text, start)));
    }
    match text.as_bytes().get(start + 2) {
        Some(&c) if c >= 0x80 => None,
        Some(&c) if name_start(c) => until(text, start + 3, "?>").err(),
        _ => Some(Error::InvalidName(pos(text, start + 2))),
    }
}

/// A CDATA section at `start` (its `<![CDATA[`), which the scanner does
/// not read.
#[inline(never)] // on the way to an error: kept out of the scanner
pub(super) fn cdata(text: &str, start: usize) -> Option<Error> {
    until(text, start + 9, "]]>").err()
}

/// A reference at `at` (its `&`) in text or an attribute value, as
/// roxmltree reads it: `Ok` when it is well-formed, its error when not,
/// `Err(None)` when unsure.
fn reference(text: &str, at: usize) -> Result<(), Option<Error>> {
    let b = text.as_bytes();
    let malformed = Err(Some(Error::MalformedEntityReference(pos(text, at))));
    let mut i = at + 1;
    if b.get(i) == Some(&b'#') {
        i += 1;
        let hex = b.get(i) == Some(&b'x');
        i += usize::from(hex);
        let digits = i;
        while b.get(i).is_some_and(|c| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        }) {
            i += 1;
        }
        let Ok(n) = u32::from_str_radix(&text[digits..i], if hex { 16 } else { 10 }) else {
            return malformed;
        };
        if !is_xml_char(char::from_u32(n).unwrap_or('\u{FFFD}')) || b.get(i) != Some(&b';') {
            return malformed;
        }
        return Ok(());
    }
    let name = i;
    while let Some(&c) = b.get(i) {
        if c >= 0x80 {
            return Err(None);
        }
        if !(if i == name {
            name_start(c)
        } else {
            name_char(c)
        }) {
            break;
        }
        i += 1;
    }
    if i == name || b.get(i) != Some(&b';') {
        return malformed;
    }
    match &text[name..i] {
        "lt" | "gt" | "amp" | "apos" | "quot" => Ok(()),
        other => Err(Some(Error::UnknownEntityReference(
            other.to_owned(),
            pos(text, at),
        ))),
    }
}

/// The first reference in `text[from..to]` that roxmltree refuses.
fn references(text: &str, from: usize, to: usize) -> Result<(), Option<Error>> {
    let mut at = from;
    while let Some(i) = text[at..to].find('&') {
        reference(text, at + i)?;
        at += i + 1;
    }
    Ok(())
}

/// Text content from `start` (not a `<`) that the scanner did not take;
/// `full` when the document already has as many nodes as allowed (text
/// reaching the end of the input is added before the root is found
/// unclosed).
#[inline(never)] // on the way to an error: kept out of the scanner
pub(super) fn text(text: &str, start: usize, full: bool) -> Option<Error> {
    let end = text[start..].find('<').map_or(text.len(), |i| start + i);
    if let Some(e) = non_xml_char(text, start, end) {
        return Some(e);
    }
    let run = &text[start..end];
    if run.contains('>') && run.contains("]]>") {
        return Some(Error::InvalidCharacterData(pos(text, end)));
    }
    if let Err(e) = references(text, start, end) {
        return e;
    }
    (end == text.len() && !(full && start < end)).then_some(Error::UnclosedRootNode)
}

/// An attribute value whose opening quote is at `quote`, that the scanner
/// did not take.
#[inline(never)] // on the way to an error: kept out of the scanner
pub(super) fn value(text: &str, quote: usize) -> Option<Error> {
    let b = text.as_bytes();
    let q = b[quote];
    let start = quote + 1;
    let Some(end) = b[start..]
        .iter()
        .position(|&c| c == q || c == b'<')
        .map(|i| start + i)
    else {
        return Some(Error::UnexpectedEndOfStream);
    };
    if let Some(e) = non_xml_char(text, start, end) {
        return Some(e);
    }
    if b[end] == b'<' {
        return Some(Error::InvalidChar(q, b'<', pos(text, end)));
    }
    references(text, start, end).err().flatten()
}

/// Where the qualified name at `start` ends, as roxmltree reads it: at
/// most one colon, each part starting as names do (an empty prefix
/// allowed); its error, or `Err(None)` for a byte of a wider character.
fn qname_end(text: &str, start: usize) -> Result<usize, Option<Error>> {
    let b = text.as_bytes();
    let invalid = || Some(Error::InvalidName(pos(text, start)));
    let (mut i, mut colon) = (start, None);
    while let Some(&c) = b.get(i) {
        if c >= 0x80 {
            return Err(None);
        }
        if c == b':' {
            if colon.is_some() {
                return Err(invalid());
            }
            colon = Some(i);
        } else if !name_char(c) {
            break;
        }
        i += 1;
    }
    let local = colon.map_or(start, |c| c + 1);
    let prefix = colon.is_none_or(|c| c == start || name_start(b[start]));
    if !(prefix && local < i && name_start(b[local])) {
        return Err(invalid());
    }
    Ok(i)
}

/// The XML declaration that starts the input (`<?xml `), read as roxmltree
/// reads it, its values not looked at: where it ends, or its error;
/// `Err(None)` when unsure.
#[inline(never)] // on the way to an error: kept out of the scanner
pub(super) fn declaration(text: &str) -> Result<usize, Option<Error>> {
    let b = text.as_bytes();
    // White space, unless `?>` or the end follows.
    let spaces = |at: usize| match b.get(at) {
        Some(&c) if is_space(c) => Ok(space_end(b, at)),
        Some(&c) if !b[at..].starts_with(b"?>") => {
            Err(Some(Error::InvalidChar2("a whitespace", c, pos(text, at))))
        }
        _ => Ok(at),
    };
    let mut at = spaces(5)?;
    if !b[at..].starts_with(b"version") {
        return Err(Some(Error::InvalidString("version", pos(text, at))));
    }
    at = spaces(pseudo_attribute(text, at)?)?;
    if b[at..].starts_with(b"encoding") {
        at = spaces(pseudo_attribute(text, at)?)?;
    }
    if b[at..].starts_with(b"standalone") {
        at = pseudo_attribute(text, at)?;
    }
    at = space_end(b, at);
    if !b[at..].starts_with(b"?>") {
        return Err(Some(Error::InvalidString("?>", pos(text, at))));
    }
    Ok(at + 2)
}

/// `name = 'value'` at `at` in the declaration, as roxmltree reads it:
/// where it ends, or its error.
fn pseudo_attribute(text: &str, at: usize) -> Result<usize, Option<Error>> {
    let b = text.as_bytes();
    let mut at = space_end(b, qname_end(text, at)?);
    match b.get(at) {
        Some(b'=') => at = space_end(b, at + 1),
        Some(&c) => return Err(Some(Error::InvalidChar(b'=', c, pos(text, at)))),
        None => return Err(Some(Error::UnexpectedEndOfStream)),
    }
    let q = match b.get(at) {
        Some(&q @ (b'"' | b'\'')) => q,
        Some(&c) => return Err(Some(Error::InvalidChar2("a quote", c, pos(text, at)))),
        None => return Err(Some(Error::UnexpectedEndOfStream)),
    };
    let start = at + 1;
    let end = b[start..]
        .iter()
        .position(|&c| c == q || c == b'<')
        .map_or(b.len(), |i| start + i);
    if let Some(e) = non_xml_char(text, start, end) {
        return Err(Some(e));
    }
    match b.get(end) {
        Some(&c) if c == q => Ok(end + 1),
        Some(&c) => Err(Some(Error::InvalidChar(q, c, pos(text, end)))),
        None => Err(Some(Error::UnexpectedEndOfStream)),
    }
}

/// An end tag at `at` (its `</`) that does not close `open` as the scanner
/// reads it.
#[inline(never)] // on the way to an error: kept out of the scanner
pub(super) fn end_tag(text: &str, at: usize, open: &str) -> Option<Error> {
    let b = text.as_bytes();
    let start = at + 2;
    // `</:a>` closes `<a>` to roxmltree: an empty prefix.
    if b.get(start) == Some(&b':') {
        return None;
    }
    let mut i = match qname_end(text, start) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let name = &text[start..i];
    i = space_end(b, i);
    match b.get(i) {
        None => Some(Error::UnexpectedEndOfStream),
        Some(b'>') if name == open => None,
        Some(b'>') => Some(Error::UnexpectedCloseTag(
            open.to_owned(),
            name.to_owned(),
            pos(text, at),
        )),
        Some(&c) => Some(Error::InvalidChar(b'>', c, pos(text, i))),
    }
}
