//! The one-pass scanner: the XML FHIR messages are written in, read into
//! the crate's tree; anything else left to roxmltree.

use super::*;
/// Reads `text` in one pass when it is the XML FHIR messages are written in,
/// into the tree roxmltree would make of it; `None` for anything else
/// (including every error, and more than `max_nodes` nodes or elements
/// nested deeper than `max_depth`), which roxmltree then reads.
pub fn scan(text: &str, max_nodes: u32, max_depth: usize) -> Option<Document<'_>> {
    Scanner::new(text, max_nodes, max_depth)?.run()
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
    /// Whether the text [`Scanner::text_len`] measured has an entity.
    escaped: bool,
}

/// What gives up: the input is for roxmltree to read.
type Scan<T> = Option<T>;

/// What the scanner needs to know of each byte, one bit each.
const NAME_START: u8 = 1;
const NAME: u8 = 2;
/// Ends a run of text: `<`, `&`, `]` (of `]]>`), and the odd bytes.
const TEXT_STOP: u8 = 4;
/// Ends an attribute value: the quotes, `<`, `&`, tab, line feed and the
/// odd bytes.
const VALUE_STOP: u8 = 8;
/// Odd: a C0 control but tab and line feed (carriage return among them:
/// XML rewrites it), or 0xEF, which starts U+FFFE and U+FFFF.
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
            k |= ODD | TEXT_STOP | VALUE_STOP;
        }
        if matches!(c, b'<' | b'&' | b']') {
            k |= TEXT_STOP;
        }
        if matches!(c, b'"' | b'\'' | b'<' | b'&' | b'\t' | b'\n') {
            k |= VALUE_STOP;
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

/// Whether the odd byte at `b[0]` is one the scanner never reads (an 0xEF
/// that starts neither U+FFFE nor U+FFFF is a character like any other).
fn refused(b: &[u8]) -> bool {
    b[0] != 0xEF || (b.get(1) == Some(&0xBF) && b.get(2).is_some_and(|&c| c >= 0xBE))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n')
}

impl<'i> Scanner<'i> {
    fn new(text: &'i str, max_nodes: u32, max_depth: usize) -> Scan<Self> {
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
            escaped: false,
        })
    }

    fn run(mut self) -> Scan<Document<'i>> {
        self.push(Kind::Root, Span::EMPTY, 0, 0)?;
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
            if self.b[self.at] != b'<' {
                return None;
            }
            match self.b.get(self.at + 1) {
                Some(b'!') => self.comment(0)?,
                Some(&c) if name_start(c) && !seen_root => {
                    seen_root = true;
                    self.element()?;
                }
                _ => return None,
            }
        }
        self.doc.nodes[0].end = self.doc.nodes.len() as u32;
        seen_root.then_some(self.doc)
    }

    fn push(&mut self, kind: Kind, name: Span, parent: u32, start: usize) -> Scan<u32> {
        let id = self.doc.nodes.len();
        if id >= self.max_nodes {
            return None;
        }
        self.doc.nodes.push(NodeData {
            tag: NodeData::tag(kind, 0),
            parent,
            end: id as u32 + 1,
            name,
            attrs_end: self.doc.attrs.len() as u32,
            start: start as u32,
        });
        Some(id as u32)
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`, its
    /// encoding and standalone optional, or nothing.
    fn declaration(&mut self) -> Scan<()> {
        let b = self.b;
        if !b.starts_with(b"<?") {
            return Some(());
        }
        let mut at = 2;
        if !b[at..].starts_with(b"xml") {
            return None;
        }
        at += 3;
        for (i, (name, values)) in [
            ("version", &["1.0"][..]),
            ("encoding", &["UTF-8", "utf-8"][..]),
            ("standalone", &["yes", "no"][..]),
        ]
        .into_iter()
        .enumerate()
        {
            let before = at;
            while at < b.len() && b[at] == b' ' {
                at += 1;
            }
            if at == before || !b[at..].starts_with(name.as_bytes()) {
                if i == 0 {
                    return None;
                }
                at = before;
                continue;
            }
            at += name.len();
            let q = *b.get(at + 1)?;
            if b.get(at) != Some(&b'=') || !matches!(q, b'"' | b'\'') {
                return None;
            }
            let value = values
                .iter()
                .find(|v| b[at + 2..].starts_with(v.as_bytes()))?;
            at += 2 + value.len();
            if b.get(at) != Some(&q) {
                return None;
            }
            at += 1;
        }
        while at < b.len() && b[at] == b' ' {
            at += 1;
        }
        if !b[at..].starts_with(b"?>") {
            return None;
        }
        self.at = at + 2;
        Some(())
    }

    /// `<!-- … -->`, at `self.at`, a child of `parent`.
    fn comment(&mut self, parent: u32) -> Scan<()> {
        let start = self.at;
        if !self.b[start..].starts_with(b"<!--") {
            return None;
        }
        let body = start + 4;
        let len = find(&self.b[body..], b"--")?;
        // `--` only as the end, and no `-` just before it.
        if self.b.get(body + len + 2) != Some(&b'>') || (len > 0 && self.b[body + len - 1] == b'-')
        {
            return None;
        }
        let text = &self.b[body..body + len];
        if text
            .iter()
            .enumerate()
            .any(|(i, &c)| is(c, ODD) && refused(&text[i..]))
        {
            return None;
        }
        let span = Span {
            start: body as u32,
            end: (body + len) as u32,
        };
        self.push(Kind::Comment, span, parent, start)?;
        self.at = body + len + 3;
        Some(())
    }

    /// A name at `self.at`.
    fn name(&mut self) -> Scan<Span> {
        let start = self.at;
        if !name_start(*self.b.get(start)?) {
            return None;
        }
        let len = self.b[start + 1..]
            .iter()
            .position(|&c| !is(c, NAME))
            .unwrap_or(self.b.len() - start - 1);
        self.at = start + 1 + len;
        Some(Span {
            start: start as u32,
            end: self.at as u32,
        })
    }

    fn skip_space(&mut self) -> bool {
        let start = self.at;
        while self.at < self.b.len() && is_space(self.b[self.at]) {
            self.at += 1;
        }
        self.at > start
    }

    fn bytes(&self, span: Span) -> &'i [u8] {
        &self.b[span.start as usize..span.end as usize]
    }

    /// The root element and everything in it, from `self.at` (its `<`).
    fn element(&mut self) -> Scan<()> {
        loop {
            // At a `<` that opens an element.
            let start = self.at;
            self.at += 1;
            let name = self.name()?;
            let parent = self.open;
            let mut namespace = self.doc.nodes[parent as usize].namespace();
            let id = self.push(Kind::Element, name, parent, start)?;
            let first_attr = self.doc.attrs.len();
            let mut declared = false;
            let empty = loop {
                let spaced = self.skip_space();
                match self.b.get(self.at)? {
                    b'>' => {
                        self.at += 1;
                        break false;
                    }
                    b'/' => {
                        if self.b.get(self.at + 1) != Some(&b'>') {
                            return None;
                        }
                        self.at += 2;
                        break true;
                    }
                    _ if !spaced => return None,
                    _ => {}
                }
                let attr = self.name()?;
                self.skip_space();
                if self.b.get(self.at) != Some(&b'=') {
                    return None;
                }
                self.at += 1;
                self.skip_space();
                let value = self.attribute_value()?;
                let attr_name = self.bytes(attr);
                if attr_name == b"xmlns" {
                    if std::mem::replace(&mut declared, true) {
                        return None;
                    }
                    namespace = self.declare(value)?;
                    continue;
                }
                // Each attribute once (`xmlns` is checked apart).
                if self.doc.attrs[first_attr..]
                    .iter()
                    .any(|a| self.bytes(a.name) == attr_name)
                {
                    return None;
                }
                self.doc.attrs.push(AttrData { name: attr, value });
            };
            let node = &mut self.doc.nodes[id as usize];
            node.tag = NodeData::tag(Kind::Element, namespace);
            node.attrs_end = self.doc.attrs.len() as u32;
            if self.depth + 1 > self.max_depth {
                return None;
            }
            if empty {
                if self.depth == 0 {
                    return Some(());
                }
            } else {
                self.open = id;
                self.depth += 1;
            }
            // The content, up to the next element that opens.
            loop {
                let parent = self.open;
                let text_start = self.at;
                let len = self.text_len(text_start)?;
                if len > 0 {
                    let text = self.text(text_start, len)?;
                    let kind = Kind::of_text(self.doc.bytes(text));
                    self.push(kind, text, parent, text_start)?;
                }
                self.at = text_start + len;
                match self.b.get(self.at + 1)? {
                    b'/' => {
                        self.at += 2;
                        // The open element's name, and no more of a name
                        // after it: compared, not scanned again.
                        let open = self.bytes(self.doc.nodes[parent as usize].name);
                        let after = self.at + open.len();
                        if !self.b[self.at..].starts_with(open)
                            || self.b.get(after).is_some_and(|&c| is(c, NAME))
                        {
                            return None;
                        }
                        self.at = after;
                        self.skip_space();
                        if self.b.get(self.at) != Some(&b'>') {
                            return None;
                        }
                        self.at += 1;
                        self.doc.nodes[parent as usize].end = self.doc.nodes.len() as u32;
                        self.open = self.doc.nodes[parent as usize].parent;
                        self.depth -= 1;
                        if self.depth == 0 {
                            return Some(());
                        }
                    }
                    b'!' => self.comment(parent)?,
                    &c if name_start(c) => break,
                    _ => return None,
                }
            }
        }
    }

    /// The namespace index of an `xmlns` declaration's value (`""`, which
    /// roxmltree gives as a namespace of that name, is left to it).
    fn declare(&mut self, value: Span) -> Scan<u32> {
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

    /// A quoted attribute value at `self.at`: entities expanded, tab and
    /// line feed made spaces.
    fn attribute_value(&mut self) -> Scan<Span> {
        let q = *self.b.get(self.at)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let start = self.at + 1;
        // To the closing quote, noting what must be rewritten.
        let (mut at, mut plain) = (start, true);
        loop {
            at += skip_plain_value(&self.b[at..], q);
            at += self.b[at..].iter().position(|&c| is(c, VALUE_STOP))?;
            match self.b[at] {
                c if c == q => break,
                b'"' | b'\'' => {}
                b'<' => return None,
                c if is(c, ODD) => {
                    if refused(&self.b[at..]) {
                        return None;
                    }
                }
                _ => plain = false,
            }
            at += 1;
        }
        let len = at - start;
        self.at = at + 1;
        if plain {
            return Some(Span {
                start: start as u32,
                end: at as u32,
            });
        }
        self.unescape(start, len, true)
    }

    /// The length of the text at `start`, up to the next `<`; `None` for
    /// text the scanner does not read (`]]>`, an odd byte).
    fn text_len(&mut self, start: usize) -> Scan<usize> {
        let mut at = start;
        self.escaped = false;
        loop {
            at += self.b[at..].iter().position(|&c| is(c, TEXT_STOP))?;
            match self.b[at] {
                b'<' => return Some(at - start),
                b'&' => self.escaped = true,
                b']' => {
                    if self.b[at..].starts_with(b"]]>") {
                        return None;
                    }
                }
                _ => {
                    if refused(&self.b[at..]) {
                        return None;
                    }
                }
            }
            at += 1;
        }
    }

    /// Text content at `start`: entities expanded.
    fn text(&mut self, start: usize, len: usize) -> Scan<Span> {
        if !self.escaped {
            return Some(Span {
                start: start as u32,
                end: (start + len) as u32,
            });
        }
        self.unescape(start, len, false)
    }

    /// `len` bytes at `start`, entities expanded (and, in an attribute
    /// value, tab and line feed made spaces), into the document's buffer.
    fn unescape(&mut self, start: usize, len: usize, attribute: bool) -> Scan<Span> {
        let text = self.doc.text;
        let raw = &text[start..start + len];
        let owned = &mut self.doc.owned;
        let from = owned.len();
        if OWNED as usize - from <= len {
            return None;
        }
        let mut rest = raw;
        while let Some(p) = rest.find(['&', '\t', '\n']) {
            owned.push_str(&rest[..p]);
            let c = rest.as_bytes()[p];
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

/// How many bytes at the start of `b` are plain in an attribute value quoted
/// by `q`, eight at a time: a whole number of 8-byte words with no quote
/// `q`, `<`, `&`, byte below 0x20 or 0xEF (a word-wide test of each byte;
/// the caller finds the exact stop byte by byte).
fn skip_plain_value(b: &[u8], q: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A high bit in each byte of `x` below `n` (n <= 0x80), and maybe above
    // one that is: enough to say whether a word has one.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let equal = |x: u64, c: u8| below(x ^ (ONES * u64::from(c)), 1);
    let mut skipped = 0;
    for chunk in b.chunks_exact(8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let stop = equal(x, q) | equal(x, b'<') | equal(x, b'&') | below(x, 0x20) | equal(x, 0xEF);
        if stop != 0 {
            break;
        }
        skipped += 8;
    }
    skipped
}

/// The offset of the first `pat` in `hay`.
fn find(hay: &[u8], pat: &[u8]) -> Option<usize> {
    hay.windows(pat.len()).position(|w| w == pat)
}
