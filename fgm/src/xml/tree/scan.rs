//! The one-pass scanner: the XML FHIR messages are written in, read into
//! the crate's tree, and the errors in it that roxmltree would report;
//! anything else left to roxmltree.

use roxmltree::Error;

use super::fault;
use super::*;
use crate::word::{below, equal, word_at};

/// What the scanner makes of a text.
#[derive(Debug)]
pub enum Scanned<'i> {
    /// The tree roxmltree would make of it.
    Tree(Document<'i>),
    /// The error roxmltree would report (variant and position), found where
    /// the scanner is certain of it.
    Error(roxmltree::Error),
    /// Anything else, for roxmltree to read: what the scanner does not
    /// read, errors it is not certain of, more than `max_nodes` nodes,
    /// elements nested deeper than `max_depth`.
    GiveUp,
}

/// Reads `text` in one pass when it is the XML FHIR messages are written in
/// (or that XML with an error the scanner is certain of); see [`Scanned`].
pub fn scan(text: &str, max_nodes: u32, max_depth: usize) -> Scanned<'_> {
    let Some(scanner) = Scanner::new(text, max_nodes, max_depth) else {
        return Scanned::GiveUp;
    };
    match scanner.run() {
        Ok(doc) => Scanned::Tree(doc),
        Err(Stop(Some(e))) => Scanned::Error(*e),
        Err(Stop(None)) => Scanned::GiveUp,
    }
}

struct Scanner<'i> {
    doc: Document<'i>,
    b: &'i [u8],
    at: usize,
    max_nodes: usize,
    max_depth: usize,
    /// The innermost open element (0 when none is): the others are its
    /// ancestors in the node table, and its namespace is the default one
    /// in scope.
    open: u32,
    /// How many elements are open.
    depth: usize,
}

/// Why the scanner stopped short of a tree: roxmltree's error, or none
/// (give up: the input is for roxmltree to read). Boxed: a word wide.
struct Stop(Option<Box<roxmltree::Error>>);

/// Giving up.
const GIVE_UP: Stop = Stop(None);

/// The scanner's result.
type Scan<T> = Result<T, Stop>;

/// Stops with `error` when the analysis found one, else gives up.
#[cold]
#[inline(never)]
fn stop(error: Option<roxmltree::Error>) -> Stop {
    Stop(error.map(Box::new))
}

/// What the scanner needs to know of each byte, one bit each.
const NAME_START: u8 = 1;
const NAME: u8 = 2;
/// Ends a run of text: `<`, `&`, `]` (of `]]>`), and the odd bytes.
const TEXT_STOP: u8 = 4;
/// Odd: a C0 control but tab and line feed (carriage return among them:
/// text and values rewrite it), or 0xEF, which starts U+FFFE and U+FFFF.
const ODD: u8 = 16;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut k = 0;
        if c.is_ascii_alphabetic() || c == b'_' {
            k |= NAME_START | NAME;
        }
        if c.is_ascii_digit() || c == b'-' || c == b'.' {
            k |= NAME;
        }
        if (c < 0x20 && c != b'\t' && c != b'\n') || c == 0xEF {
            k |= ODD | TEXT_STOP;
        }
        if matches!(c, b'<' | b'&' | b']') {
            k |= TEXT_STOP;
        }
        t[b] = k;
        b += 1;
    }
    t
};

/// Whether byte `b` is of class `k`.
#[inline(always)]
fn is(b: u8, k: u8) -> bool {
    CLASS[b as usize] & k != 0
}

/// Bytes that may start a name the scanner reads.
fn name_start(b: u8) -> bool {
    is(b, NAME_START)
}

/// Whether the odd byte at `b[0]` is one the scanner never reads: not a
/// carriage return (rewritten where it matters), nor an 0xEF that starts
/// neither U+FFFE nor U+FFFF (a character like any other).
fn refused(b: &[u8]) -> bool {
    b[0] != b'\r'
        && (b[0] != 0xEF || (b.get(1) == Some(&0xBF) && b.get(2).is_some_and(|&c| c >= 0xBE)))
}

/// XML's white space in markup, carriage return included (as roxmltree
/// skips it).
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'i> Scanner<'i> {
    fn new(text: &'i str, max_nodes: u32, max_depth: usize) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() >= OWNED as usize {
            return None;
        }
        let lt = crate::xml::document::count_bytes(text, b'<');
        Some(Scanner {
            doc: Document {
                text,
                owned: String::new(),
                // Every `<` starts at most one element or comment, and
                // text comes between: at most twice as many nodes (capacity
                // that is never touched costs no memory).
                nodes: Vec::with_capacity(2 * lt + 2),
                attrs: Vec::with_capacity(lt),
                attr_namespaces: None,
                namespaces: Vec::new(),
            },
            b,
            at: 0,
            max_nodes: max_nodes as usize,
            max_depth,
            open: 0,
            depth: 0,
        })
    }

    fn run(mut self) -> Scan<Document<'i>> {
        self.push(Kind::Root, 0, Span::EMPTY, 0, 0)?;
        // roxmltree passes over a byte order mark (the caller strips one).
        if self.b.starts_with(b"\xEF\xBB\xBF") {
            return Err(GIVE_UP);
        }
        self.declaration()?;
        let mut seen_root = false;
        // The prolog, the root element, the rest: white space and comments
        // around one element.
        loop {
            while self.at < self.b.len() && is_space(self.b[self.at]) {
                self.at += 1;
            }
            if self.at == self.b.len() {
                break;
            }
            let at = self.at;
            if self.b[at] != b'<' {
                return Err(self.unexpected(at, Error::UnknownToken));
            }
            match self.b.get(at + 1) {
                Some(b'!') if self.b[at..].starts_with(b"<!--") => self.comment(0)?,
                Some(&c) if name_start(c) && !seen_root => {
                    seen_root = true;
                    self.element()?;
                }
                _ => return Err(self.misplaced(at, seen_root)),
            }
        }
        if !seen_root {
            return Err(stop(Some(Error::NoRootNode)));
        }
        self.doc.nodes[0].end = self.doc.nodes.len() as u32;
        Ok(self.doc)
    }

    /// A `<` at `at`, outside the root element, that starts no comment and
    /// (after it) no element.
    #[cold]
    #[inline(never)]
    fn misplaced(&self, at: usize, seen_root: bool) -> Stop {
        let (text, b) = (self.doc.text, self.b);
        let error = match b.get(at + 1) {
            Some(b'?') => return stop(fault::pi(text, at)),
            // After the root element: only comments, processing
            // instructions and white space.
            _ if seen_root => Error::UnknownToken(fault::pos(text, at)),
            _ if b[at..].starts_with(b"<!DOCTYPE") => Error::DtdDetected,
            // Before it: read as a start tag, whose name is wanting.
            Some(&c) if c == b':' || c >= 0x80 => return GIVE_UP,
            _ => Error::InvalidName(fault::pos(text, at + 1)),
        };
        stop(Some(error))
    }

    /// Byte `at`, where roxmltree expects something else, reported by
    /// `error` at its position.
    #[cold]
    #[inline(never)]
    fn unexpected(&self, at: usize, error: impl FnOnce(roxmltree::TextPos) -> Error) -> Stop {
        stop(Some(error(fault::pos(self.doc.text, at))))
    }

    fn push(
        &mut self,
        kind: Kind,
        namespace: u32,
        name: Span,
        parent: u32,
        start: usize,
    ) -> Scan<u32> {
        let id = self.doc.nodes.len();
        if id >= self.max_nodes {
            return Err(GIVE_UP);
        }
        self.doc.nodes.push(NodeData {
            tag: NodeData::tag(kind, namespace),
            parent,
            end: id as u32 + 1,
            name,
            attrs_end: self.doc.attrs.len() as u32,
            start: start as u32,
        });
        Ok(id as u32)
    }

    /// The XML declaration, read as roxmltree reads it (its values not
    /// looked at); a processing instruction at the start (not read); or
    /// nothing.
    fn declaration(&mut self) -> Scan<()> {
        let (text, b) = (self.doc.text, self.b);
        if !b.starts_with(b"<?") {
            return Ok(());
        }
        if !b.starts_with(b"<?xml ") {
            return Err(stop(fault::pi(text, 0)));
        }
        // The declarations FHIR messages are written with, told at once.
        const USUAL: [&[u8]; 4] = [
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            b"<?xml version='1.0' encoding='UTF-8'?>",
            b"<?xml version=\"1.0\"?>",
        ];
        self.at = match USUAL.iter().find(|d| b.starts_with(d)) {
            Some(d) => d.len(),
            None => fault::declaration(text).map_err(stop)?,
        };
        Ok(())
    }

    /// `<!-- … -->`, at `self.at` (its `<!--` checked), a child of
    /// `parent`.
    fn comment(&mut self, parent: u32) -> Scan<()> {
        let start = self.at;
        let b = self.b;
        let text = self.doc.text;
        let stopped = move || stop(fault::comment(text, start));
        let body = start + 4;
        // To the first `--`, a word at a time; no odd byte before it.
        let mut at = body;
        loop {
            at += find_marked(
                &b[at..],
                |x| equal(x, b'-') | below(x, 0x20) | equal(x, 0xEF),
                |c| c == b'-' || c < 0x20 || c == 0xEF,
            )
            .ok_or_else(stopped)?;
            match b[at] {
                b'-' if b.get(at + 1) == Some(&b'-') => break,
                c if is(c, ODD) && refused(&b[at..]) => return Err(stopped()),
                // A lone `-`, tab, line feed, an 0xEF that is a character.
                _ => {}
            }
            at += 1;
        }
        let len = at - body;
        // `--` only as the end, and no `-` just before it.
        if b.get(body + len + 2) != Some(&b'>') || (len > 0 && b[body + len - 1] == b'-') {
            return Err(stopped());
        }
        let span = Span {
            start: body as u32,
            end: (body + len) as u32,
        };
        self.push(Kind::Comment, 0, span, parent, start)?;
        self.at = body + len + 3;
        Ok(())
    }

    fn bytes(&self, span: Span) -> &'i [u8] {
        &self.b[span.start as usize..span.end as usize]
    }

    /// The root element and everything in it, from `self.at` (its `<`).
    ///
    /// One loop over a local cursor: an element's start tag, then its
    /// content up to the next element that opens (text, comments, end
    /// tags).
    fn element(&mut self) -> Scan<()> {
        let b = self.b;
        let mut at = self.at;
        loop {
            // At a `<` that opens an element (its name's first byte checked).
            let start = at;
            at = name_end(b, at + 2);
            let name = Span {
                start: (start + 1) as u32,
                end: at as u32,
            };
            let parent = self.open;
            let mut namespace = self.doc.nodes[parent as usize].namespace();
            let first_attr = self.doc.attrs.len();
            // ` value="…"`, the attribute of most FHIR elements, read at
            // once (the first attribute: no other to compare it with).
            if word_at(b, at) == Some(SPACE_VALUE) {
                let name = Span {
                    start: (at + 1) as u32,
                    end: (at + 6) as u32,
                };
                let value;
                (value, at) = self.attribute_value(b, at + 7)?;
                self.doc.attrs.push(AttrData { name, value });
            }
            let mut declared = false;
            let empty = loop {
                // Past the name, or an attribute's value.
                let Some(&(mut c)) = b.get(at) else {
                    return Err(self.ends_in_start_tag());
                };
                if is_space(c) {
                    at = space_end(b, at + 1);
                    c = *b.get(at).ok_or_else(end_of_stream)?;
                } else if c != b'>' && c != b'/' {
                    // No space before an attribute; or, just past the
                    // element's name, maybe more of it as roxmltree reads
                    // names.
                    if c == b':' || c >= 0x80 {
                        return Err(GIVE_UP);
                    }
                    return Err(self.unexpected(at, |p| Error::InvalidChar2("a whitespace", c, p)));
                }
                match c {
                    b'>' => {
                        at += 1;
                        break false;
                    }
                    b'/' => {
                        match b.get(at + 1) {
                            Some(b'>') => {}
                            Some(&c) => {
                                return Err(stop(Some(Error::InvalidChar(
                                    b'>',
                                    c,
                                    fault::pos(self.doc.text, at + 1),
                                ))))
                            }
                            None => return Err(end_of_stream()),
                        }
                        at += 2;
                        break true;
                    }
                    c if name_start(c) => {}
                    // Read as an attribute's name, which is wanting.
                    b':' => return Err(GIVE_UP),
                    c if c >= 0x80 => return Err(GIVE_UP),
                    _ => return Err(self.unexpected(at, Error::InvalidName)),
                }
                let attr = Span {
                    start: at as u32,
                    end: name_end(b, at + 1) as u32,
                };
                at = attr.end as usize;
                if b.get(at) != Some(&b'=') {
                    if b.get(at).is_some_and(|&c| c == b':' || c >= 0x80) {
                        return Err(GIVE_UP);
                    }
                    at = space_end(b, at);
                    match b.get(at) {
                        Some(b'=') => {}
                        Some(&c) => {
                            return Err(self.unexpected(at, |p| Error::InvalidChar(b'=', c, p)))
                        }
                        None => return Err(end_of_stream()),
                    }
                }
                let value;
                (value, at) = self.attribute_value(b, space_end(b, at + 1))?;
                let attr_name = self.bytes(attr);
                if attr_name == b"xmlns" {
                    if std::mem::replace(&mut declared, true) {
                        return Err(GIVE_UP);
                    }
                    namespace = self.declare(value).ok_or(GIVE_UP)?;
                    continue;
                }
                // Each attribute once (`xmlns` is checked apart).
                if self.doc.attrs[first_attr..]
                    .iter()
                    .any(|a| self.bytes(a.name) == attr_name)
                {
                    return Err(GIVE_UP);
                }
                self.doc.attrs.push(AttrData { name: attr, value });
            };
            let id = self.push(Kind::Element, namespace, name, parent, start)?;
            if self.depth >= self.max_depth {
                return Err(GIVE_UP);
            }
            if empty {
                if self.depth == 0 {
                    self.at = at;
                    return Ok(());
                }
            } else {
                self.open = id;
                self.depth += 1;
            }
            // The content, up to the next element that opens.
            loop {
                let parent = self.open;
                if b.get(at) != Some(&b'<') {
                    let text_start = at;
                    // White space between elements, then most often a `<`:
                    // blank text, told here.
                    at = blank_end(b, at);
                    let mut escaped = false;
                    let blank = b.get(at) == Some(&b'<');
                    if !blank {
                        (at, escaped) =
                            text_end(b, at).ok_or_else(|| self.refused_text(text_start))?;
                    }
                    let text = if escaped {
                        self.unescape(text_start, at - text_start, false)
                            .ok_or_else(|| self.refused_text(text_start))?
                    } else {
                        Span {
                            start: text_start as u32,
                            end: at as u32,
                        }
                    };
                    // Past the white space, a byte that is not one: text,
                    // unless the white space is written as references.
                    let kind = match (blank, escaped) {
                        (true, _) => Kind::Blank,
                        (false, true) => Kind::of_text(self.doc.bytes(text)),
                        (false, false) => Kind::Text,
                    };
                    self.push(kind, 0, text, parent, text_start)?;
                }
                // At a `<`.
                let Some(&next) = b.get(at + 1) else {
                    return Err(stop(Some(Error::UnknownToken(fault::pos(
                        self.doc.text,
                        at,
                    )))));
                };
                match next {
                    b'/' => {
                        // The open element's name, and no more of a name
                        // after it: compared, not scanned again.
                        let open = self.doc.nodes[parent as usize].name;
                        let from = at + 2;
                        let len = (open.end - open.start) as usize;
                        let tag = at;
                        let stopped = move |doc: &Document| {
                            stop(fault::end_tag(doc.text, tag, doc.str(open)))
                        };
                        if !same_name(b, open.start as usize, from, len) {
                            return Err(stopped(&self.doc));
                        }
                        at = from + len;
                        match b.get(at) {
                            Some(b'>') => {}
                            Some(&c) if is_space(c) => {
                                at = space_end(b, at + 1);
                                if b.get(at) != Some(&b'>') {
                                    return Err(stopped(&self.doc));
                                }
                            }
                            _ => return Err(stopped(&self.doc)),
                        }
                        at += 1;
                        let end = self.doc.nodes.len() as u32;
                        let node = &mut self.doc.nodes[parent as usize];
                        node.end = end;
                        self.open = node.parent;
                        self.depth -= 1;
                        if self.depth == 0 {
                            self.at = at;
                            return Ok(());
                        }
                    }
                    b'!' if b[at..].starts_with(b"<!--") => {
                        self.at = at;
                        self.comment(parent)?;
                        at = self.at;
                    }
                    c if name_start(c) => break,
                    _ => return Err(self.refused_markup(at)),
                }
            }
        }
    }

    /// The input ending in a start tag, just past its name or an
    /// attribute's value: roxmltree drops the element (the root: no root;
    /// another: the root left open).
    #[cold]
    #[inline(never)]
    fn ends_in_start_tag(&self) -> Stop {
        stop(Some(if self.depth == 0 {
            Error::NoRootNode
        } else {
            Error::UnclosedRootNode
        }))
    }

    /// Text from `start` that the scanner does not take.
    #[cold]
    #[inline(never)]
    fn refused_text(&self, start: usize) -> Stop {
        let full = self.doc.nodes.len() >= self.max_nodes;
        stop(fault::text(self.doc.text, start, full))
    }

    /// A `<` at `at`, in an element's content, that starts no element, end
    /// tag or comment.
    #[cold]
    #[inline(never)]
    fn refused_markup(&self, at: usize) -> Stop {
        let (text, b) = (self.doc.text, self.b);
        match b[at + 1] {
            b'?' => stop(fault::pi(text, at)),
            b'!' if b[at..].starts_with(b"<![CDATA[") => stop(fault::cdata(text, at)),
            b'!' => stop(Some(Error::UnknownToken(fault::pos(text, at)))),
            // Read as a start tag, whose name is wanting.
            c if c == b':' || c >= 0x80 => GIVE_UP,
            _ => stop(Some(Error::InvalidName(fault::pos(text, at + 1)))),
        }
    }

    /// The namespace index of an `xmlns` declaration's value (`""`, which
    /// roxmltree gives as a namespace of that name, is left to it).
    fn declare(&mut self, value: Span) -> Option<u32> {
        let uri = self.doc.str(value);
        if uri.is_empty()
            || uri == "http://www.w3.org/2000/xmlns/"
            || uri == "http://www.w3.org/XML/1998/namespace"
        {
            return None;
        }
        // A document declares a few: looked for in order.
        if let Some(i) = self
            .doc
            .namespaces
            .iter()
            .position(|s| self.doc.str(*s) == uri)
        {
            return Some(i as u32 + 1);
        }
        self.doc.namespaces.push(value);
        Some(self.doc.namespaces.len() as u32)
    }

    /// A quoted attribute value at `at` of `b` (the input): entities
    /// expanded, tab, line feed and carriage return made spaces (one for a
    /// CR LF); and where it ends (past its closing quote).
    #[inline(always)]
    fn attribute_value(&mut self, b: &[u8], at: usize) -> Scan<(Span, usize)> {
        let q = *b.get(at).ok_or_else(end_of_stream)?;
        if q != b'"' && q != b'\'' {
            return Err(self.unexpected(at, |p| Error::InvalidChar2("a quote", q, p)));
        }
        let text = self.doc.text;
        let quote = at;
        let stopped = move || stop(fault::value(text, quote));
        let start = at + 1;
        // To the closing quote, noting what must be rewritten.
        let (mut at, mut plain) = (start, true);
        loop {
            at += value_stop(&b[at..]).ok_or_else(stopped)?;
            match b[at] {
                c if c == q => break,
                b'<' => return Err(stopped()),
                b'&' | b'\t' | b'\n' | b'\r' => plain = false,
                c if is(c, ODD) && refused(&b[at..]) => return Err(stopped()),
                // The other quote, a space, `!`, `#`, `$`, `%`, an 0xEF
                // that is a character: plain.
                _ => {}
            }
            at += 1;
        }
        let span = if plain {
            Span {
                start: start as u32,
                end: at as u32,
            }
        } else {
            self.unescape(start, at - start, true).ok_or_else(stopped)?
        };
        Ok((span, at + 1))
    }

    /// `len` bytes at `start`, entities expanded, a CR LF or a lone
    /// carriage return made a line feed (in an attribute value, tab, line
    /// feed and carriage return made spaces), into the document's buffer;
    /// `None` for a reference the scanner does not read, or text with both
    /// a reference and a carriage return (roxmltree keeps a carriage return
    /// just after a reference at the end of text).
    fn unescape(&mut self, start: usize, len: usize, attribute: bool) -> Option<Span> {
        let text = self.doc.text;
        let raw = &text[start..start + len];
        if !attribute && raw.contains('\r') && raw.contains('&') {
            return None;
        }
        let owned = &mut self.doc.owned;
        let from = owned.len();
        if OWNED as usize - from <= len {
            return None;
        }
        let mut rest = raw;
        while let Some(p) = rest.find(['&', '\t', '\n', '\r']) {
            owned.push_str(&rest[..p]);
            let c = rest.as_bytes()[p];
            if c == b'\r' {
                // The line feed of a CR LF stands for both.
                if rest.as_bytes().get(p + 1) != Some(&b'\n') {
                    owned.push(if attribute { ' ' } else { '\n' });
                }
                rest = &rest[p + 1..];
                continue;
            }
            if c != b'&' {
                owned.push(if attribute { ' ' } else { c as char });
                rest = &rest[p + 1..];
                continue;
            }
            let end = rest[p..].find(';')?;
            let entity = &rest[p + 1..p + end];
            let ch = match entity {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "apos" => '\'',
                "quot" => '"',
                _ => {
                    let n = if let Some(hex) = entity.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse().ok()
                    } else {
                        None
                    }?;
                    // Digits only: `from_str_radix` takes a sign too.
                    if !entity[1..]
                        .trim_start_matches('x')
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit())
                    {
                        return None;
                    }
                    char::from_u32(n).filter(|&c| crate::markup::is_xml_char(c))?
                }
            };
            owned.push(ch);
            rest = &rest[p + end + 1..];
        }
        owned.push_str(rest);
        Some(Span {
            start: OWNED + from as u32,
            end: OWNED + owned.len() as u32,
        })
    }
}

/// The input ending where roxmltree reads on.
#[cold]
#[inline(never)]
fn end_of_stream() -> Stop {
    stop(Some(Error::UnexpectedEndOfStream))
}

/// The offset of the first byte of `b` that `word` marks, eight bytes at a
/// time (the lowest byte marked in a word is the first), and `byte` finds
/// in the last few: the two must mark the same bytes.
#[inline(always)]
pub(super) fn find_marked(
    b: &[u8],
    word: impl Fn(u64) -> u64,
    byte: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut chunks = b.chunks_exact(8);
    let mut skipped = 0;
    for chunk in &mut chunks {
        let marks = word(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        if marks != 0 {
            return Some(skipped + marks.trailing_zeros() as usize / 8);
        }
        skipped += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&c| byte(c)).map(|i| skipped + i)
}

/// The offset of the first byte of `b` that may end a plain run of an
/// attribute value: a byte below 0x28 (the quotes, `&`, the C0 controls,
/// and a few the caller passes over: space, `!`, `#`, `$`, `%`), `<` or
/// 0xEF. Three tests a word rather than one for each byte that matters.
#[inline(always)]
fn value_stop(b: &[u8]) -> Option<usize> {
    find_marked(
        b,
        |x| below(x, 0x28) | equal(x, b'<') | equal(x, 0xEF),
        |c| c < 0x28 || c == b'<' || c == 0xEF,
    )
}

/// Where the text at `start` of `b` ends (its next `<`), and whether it is
/// to be rewritten (an entity, a carriage return); `None` for text the
/// scanner does not read (`]]>`, an odd byte, no `<` after it).
#[inline(never)]
fn text_end(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut at = start;
    let mut escaped = false;
    loop {
        at += find_marked(
            &b[at..],
            |x| equal(x, b'<') | equal(x, b'&') | equal(x, b']') | below(x, 0x20) | equal(x, 0xEF),
            |c| is(c, TEXT_STOP) || c == b'\t' || c == b'\n',
        )?;
        match b[at] {
            b'<' => return Some((at, escaped)),
            b'&' | b'\r' => escaped = true,
            b'\t' | b'\n' => {}
            b']' => {
                if b[at..].starts_with(b"]]>") {
                    return None;
                }
            }
            _ => {
                if refused(&b[at..]) {
                    return None;
                }
            }
        }
        at += 1;
    }
}

/// ` value="` as a word.
const SPACE_VALUE: u64 = u64::from_le_bytes(*b" value=\"");

/// Where the name whose first byte is before `at` ends: four bytes a
/// step, then one at a time.
#[inline(always)]
fn name_end(b: &[u8], at: usize) -> usize {
    let Some(rest) = b.get(at..) else {
        return b.len();
    };
    let mut chunks = rest.chunks_exact(4);
    let mut end = at;
    for c in &mut chunks {
        if !is(c[0], NAME) {
            return end;
        }
        if !is(c[1], NAME) {
            return end + 1;
        }
        if !is(c[2], NAME) {
            return end + 2;
        }
        if !is(c[3], NAME) {
            return end + 3;
        }
        end += 4;
    }
    let rest = chunks.remainder();
    end + rest
        .iter()
        .position(|&c| !is(c, NAME))
        .unwrap_or(rest.len())
}

/// Where the white space from `at` ends.
#[inline(always)]
pub(super) fn space_end(b: &[u8], mut at: usize) -> usize {
    while b.get(at).is_some_and(|&c| is_space(c)) {
        at += 1;
    }
    at
}

/// Where the white space of text from `at` ends (space, tab, line feed),
/// eight spaces at a time (the indentation of pretty-printed XML).
#[inline(always)]
fn blank_end(b: &[u8], mut at: usize) -> usize {
    const SPACES: u64 = u64::from_le_bytes(*b"        ");
    loop {
        let Some(x) = word_at(b, at) else {
            // Not a carriage return: text rewrites it.
            while b
                .get(at)
                .is_some_and(|&c| matches!(c, b' ' | b'\t' | b'\n'))
            {
                at += 1;
            }
            return at;
        };
        // The first byte that is not a space: the lowest that differs.
        let other = x ^ SPACES;
        if other == 0 {
            at += 8;
            continue;
        }
        at += other.trailing_zeros() as usize / 8;
        if !matches!(b[at], b'\t' | b'\n') {
            return at;
        }
        at += 1;
    }
}

/// Whether the `len` bytes of `b` at `from` are the `len` bytes at `name`
/// (`name + len <= from`): a word at a time, the last one masked to the
/// bytes compared.
#[inline(always)]
fn same_name(b: &[u8], mut name: usize, mut from: usize, mut len: usize) -> bool {
    while len > 0 {
        let (Some(x), Some(y)) = (word_at(b, name), word_at(b, from)) else {
            // Within eight bytes of the end.
            return b.get(from..from + len) == b.get(name..name + len);
        };
        if len <= 8 {
            // The low bytes of a little-endian word are the first.
            return (x ^ y) << (64 - 8 * len) == 0;
        }
        if x != y {
            return false;
        }
        (name, from, len) = (name + 8, from + 8, len - 8);
    }
    true
}
