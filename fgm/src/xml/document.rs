//! Bytes to a document tree, within the limits (size, depth, node count,
//! UTF-8, no DTD), and where things are in it: line and column of an
//! offset, of a FHIR path.

use roxmltree::ParsingOptions;

use super::tree::{self, Document, Node, Scanned};
use crate::error::{Error, ErrorCode, Issue, Result};
use crate::options::{ReadOptions, MAX_BYTES, MAX_DEPTH};

/// Checks the nesting depth on the raw text, before the (recursive) XML
/// parser sees it: the line and column of the first element too deep.
pub(super) fn too_deep(text: &str, max: usize) -> Option<(u32, u32)> {
    let b = text.as_bytes();
    // The index just past the first `pat` at or after `from`.
    let find = |from: usize, pat: &[u8]| {
        let first = pat[0];
        let mut at = from;
        loop {
            at += b.get(at..)?.iter().position(|&c| c == first)?;
            if b[at..].starts_with(pat) {
                return Some(at + pat.len());
            }
            at += 1;
        }
    };
    let (mut i, mut depth) = (0usize, 0usize);
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        i += p;
        let rest = &b[i..];
        let next = if rest.starts_with(b"<!--") {
            find(i + 4, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            find(i + 9, b"]]>")
        } else if rest.starts_with(b"<?") {
            find(i + 2, b"?>")
        } else if rest.starts_with(b"<!") {
            return None; // a DTD: refused by the parser before any nesting
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            find(i + 2, b">")
        } else {
            // A start tag: its end is the first `>` outside quoted values.
            let mut j = i + 1;
            loop {
                j += b[j..]
                    .iter()
                    .position(|&c| matches!(c, b'>' | b'"' | b'\''))
                    .unwrap_or(b.len() - j);
                match b.get(j) {
                    Some(&q @ (b'"' | b'\'')) => {
                        j += 1;
                        j += b[j..].iter().position(|&c| c == q).unwrap_or(b.len() - j);
                        j += 1;
                    }
                    _ => break,
                }
                if j >= b.len() {
                    break;
                }
            }
            if j < b.len() && b[j - 1] != b'/' {
                depth += 1;
                if depth > max {
                    return Some(line_column(text, i));
                }
            }
            (j < b.len()).then_some(j + 1)
        };
        match next {
            Some(n) => i = n,
            None => return None, // unterminated: the parser reports it
        }
    }
    None
}

/// Turns bytes into a checked XML document: UTF-8, no DTD, within the limits.
pub fn parse_document<'i>(input: &'i [u8], options: &ReadOptions) -> Result<Document<'i>> {
    let max_bytes = options.max_bytes.min(MAX_BYTES);
    if input.len() > max_bytes {
        return Err(issue(
            ErrorCode::Limit,
            0,
            0,
            format!("the input is larger than the limit of {max_bytes} bytes"),
        ));
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return Err(issue(
            ErrorCode::Malformed,
            1,
            1,
            "the input is UTF-16; FHIR messages here must be UTF-8".to_owned(),
        ));
    }
    let text = std::str::from_utf8(input).map_err(|e| {
        let valid = std::str::from_utf8(&input[..e.valid_up_to()]).expect("valid up to here");
        let (line, column) = line_column(valid, valid.len());
        issue(
            ErrorCode::Malformed,
            line,
            column,
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    let max_depth = options.max_depth.min(MAX_DEPTH);
    let deep = |(line, column)| {
        issue(
            ErrorCode::Limit,
            line,
            column,
            format!("elements nest deeper than {max_depth}"),
        )
    };
    // The XML FHIR messages are written in, and the errors in it the
    // scanner is certain of, read in one pass; anything else by roxmltree,
    // whose tree is copied.
    let scanned = match tree::scan(text, options.max_nodes, max_depth) {
        Scanned::Tree(doc) => return Ok(doc),
        Scanned::Error(e) => Some(e),
        Scanned::GiveUp => None,
    };
    // With no more `<` than MAX_DEPTH the parser cannot recurse too deep, and
    // the depth is checked on the tree; otherwise on the text, before it
    // (and so before any error the scanner found, as before roxmltree's).
    let small = count_bytes(text, b'<') <= MAX_DEPTH;
    if !small {
        if let Some(at) = too_deep(text, max_depth) {
            return Err(deep(at));
        }
    }
    if let Some(e) = scanned {
        return Err(xml_error(e, text, options));
    }
    // No DTD, so no entity (internal or external) is ever resolved.
    let parsing = ParsingOptions {
        allow_dtd: false,
        nodes_limit: options.max_nodes,
        ..ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, parsing)
        .map_err(|e| xml_error(e, text, options))?;
    let doc = Document::from_roxmltree(&doc);
    if small {
        if let Some(at) = tree_too_deep(&doc, max_depth) {
            return Err(deep(at));
        }
    }
    Ok(doc)
}

/// The issue for roxmltree's error `e` in `text` (found by roxmltree or
/// by the scanner, which reports roxmltree's errors).
#[cold]
fn xml_error(e: roxmltree::Error, text: &str, options: &ReadOptions) -> Error {
    let pos = match e {
        // Reported at 1:1 by the parser: say where the input ends.
        roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
            let (line, column) = line_column(text, text.len());
            roxmltree::TextPos::new(line, column)
        }
        _ => e.pos(),
    };
    let (code, message) = match e {
        roxmltree::Error::DtdDetected => (
            ErrorCode::Doctype,
            "a document type declaration is not allowed (entities are never expanded)".to_owned(),
        ),
        roxmltree::Error::NodesLimitReached => (
            ErrorCode::Limit,
            format!("more than {} XML nodes", options.max_nodes),
        ),
        other => (
            ErrorCode::Malformed,
            format!("not well-formed XML: {other}"),
        ),
    };
    issue(code, pos.row, pos.col, message)
}

/// An error of the document as a whole (no FHIR path).
fn issue(code: ErrorCode, line: u32, column: u32, message: String) -> Error {
    Issue {
        code,
        path: String::new(),
        line,
        column,
        message,
    }
    .into()
}

/// Where in `doc` the element a FHIR path names starts (line, column), as
/// `fgm_types::spine::ValidationIssue` paths name them: element names from the
/// root down, `name[i]` the `i`-th child of that name (the first when no
/// index). Where the path leads past the elements present, the last one
/// found. `None` when the root is not the path's first name.
pub fn locate(doc: &Document, path: &str) -> Option<(u32, u32)> {
    let mut segments = path.split('.');
    let mut at = doc.root_element();
    if segments.next()? != at.tag_name().name() {
        return None;
    }
    for segment in segments {
        let (name, index) = match segment.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((name, index)) => (name, index.parse().unwrap_or(0)),
            None => (segment, 0),
        };
        match at.children_named(name).nth(index) {
            Some(next) => at = next,
            None => break,
        }
    }
    Some(line_column(doc.input_text(), at.start()))
}

/// The line and column of the first element of `doc` nested deeper than
/// `max`.
fn tree_too_deep(doc: &Document, max: usize) -> Option<(u32, u32)> {
    // Elements in document order: from the last one, up to the new one's
    // parent, then down one level.
    let (mut last, mut depth) = (doc.root(), 0usize);
    for n in doc.descendants().filter(Node::is_element) {
        while Some(last) != n.parent() {
            last = last.parent()?;
            depth -= 1;
        }
        (last, depth) = (n, depth + 1);
        if depth > max {
            return Some(line_column(doc.input_text(), n.start()));
        }
    }
    None
}

/// The line and column (1-based, columns in characters) of byte `offset`
/// of `text`, counted from the start.
pub(crate) fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let start = before.rfind('\n').map_or(0, |p| p + 1);
    (
        count_bytes(before, b'\n') as u32 + 1,
        chars_in(&before[start..]) as u32 + 1,
    )
}

/// How many times `byte` occurs in `text`: counted in byte-wide lanes, 224
/// bytes at a time (seven times the 32 bytes a step of the vectorised loop
/// takes, and fewer than 256: no loop over the odd bytes of each block), so
/// that it vectorises.
pub(super) fn count_bytes(text: &str, byte: u8) -> usize {
    text.as_bytes()
        .chunks(224)
        .map(|chunk| usize::from(chunk.iter().map(|&b| u8::from(b == byte)).sum::<u8>()))
        .sum()
}

/// How many newlines `text` holds, and whether it is all ASCII: one pass,
/// in byte-wide lanes 255 bytes at a time, so that it vectorises.
pub(super) fn newlines_and_ascii(text: &str) -> (usize, bool) {
    let (mut newlines, mut high) = (0usize, 0u8);
    for chunk in text.as_bytes().chunks(255) {
        let (n, h) = chunk
            .iter()
            .fold((0u8, 0u8), |(n, h), &b| (n + u8::from(b == b'\n'), h | b));
        newlines += usize::from(n);
        high |= h;
    }
    (newlines, high < 0x80)
}

/// The number of characters in `text`: its length when it is ASCII (the
/// usual case, and a quicker test than counting).
pub(super) fn chars_in(text: &str) -> usize {
    width(text, text.is_ascii())
}

/// The number of characters in `text`, known to be ASCII or not (a span
/// of one that [`newlines_and_ascii`] looked at).
pub(super) fn width(text: &str, ascii: bool) -> usize {
    if ascii {
        text.len()
    } else {
        text.chars().count()
    }
}
