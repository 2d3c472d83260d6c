//! The one XML reader: the context every derived reader uses on the
//! document tree (the FHIR path, the mode, the warnings); the document
//! itself comes from `document.rs`, the options from `options.rs`.

use std::cell::Cell;
use std::fmt::Write as _;

use super::document::{chars_in, newlines_and_ascii, width};
use super::overflow::Overflow;
use super::tree::{Attribute, Document, NamespaceId, Node, NodeId};
use super::FHIR_NS;
use crate::error::{Error, ErrorCode, Issue, Result};
use crate::options::Mode;
use crate::NonEmpty;

/// A FHIR path from its segments, root first: element names joined with
/// dots, each with its index when it has one (`Bundle.entry[1].resource`).
pub(crate) fn fhir_path(segments: &[(&str, Option<u32>)]) -> String {
    // Room for each name, its dot and a small index: one allocation.
    let mut out = String::with_capacity(segments.iter().map(|(n, _)| n.len() + 6).sum());
    for (i, (name, index)) in segments.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(name);
        if let Some(index) = *index {
            push_index(&mut out, index);
        }
    }
    out
}

/// Appends `[n]`, `n` in decimal (what `write!` does, without the
/// formatter: paths are built for every warning).
fn push_index(out: &mut String, n: u32) {
    let mut digits = [b']'; 12];
    let mut at = digits.len() - 1;
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    at -= 1;
    digits[at] = b'[';
    out.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII"));
}

/// A warning's message: in parts, joined only when the warning is kept, or
/// written already.
enum Message<'m, 'a> {
    Parts(&'m [&'a str]),
    Written(String),
}

impl Message<'_, '_> {
    /// Whether the message is `text`.
    fn is(&self, text: &str) -> bool {
        match self {
            Message::Parts(parts) => is_joined(text, parts),
            Message::Written(written) => written == text,
        }
    }

    fn into_string(self) -> String {
        match self {
            Message::Parts(parts) => parts.concat(),
            Message::Written(written) => written,
        }
    }
}

/// Whether `text` is `parts` joined.
fn is_joined(text: &str, parts: &[&str]) -> bool {
    let mut rest = text;
    for part in parts {
        match rest.strip_prefix(part) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether `a` and `b` are the same text: at the same place (no look at
/// the text), or equal byte by byte in a loop written out, not a call to
/// `memcmp`: the names and message parts a warning is made of are short,
/// and such calls were most of the time of reading many unknown elements
/// (see [`LastWarning`]).
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && (a.as_ptr() == b.as_ptr() || a.bytes().zip(b.bytes()).all(|(x, y)| x == y))
}

/// The last warning as it was made, in parts, for telling a warning like
/// it (the next of many unknown siblings) without reading its written path
/// and message back piece by piece, some 13 `memcmp` calls a sibling: the
/// parts are compared where they are, mostly the same pointers (the
/// derives' names, the messages' fixed text). Recorded at the warning's
/// first repeat, told from its text.
#[derive(Default)]
struct LastWarning<'a> {
    /// Its index in [`Reader::warnings`]: the record holds while it is the
    /// last warning there (every warning pushed clears it).
    index: Option<usize>,
    /// The FHIR path it was made at, as [`Reader::path`] held it.
    path: Vec<(&'a str, Option<u32>)>,
    /// Its message in parts (none recorded for a message written whole).
    parts: Vec<&'a str>,
}

/// The state of one read: where in the document, how strictly, and what was
/// accepted with a warning. Derived readers call its methods.
pub struct Reader<'a, 'i> {
    doc: &'a Document<'i>,
    mode: Mode,
    /// The FHIR path: element names, each with its index when repeated.
    path: Vec<(&'a str, Option<u32>)>,
    /// The last position asked for (byte offset, line, column), so that
    /// positions are counted on from there.
    last_position: Cell<(usize, u32, u32)>,
    /// The warnings. A warning like the last (same code, path and message,
    /// on a sibling element) is counted instead: 100,000 unknown `<note>`s
    /// are one warning, not 100,000.
    warnings: Vec<Issue>,
    /// How many more like the last warning came straight after it.
    repeats: u32,
    /// The counts of the warnings before the last, where not 0 (warning
    /// index, count): few, and written into the messages at the end.
    repeated: Vec<(usize, u32)>,
    /// The parent of the element the last warning was about.
    warned_parent: Option<NodeId>,
    /// The last warning in parts, once it repeated.
    last_warning: LastWarning<'a>,
    namespace_warned: bool,
    /// The document's number for the FHIR namespace.
    fhir_ns: NamespaceId,
    preferred: &'static [&'static str],
    /// The first profile each resource read so far claims, noted when it
    /// was chosen (the reference check asks again); room for the
    /// resources of a message, the others looked up when asked.
    claims: [(u32, Option<&'a str>); CLAIMS],
    claims_len: usize,
}

/// How many resources' claims a reader keeps.
const CLAIMS: usize = 8;

/// Where a reader was, to go back after a trial read.
pub struct Checkpoint {
    path: usize,
    warnings: usize,
    repeats: u32,
    repeated: usize,
    warned_parent: Option<NodeId>,
    mode: Mode,
    namespace_warned: bool,
}

impl<'a, 'i> Reader<'a, 'i> {
    /// A reader over `doc`.
    pub fn new(doc: &'a Document<'i>, mode: Mode) -> Self {
        Reader {
            doc,
            mode,
            // Deeper than FGM messages nest: allocated once.
            path: Vec::with_capacity(24),
            last_position: Cell::new((0, 1, 1)),
            warnings: Vec::new(),
            repeats: 0,
            repeated: Vec::new(),
            warned_parent: None,
            last_warning: LastWarning::default(),
            namespace_warned: false,
            fhir_ns: doc.namespace_id(FHIR_NS),
            preferred: &[],
            claims: [(0, None); CLAIMS],
            claims_len: 0,
        }
    }

    /// Notes the first profile `resource` claims, white space trimmed.
    pub(crate) fn note_claim(&mut self, resource: Node<'a, 'i>, claim: Option<&'a str>) {
        let id = resource.id().index();
        let noted = &self.claims[..self.claims_len];
        if self.claims_len < CLAIMS && !noted.iter().any(|(n, _)| *n == id) {
            self.claims[self.claims_len] = (id, claim.map(str::trim));
            self.claims_len += 1;
        }
    }

    /// The first profile `resource` claims, white space trimmed: as noted
    /// when it was read, else looked up.
    pub(crate) fn claim_of(&self, resource: Node<'a, 'i>) -> Option<&'a str> {
        let id = resource.id().index();
        match self.claims[..self.claims_len]
            .iter()
            .find(|(n, _)| *n == id)
        {
            Some((_, claim)) => *claim,
            None => Reader::claimed_profiles(resource).next().map(str::trim),
        }
    }

    /// The profiles to try first for a resource that claims none: those of
    /// the interaction being read.
    pub fn prefer(&mut self, profiles: &'static [&'static str]) {
        self.preferred = profiles;
    }

    /// Whether `profile` is one of the preferred.
    pub fn is_preferred(&self, profile: &str) -> bool {
        self.preferred.contains(&profile)
    }

    /// The preferred profile URL that `value` is, if any: a `meta.profile`
    /// of the interaction, kept as that static text rather than copied to
    /// the heap (too long to be kept inline).
    #[inline]
    pub(crate) fn preferred_text(&self, value: &str) -> Option<&'static str> {
        if value.len() <= crate::primitive::INLINE {
            return None;
        }
        self.preferred.iter().find(|p| **p == value).copied()
    }

    /// The document.
    pub fn document(&self) -> &'a Document<'i> {
        self.doc
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The warnings so far.
    pub fn into_warnings(mut self) -> Vec<Issue> {
        self.take_warnings()
    }

    /// [`Reader::into_warnings`], leaving none (and the reader where it is).
    pub(crate) fn take_warnings(&mut self) -> Vec<Issue> {
        self.close_repeats();
        for (i, repeats) in self.repeated.drain(..) {
            write!(
                self.warnings[i].message,
                " (and {repeats} more like it after)"
            )
            .expect("writing to a String");
        }
        std::mem::take(&mut self.warnings)
    }

    /// Keeps the last warning's count, before another warning comes.
    fn close_repeats(&mut self) {
        if self.repeats > 0 {
            self.repeated.push((self.warnings.len() - 1, self.repeats));
            self.repeats = 0;
        }
    }

    /// Records a warning, after the last.
    fn push_warning(&mut self, issue: Issue) {
        self.close_repeats();
        self.warnings.push(issue);
        self.last_warning.index = None;
    }

    /// The FHIR path so far.
    pub fn path(&self) -> String {
        fhir_path(&self.path)
    }

    /// Enters a path segment.
    #[inline] // called for every element, from the derived readers' crates
    pub fn push(&mut self, segment: &'a str) {
        self.path.push((segment, None));
    }

    /// Enters the `index`-th repetition of `name`.
    #[inline]
    pub fn push_index(&mut self, name: &'a str, index: usize) {
        // Indexes count nodes, of which there are fewer than 2^32.
        self.path.push((name, Some(index as u32)));
    }

    /// Leaves the last path segment.
    #[inline]
    pub fn pop(&mut self) {
        self.path.pop();
    }

    /// An issue at `node`.
    pub fn issue(&self, node: Node, code: ErrorCode, message: impl Into<String>) -> Issue {
        let (line, column) = self.position(node);
        Issue {
            code,
            path: self.path(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The line and column (1-based, columns in characters) where `node`
    /// starts. Counted on from the last position asked for, so that issues
    /// in document order cost one pass over the text in all, not one each.
    pub fn position(&self, node: Node) -> (u32, u32) {
        let offset = node.start();
        let text = self.doc.input_text();
        let (from, line, column) = self.last_position.get();
        let at = if offset >= from {
            // Forward: count on; on the same line, count on the column too.
            let skipped = &text[from..offset];
            match newlines_and_ascii(skipped) {
                (0, ascii) => (line, column + width(skipped, ascii) as u32),
                (newlines, ascii) => {
                    let p = skipped.rfind('\n').expect("counted");
                    (
                        line + newlines as u32,
                        width(&skipped[p + 1..], ascii) as u32 + 1,
                    )
                }
            }
        } else {
            // Back (a trial read that failed, a later check): count back; on
            // the same line, count the column back too (no search for the
            // line's start, which may be far back).
            let back = &text[offset..from];
            match newlines_and_ascii(back) {
                (0, ascii) => (line, column - width(back, ascii) as u32),
                (newlines, _) => {
                    let start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
                    (
                        line - newlines as u32,
                        chars_in(&text[start..offset]) as u32 + 1,
                    )
                }
            }
        };
        self.last_position.set((offset, at.0, at.1));
        at
    }

    /// Fails with an issue at `node`.
    pub fn fail<T>(&self, node: Node, code: ErrorCode, message: impl Into<String>) -> Result<T> {
        Err(self.issue(node, code, message).into())
    }

    /// Something strict mode refuses and lenient mode accepts with a warning.
    pub fn departure(
        &mut self,
        node: Node,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> Result<()> {
        self.depart(node, code, Message::Written(message.into()))
    }

    /// [`Reader::departure`] with the message in parts, joined only when the
    /// warning does not repeat the last one (checked without allocating).
    pub(crate) fn departure_in_parts(
        &mut self,
        node: Node,
        code: ErrorCode,
        message: &[&'a str],
    ) -> Result<()> {
        self.depart(node, code, Message::Parts(message))
    }

    fn depart(&mut self, node: Node, code: ErrorCode, message: Message<'_, 'a>) -> Result<()> {
        if self.mode == Mode::Strict {
            return Err(self.issue(node, code, message.into_string()).into());
        }
        let parent = node.parent().map(|p| p.id());
        let sibling = parent.is_some() && parent == self.warned_parent;
        // Like the last warning: told from the parts it was made of when
        // recorded, else from its text (then recorded for the next).
        let mut by_text = false;
        let repeat = sibling
            && self.warnings.last().is_some_and(|last| {
                last.code == code
                    && (self.is_last_warning(&message) || {
                        by_text = self.path_is(&last.path) && message.is(&last.message);
                        by_text
                    })
            });
        if repeat {
            self.repeats += 1;
            if by_text {
                self.record_last_warning(&message);
            }
        } else {
            let issue = self.issue(node, code, message.into_string());
            self.push_warning(issue);
        }
        self.warned_parent = parent;
        Ok(())
    }

    /// Records the last warning, which `message` at the current path has
    /// just repeated (their texts are the same), in the parts of `message`.
    /// Done at its first repeat, so that a warning that does not repeat
    /// costs nothing more; a message written whole is not recorded (it is
    /// compared as text).
    fn record_last_warning(&mut self, message: &Message<'_, 'a>) {
        let Message::Parts(parts) = message else {
            return;
        };
        let last = &mut self.last_warning;
        last.index = Some(self.warnings.len() - 1);
        last.path.clone_from(&self.path);
        last.parts.clear();
        last.parts.extend_from_slice(parts);
    }

    /// Whether the last warning was recorded at the current path with the
    /// same parts as `message`: then its written path and message are
    /// those that `message` would give here (the same pieces joined the
    /// same way). When not, they may still be (see [`Reader::path_is`]).
    #[inline]
    fn is_last_warning(&self, message: &Message) -> bool {
        let last = &self.last_warning;
        let Message::Parts(parts) = message else {
            return false;
        };
        last.index.is_some_and(|i| i + 1 == self.warnings.len())
            && last.path.len() == self.path.len()
            && last.parts.len() == parts.len()
            && (last.path.iter().zip(&self.path)).all(|((a, i), (b, j))| i == j && same_text(a, b))
            && (last.parts.iter().zip(parts.iter())).all(|(a, b)| same_text(a, b))
    }

    /// Whether `path` is the FHIR path so far ([`Reader::path`], unwritten).
    fn path_is(&self, path: &str) -> bool {
        let mut rest = path;
        for (i, (name, index)) in self.path.iter().enumerate() {
            let Some(r) = rest.strip_prefix(if i > 0 { "." } else { "" }) else {
                return false;
            };
            let Some(r) = r.strip_prefix(name) else {
                return false;
            };
            rest = match index {
                None => r,
                Some(index) => {
                    let Some((digits, r)) = r.strip_prefix('[').and_then(|r| r.split_once(']'))
                    else {
                        return false;
                    };
                    if digits.parse() != Ok(*index) {
                        return false;
                    }
                    r
                }
            };
        }
        rest.is_empty()
    }

    /// Records a warning found outside the derived readers.
    pub fn warn(&mut self, issue: Issue) {
        self.push_warning(issue);
        self.warned_parent = None;
    }

    /// Saves the state before a trial read.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            path: self.path.len(),
            warnings: self.warnings.len(),
            repeats: self.repeats,
            repeated: self.repeated.len(),
            warned_parent: self.warned_parent,
            mode: self.mode,
            namespace_warned: self.namespace_warned,
        }
    }

    /// Goes back to a saved state.
    pub fn restore(&mut self, c: Checkpoint) {
        self.path.truncate(c.path);
        self.warnings.truncate(c.warnings);
        self.repeats = c.repeats;
        self.repeated.truncate(c.repeated);
        self.warned_parent = c.warned_parent;
        self.mode = c.mode;
        self.namespace_warned = c.namespace_warned;
    }

    /// Reads in strict mode until [`Reader::restore`].
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Checks an element's namespace: FHIR, or (lenient) none.
    #[inline]
    pub fn check_namespace(&mut self, node: Node<'a, 'i>) -> Result<()> {
        let tag = node.tag_name();
        // FHIR's, or none once lenient reading has warned of it.
        if tag.is_in(self.fhir_ns)
            || (tag.is_in(NamespaceId::NONE) && self.mode == Mode::Lenient && self.namespace_warned)
        {
            return Ok(());
        }
        self.check_other_namespace(node)
    }

    /// [`Reader::check_namespace`] past its usual cases, out of line.
    #[inline(never)]
    fn check_other_namespace(&mut self, node: Node<'a, 'i>) -> Result<()> {
        match node.tag_name().namespace() {
            Some(FHIR_NS) => Ok(()),
            // The narrative: checked by the `xhtml` reader.
            Some(super::XHTML_NS) if node.tag_name().name() == "div" => Ok(()),
            None => {
                if self.mode == Mode::Lenient && self.namespace_warned {
                    return Ok(());
                }
                self.namespace_warned = true;
                let rest = match self.mode {
                    Mode::Strict => "",
                    Mode::Lenient => " (nor, unreported, the elements after it that lack it)",
                };
                self.departure_in_parts(
                    node,
                    ErrorCode::Namespace,
                    &[
                        "<",
                        node.tag_name().name(),
                        "> is not in the FHIR namespace ",
                        FHIR_NS,
                        rest,
                    ],
                )
            }
            Some(other) => self.fail(
                node,
                ErrorCode::Namespace,
                format!(
                    "<{}> is in namespace {other}, not FHIR",
                    node.tag_name().name()
                ),
            ),
        }
    }

    /// One child node as the derived readers see it: an element (namespace
    /// checked), or nothing for a comment or white space; other text is an
    /// error.
    #[inline]
    pub fn element(&mut self, child: Node<'a, 'i>) -> Result<Option<Node<'a, 'i>>> {
        // The usual child, an element in the FHIR namespace (or, once
        // lenient reading has warned of it, none), in place; the rest out
        // of line.
        if child.is_element() {
            self.check_namespace(child)?;
            return Ok(Some(child));
        }
        self.other_child(child)?;
        Ok(None)
    }

    /// [`Reader::element`] for a child that is not an element: nothing for
    /// a comment or blank text, else an error. (Out of line, and given
    /// nothing back: handing the node back through memory, a copy of what
    /// the caller had just stored, stalled the processor.)
    #[inline(never)]
    fn other_child(&mut self, child: Node<'a, 'i>) -> Result<()> {
        if child.is_text() && !child.is_blank() {
            return self.fail(child, ErrorCode::UnexpectedText, "text is not allowed here");
        }
        Ok(())
    }

    /// The `value` attribute of a primitive element, which may carry nothing
    /// else (an `id` or extensions on a primitive cannot be represented).
    pub fn value(&mut self, node: Node<'a, 'i>) -> Result<&'a str> {
        let value = match node.sole_attribute("value") {
            Ok(value) => value,
            Err(attr) => {
                return self.fail(
                    node,
                    ErrorCode::Unsupported,
                    format!(
                        "attribute `{}` on a primitive element is not supported",
                        attr.name()
                    ),
                )
            }
        };
        for child in node.children() {
            let Some(child) = self.element(child)? else {
                continue;
            };
            return self.fail(
                child,
                ErrorCode::Unsupported,
                "extensions on a primitive element are not supported",
            );
        }
        match value {
            Some(v) => Ok(v),
            None => self.fail(
                node,
                ErrorCode::Missing,
                "the element has no value attribute",
            ),
        }
    }

    /// The value of the `value` attribute of `node`'s first child called
    /// `name` (a slice discriminator).
    #[inline] // `name` is known where it is called: compared in place
    pub fn discriminator(node: Node<'a, 'i>, name: &str) -> Option<&'a str> {
        node.child_named(name).and_then(value_attribute)
    }

    /// Checks a fixed value.
    #[inline] // `expected` is known where it is called: compared in place
    pub fn fixed(&mut self, node: Node<'a, 'i>, expected: &str) -> Result<()> {
        let value = self.value(node)?;
        if value != expected {
            return self.not_fixed(node, expected, value);
        }
        Ok(())
    }

    /// The error of [`Reader::fixed`], out of line.
    #[cold]
    fn not_fixed(&self, node: Node, expected: &str, value: &str) -> Result<()> {
        self.fail(
            node,
            ErrorCode::Fixed,
            format!("the value is fixed to `{expected}`, not `{value}`"),
        )
    }

    /// Checks canonical order: `position` must not come before what was read.
    #[inline] // called for every element, from the derived readers' crates
    pub fn order(&mut self, node: Node<'a, 'i>, stage: &mut usize, position: usize) -> Result<()> {
        if position < *stage {
            return self.out_of_order(node);
        }
        *stage = position;
        Ok(())
    }

    /// The departure of [`Reader::order`], out of line.
    #[cold]
    #[inline(never)]
    fn out_of_order(&mut self, node: Node<'a, 'i>) -> Result<()> {
        self.departure_in_parts(
            node,
            ErrorCode::Order,
            &[
                "<",
                node.tag_name().name(),
                "> is out of the canonical element order",
            ],
        )
    }

    /// Stores a value that may appear once.
    #[inline(always)] // moved in place: a value may be a large struct
    pub fn once<T>(&self, slot: &mut Option<T>, node: Node, value: T) -> Result<()> {
        if slot.is_some() {
            return Err(self.repeated(node));
        }
        *slot = Some(value);
        Ok(())
    }

    /// The error of an element that may appear once, seen again (out of
    /// line: every derived reader's fields share it).
    #[cold]
    #[inline(never)]
    fn repeated(&self, node: Node) -> Error {
        self.issue(
            node,
            ErrorCode::Repeated,
            format!("<{}> may appear only once here", node.tag_name().name()),
        )
        .into()
    }

    /// The error of a required element that is missing (out of line; the
    /// derived readers call it).
    #[doc(hidden)]
    #[cold]
    #[inline(never)]
    pub fn __missing(&self, parent: Node, name: &str) -> Error {
        self.issue(
            parent,
            ErrorCode::Missing,
            format!("required element <{name}> is missing"),
        )
        .into()
    }

    /// The error of a required attribute that is missing (out of line; the
    /// derived readers call it).
    #[doc(hidden)]
    #[cold]
    #[inline(never)]
    pub fn __missing_attribute(&self, node: Node, name: &str) -> Error {
        self.issue(
            node,
            ErrorCode::Missing,
            format!("required attribute `{name}` is missing"),
        )
        .into()
    }

    /// Reads the child element `child` of a field that holds one value into
    /// its slot (what the derived readers call for each such field): out of
    /// line, one copy per field type, shared by every struct that has one.
    #[doc(hidden)]
    #[inline(never)]
    pub fn __read_one<T: super::FhirElement>(
        &mut self,
        child: Node<'a, 'i>,
        slot: &mut Option<T>,
        stage: &mut usize,
        position: usize,
        segment: &'a str,
    ) -> Result<()> {
        self.order(child, stage, position)?;
        self.push(segment);
        let value = T::read_element(self, child);
        self.pop();
        self.once(slot, child, value?)
    }

    /// [`Self::__read_one`] for a field that holds a list: the value read
    /// is pushed.
    #[doc(hidden)]
    #[inline(never)]
    pub fn __read_item<T: super::FhirElement>(
        &mut self,
        child: Node<'a, 'i>,
        items: &mut Vec<T>,
        stage: &mut usize,
        position: usize,
        segment: &'a str,
    ) -> Result<()> {
        self.order(child, stage, position)?;
        self.push_index(segment, items.len());
        let value = T::read_element(self, child);
        self.pop();
        items.push(value?);
        Ok(())
    }

    /// A required element that must have been read.
    #[inline(always)] // moved in place: a value may be a large struct
    pub fn required<T>(&self, parent: Node, slot: Option<T>, name: &str) -> Result<T> {
        slot.ok_or_else(|| self.__missing(parent, name))
    }

    /// A `1..*` element that must have been read at least once.
    pub fn non_empty<T>(&self, parent: Node, items: Vec<T>, name: &str) -> Result<NonEmpty<T>> {
        NonEmpty::from_vec(items).ok_or_else(|| self.__missing(parent, name))
    }

    /// An element the type does not define: an error, or (lenient) kept in
    /// the overflow with a warning.
    pub fn unknown_element(
        &mut self,
        node: Node<'a, 'i>,
        anchor: usize,
        overflow: &mut Overflow,
    ) -> Result<()> {
        self.push(node.tag_name().name());
        let r = self.departure_in_parts(
            node,
            ErrorCode::UnknownElement,
            &[
                "<",
                node.tag_name().name(),
                "> is not defined here by the profile",
            ],
        );
        self.pop();
        r?;
        overflow.push_element(anchor, node);
        Ok(())
    }

    /// An attribute the type does not define.
    pub fn unknown_attribute(
        &mut self,
        node: Node<'a, 'i>,
        attr: Attribute<'a>,
        overflow: &mut Overflow,
    ) -> Result<()> {
        self.departure_in_parts(
            node,
            ErrorCode::UnknownAttribute,
            &["attribute `", attr.name(), "` is not defined here"],
        )?;
        overflow.push_attribute(attr.name(), attr.value());
        Ok(())
    }

    /// Parses a lexical form, failing at `node` with its message.
    pub fn lexical<T, E: std::fmt::Display>(
        &self,
        node: Node,
        parsed: std::result::Result<T, E>,
    ) -> Result<T> {
        parsed.map_err(|e| {
            self.issue(node, ErrorCode::InvalidValue, e.to_string())
                .into()
        })
    }

    /// The claimed `meta.profile` values of a resource element.
    pub fn claimed_profiles(resource: Node<'a, 'i>) -> impl Iterator<Item = &'a str> + Clone {
        // Written out: the adapters' version costs several times as much,
        // and every resource read asks.
        let mut metas = resource.children();
        let mut profiles: Option<super::Children<'a, 'i>> = None;
        std::iter::from_fn(move || loop {
            if let Some(children) = &mut profiles {
                if let Some(profile) = children.find(|p| p.is_element_named("profile")) {
                    match value_attribute(profile) {
                        Some(value) => return Some(value),
                        None => continue,
                    }
                }
            }
            profiles = Some(metas.find(|m| m.is_element_named("meta"))?.children());
        })
    }
}

/// The `value` attribute of an element: the one in no namespace (roxmltree
/// 0.21's `attribute("value")` also matches a namespaced `x:value`).
#[inline]
pub(crate) fn value_attribute<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.attribute("value")
}

#[cfg(test)]
mod tests {
    use super::super::document::{locate, parse_document, too_deep};
    use super::{is_joined, Reader};
    use crate::options::{Mode, ReadOptions};

    fn parse(text: &str) -> super::Document<'_> {
        parse_document(text.as_bytes(), &ReadOptions::default()).unwrap()
    }

    #[test]
    fn repeated_warnings_are_counted_and_a_restore_takes_back_its_counts() {
        use super::ErrorCode::UnknownElement;
        let doc = parse("<a><b/><b/><b/><c/><c/></a>");
        let n: Vec<_> = doc.root_element().children().collect();
        let mut r = Reader::new(&doc, Mode::Lenient);
        r.push("a");
        r.departure(n[0], UnknownElement, "x").unwrap();
        r.departure(n[1], UnknownElement, "x").unwrap();
        let before = r.checkpoint();
        r.departure(n[2], UnknownElement, "x").unwrap();
        r.departure(n[3], UnknownElement, "y").unwrap();
        // Back to one `x` repeated once, then on another way.
        r.restore(before);
        r.departure(n[3], UnknownElement, "y").unwrap();
        r.departure(n[4], UnknownElement, "y").unwrap();
        let messages: Vec<_> = r.take_warnings().into_iter().map(|w| w.message).collect();
        assert_eq!(
            messages,
            [
                "x (and 1 more like it after)",
                "y (and 1 more like it after)"
            ]
        );
        assert!(r.take_warnings().is_empty(), "taken once");
    }

    #[test]
    fn a_warning_in_parts_repeats_as_its_text_does() {
        use super::ErrorCode::UnknownElement;
        /// An unknown element, warned of with `parts`.
        fn warn<'a>(r: &mut Reader<'a, '_>, node: super::Node<'a, '_>, parts: &[&'a str]) {
            r.push(node.tag_name().name());
            r.departure_in_parts(node, UnknownElement, parts).unwrap();
            r.pop();
        }
        let doc = parse("<a><b/><b/><b/><b/><b/><b/><b/><b/></a>");
        let n: Vec<_> = doc.root_element().children().collect();
        let mut r = Reader::new(&doc, Mode::Lenient);
        r.push("a");
        let b = n[0].tag_name().name();
        warn(&mut r, n[0], &["<", b, "> x"]);
        // Its first repeat is told from its text, the next from its parts;
        // other parts of the same text repeat it too.
        warn(&mut r, n[1], &["<", n[1].tag_name().name(), "> x"]);
        warn(&mut r, n[2], &["<", n[2].tag_name().name(), "> x"]);
        warn(&mut r, n[3], &["<b", "> x"]);
        warn(&mut r, n[4], &["<", b, "> y"]); // another message
        warn(&mut r, n[5], &["<", b, "> y"]);
        let before = r.checkpoint();
        warn(&mut r, n[6], &["<", b, "> z"]);
        r.restore(before);
        warn(&mut r, n[6], &["<", b, "> y"]);
        // At another path: not a repeat.
        r.push_index("c", 0);
        warn(&mut r, n[7], &["<", b, "> y"]);
        let warnings: Vec<_> = r
            .take_warnings()
            .into_iter()
            .map(|w| (w.path, w.message))
            .collect();
        assert_eq!(
            warnings,
            [
                ("a.b".into(), "<b> x (and 3 more like it after)".into()),
                ("a.b".into(), "<b> y (and 2 more like it after)".into()),
                ("a.c[0].b".into(), "<b> y".into()),
            ]
        );
    }

    #[test]
    fn locates_paths_down_to_the_last_element_present() {
        let text = "<Bundle>\n <entry><a/></entry>\n <entry>\n  <a/><a><b/></a></entry></Bundle>";
        let doc = parse(text);
        let at = |path| locate(&doc, path);
        assert_eq!(at("Bundle"), Some((1, 1)));
        assert_eq!(at("Bundle.entry[0].a"), Some((2, 9)));
        assert_eq!(at("Bundle.entry[1].a[1].b"), Some((4, 10)));
        assert_eq!(at("Bundle.entry[1].a[1].c.d"), Some((4, 7)));
        assert_eq!(at("Bundle.entry[2]"), Some((1, 1)));
        assert_eq!(at("Parameters.entry"), None);
    }

    #[test]
    fn paths_and_messages_compare_unwritten() {
        let doc = parse("<a/>");
        let mut r = Reader::new(&doc, Mode::Lenient);
        assert!(r.path_is(""));
        r.push("Bundle");
        r.push_index("entry", 12);
        r.push("resource");
        assert_eq!(r.path(), "Bundle.entry[12].resource");
        assert!(r.path_is("Bundle.entry[12].resource"));
        for other in [
            "Bundle.entry[1].resource",
            "Bundle.entry[12]",
            "Bundle.entry[12].resourc",
            "Bundle.entry.resource",
            "Bundle.entry[12].resource.x",
            "",
        ] {
            assert!(!r.path_is(other), "{other}");
        }
        for index in [0, 7, 10, 4_294_967_295] {
            assert_eq!(
                super::fhir_path(&[("a", Some(index)), ("b", None)]),
                format!("a[{index}].b")
            );
        }
        assert!(is_joined("<a> is b", &["<", "a", "> is b"]));
        assert!(!is_joined("<a> is b", &["<", "a", "> is"]));
        assert!(!is_joined("<a> is", &["<", "a", "> is b"]));
    }

    #[test]
    fn newlines_and_ascii_count_every_length() {
        for len in [0, 1, 254, 255, 256, 510, 511, 20_000] {
            for (text, ascii) in [
                (
                    "a\nb".repeat(len).chars().take(len).collect::<String>(),
                    true,
                ),
                ("é\n".repeat(len), false),
                ("\n".repeat(len), true),
            ] {
                let newlines = text.bytes().filter(|&b| b == b'\n').count();
                assert_eq!(
                    super::newlines_and_ascii(&text),
                    (newlines, ascii || text.is_ascii()),
                    "{len}"
                );
            }
        }
    }

    #[test]
    fn positions_agree_with_the_parser_in_any_order() {
        let text = "<a>\n  <b x='é'/><c/>\n\n <d>é<e/></d><f/></a>";
        let reference = roxmltree::Document::parse(text).unwrap();
        let expected: Vec<_> = reference
            .descendants()
            .map(|n| {
                let p = reference.text_pos_at(n.range().start);
                (p.row, p.col)
            })
            .collect();
        let doc = parse(text);
        let nodes: Vec<_> = doc.descendants().collect();
        assert_eq!(nodes.len(), expected.len());
        let r = Reader::new(&doc, Mode::Lenient);
        // Forward, backward, and back and forth.
        let order = (0..nodes.len())
            .chain((0..nodes.len()).rev())
            .chain([3, 1, 6, 2, 8, 0, 5]);
        for i in order {
            let i = i % nodes.len();
            assert_eq!(r.position(nodes[i]), expected[i], "node {i}");
        }
    }

    #[test]
    fn depth_counts_open_elements_only() {
        let text = "<a>\n <b/><!-- <c><c><c> --><?pi <d><d>?><![CDATA[<e><e>]]>\n  <f x='>' y=\"<g>\"><h></h></f></a>";
        assert_eq!(too_deep(text, 3), None);
        // <a><f><h>: the third level is the first too deep for two.
        assert_eq!(too_deep(text, 2), Some((3, 20)));
        assert_eq!(too_deep("<a><b>", 1), Some((1, 4)));
        assert_eq!(too_deep("<a x='unterminated", 0), None);
        assert_eq!(too_deep("<a><!DOCTYPE a>", 0), Some((1, 1)));
    }
}
