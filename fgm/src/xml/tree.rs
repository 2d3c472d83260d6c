//! The document tree the readers walk: elements, attributes, text and
//! comments in document order, their strings borrowed from the input
//! wherever the input holds them as they are.
//!
//! Two builders make the same tree. [`scan`] reads the XML that FHIR
//! messages are written in (ASCII names, the default namespace, the
//! predefined entities and character references, comments) in one pass and
//! gives up, returning `None`, on anything else: a DTD, CDATA, a processing
//! instruction, a namespace prefix, a carriage return, any error. The input
//! then goes to roxmltree, the reference parser, whose tree
//! [`Document::from_roxmltree`] copies: so every input the scanner takes
//! gives the tree roxmltree would, and every error (with its position) is
//! roxmltree's. The tests and the `tree` fuzz target hold the two to that.

use std::collections::HashMap;
use std::fmt;

mod build;
pub(crate) use build::{recycle, Builder};

/// Strings at or past this offset are in the document's own buffer (text
/// the input holds escaped), not in the input.
const OWNED: u32 = 1 << 31;

/// A string of the document: a byte range of the input, or of its own
/// buffer when `start` has the [`OWNED`] bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    const EMPTY: Span = Span { start: 0, end: 0 };
}

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Root = 0,
    Element = 1,
    Text = 2,
    Comment = 3,
    Pi = 4,
}

/// One node, in 28 bytes.
#[derive(Clone, Debug)]
struct NodeData {
    /// The kind (the low three bits) and the namespace (the rest: 0 for
    /// none, `i` for `namespaces[i - 1]`).
    tag: u32,
    parent: u32,
    /// The index just past the node's last descendant.
    end: u32,
    /// An element's name, a processing instruction's target, the text of a
    /// text node or a comment.
    name: Span,
    /// The end of the node's attributes in `attrs`; they start where the
    /// previous node's end.
    attrs_end: u32,
    /// Where the node starts in the input (its `<`, or its first
    /// character).
    start: u32,
}

impl NodeData {
    fn tag(kind: Kind, namespace: u32) -> u32 {
        kind as u32 | namespace << 3
    }

    #[inline]
    fn kind(&self) -> Kind {
        match self.tag & 7 {
            0 => Kind::Root,
            1 => Kind::Element,
            2 => Kind::Text,
            3 => Kind::Comment,
            _ => Kind::Pi,
        }
    }

    #[inline]
    fn namespace(&self) -> u32 {
        self.tag >> 3
    }

    /// Whether the node is an element called `name` (see
    /// [`Node::is_element_named`]).
    #[inline]
    fn is_element_named(&self, doc: &Document, name: &str) -> bool {
        self.is(Kind::Element) && doc.is(self.name, name)
    }

    /// Whether the node is of kind `kind` (one comparison, no decoding).
    #[inline]
    fn is(&self, kind: Kind) -> bool {
        self.tag & 7 == kind as u32
    }
}

#[derive(Clone, Debug)]
struct AttrData {
    name: Span,
    value: Span,
    namespace: u32,
}

/// A parsed XML document: the input text and its tree.
pub struct Document<'i> {
    text: &'i str,
    /// Strings that differ from their text in the input (entities
    /// expanded, white space normalised).
    owned: String,
    nodes: Vec<NodeData>,
    attrs: Vec<AttrData>,
    namespaces: Vec<Span>,
}

impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("nodes", &self.nodes.len())
            .field("root", &self.root_element().tag_name().name())
            .finish()
    }
}

/// A node's index in its document, stable for the document's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The node's place in the table (document order).
    pub(crate) fn index(self) -> u32 {
        self.0
    }
}

/// A node of a [`Document`]: an element, a text, a comment, a processing
/// instruction, or the document root.
#[derive(Clone, Copy)]
pub struct Node<'a, 'i> {
    doc: &'a Document<'i>,
    id: u32,
    data: &'a NodeData,
}

/// An element's name and namespace, looked up when asked for.
#[derive(Clone, Copy)]
pub struct TagName<'a, 'i> {
    node: Node<'a, 'i>,
}

impl<'a, 'i: 'a> TagName<'a, 'i> {
    /// The local name (no prefix).
    #[inline]
    pub fn name(&self) -> &'a str {
        self.node.doc.str(self.node.data.name)
    }

    /// The namespace, if any.
    #[inline]
    pub fn namespace(&self) -> Option<&'a str> {
        self.node.doc.namespace(self.node.data.namespace())
    }

    /// Whether the namespace is the one [`Document::namespace_id`] gave
    /// (one comparison, no lookup).
    #[inline]
    pub(crate) fn is_in(&self, namespace: NamespaceId) -> bool {
        self.node.data.namespace() == namespace.0
    }
}

/// A namespace as its document numbers it (from [`Document::namespace_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NamespaceId(u32);

impl fmt::Debug for TagName<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TagName")
            .field("name", &self.name())
            .field("namespace", &self.namespace())
            .finish()
    }
}

/// An attribute: its local name, namespace and (normalised) value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    name: &'a str,
    namespace: Option<&'a str>,
    value: &'a str,
}

impl<'a> Attribute<'a> {
    /// The local name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The namespace, if any (never the default namespace: XML does not
    /// give it to attributes).
    pub fn namespace(&self) -> Option<&'a str> {
        self.namespace
    }

    /// The value, entities expanded and white space normalised.
    pub fn value(&self) -> &'a str {
        self.value
    }
}

impl<'i> Document<'i> {
    #[inline]
    fn str(&self, span: Span) -> &str {
        if span.start >= OWNED {
            &self.owned[(span.start - OWNED) as usize..(span.end - OWNED) as usize]
        } else {
            &self.text[span.start as usize..span.end as usize]
        }
    }

    /// Whether the text at `span` is `text`: lengths first, so that most
    /// spans are told apart without looking at their text.
    #[inline]
    fn is(&self, span: Span, text: &str) -> bool {
        (span.end - span.start) as usize == text.len() && self.bytes(span) == text.as_bytes()
    }

    /// The bytes at `span`: [`Document::str`] without the checks that its
    /// ends fall on character boundaries, for comparisons. (Written out
    /// beside it: sharing the branch changed what is inlined and cost 2%
    /// more instructions per typed parse.)
    #[inline]
    fn bytes(&self, span: Span) -> &[u8] {
        if span.start >= OWNED {
            &self.owned.as_bytes()[(span.start - OWNED) as usize..(span.end - OWNED) as usize]
        } else {
            &self.text.as_bytes()[span.start as usize..span.end as usize]
        }
    }

    /// An attribute of the table, as text.
    fn attribute(&self, a: &AttrData) -> Attribute<'_> {
        Attribute {
            name: self.str(a.name),
            namespace: self.namespace(a.namespace),
            value: self.str(a.value),
        }
    }

    #[inline]
    fn namespace(&self, index: u32) -> Option<&str> {
        index
            .checked_sub(1)
            .map(|i| self.str(self.namespaces[i as usize]))
    }

    #[inline]
    fn node(&self, id: u32) -> Node<'_, 'i> {
        Node {
            doc: self,
            id,
            data: &self.nodes[id as usize],
        }
    }

    /// The number of namespace `uri` (its first declaration), for quick
    /// [`TagName::is_in`] tests; one no element has when it is not declared.
    pub(crate) fn namespace_id(&self, uri: &str) -> NamespaceId {
        let index = self.namespaces.iter().position(|&n| self.str(n) == uri);
        // Index 0 is no namespace; past the last, no namespace at all.
        NamespaceId(index.map_or(u32::MAX, |i| i as u32 + 1))
    }

    /// The text the document was parsed from.
    pub fn input_text(&self) -> &'i str {
        self.text
    }

    /// The document root: the parent of the root element and of the
    /// comments around it.
    pub fn root(&self) -> Node<'_, 'i> {
        self.node(0)
    }

    /// The root element.
    pub fn root_element(&self) -> Node<'_, 'i> {
        self.root()
            .children()
            .find(Node::is_element)
            .expect("a document has a root element")
    }

    /// Every node, root first, in document order.
    pub fn descendants(&self) -> impl Iterator<Item = Node<'_, 'i>> + '_ {
        self.root().descendants()
    }

    /// The node with this id.
    pub fn get_node(&self, id: NodeId) -> Option<Node<'_, 'i>> {
        ((id.0 as usize) < self.nodes.len()).then(|| self.node(id.0))
    }

    /// How many nodes the tree has, the root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree is the root alone (never, for a parsed document).
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// Copies roxmltree's tree: the slow path, for input [`scan`] does not
    /// take (and the reference the tests compare [`scan`] with).
    pub(crate) fn from_roxmltree<'d>(doc: &'d roxmltree::Document<'i>) -> Document<'i> {
        let text = doc.input_text();
        let mut out = Document {
            text,
            owned: String::new(),
            nodes: Vec::new(),
            attrs: Vec::new(),
            namespaces: Vec::new(),
        };
        let mut known: HashMap<&'d str, u32> = HashMap::new();
        debug_assert!(doc
            .descendants()
            .enumerate()
            .all(|(i, n)| n.id().get_usize() == i));
        let base = text.as_ptr() as usize;
        let span = |owned: &mut String, s: &str| {
            let at = (s.as_ptr() as usize).wrapping_sub(base);
            if at <= text.len() && text.len() - at >= s.len() {
                Span {
                    start: at as u32,
                    end: (at + s.len()) as u32,
                }
            } else {
                let start = owned.len();
                owned.push_str(s);
                Span {
                    start: OWNED + start as u32,
                    end: OWNED + owned.len() as u32,
                }
            }
        };
        for n in doc.descendants() {
            let mut namespace = |out: &mut Document<'i>, ns: Option<&'d str>| match ns {
                None => 0,
                Some(ns) => *known.entry(ns).or_insert_with(|| {
                    let s = span(&mut out.owned, ns);
                    out.namespaces.push(s);
                    out.namespaces.len() as u32
                }),
            };
            let (kind, name, ns) = match n.node_type() {
                roxmltree::NodeType::Root => (Kind::Root, Span::EMPTY, 0),
                roxmltree::NodeType::Element => {
                    let ns = namespace(&mut out, n.tag_name().namespace());
                    (Kind::Element, span(&mut out.owned, n.tag_name().name()), ns)
                }
                roxmltree::NodeType::Text => {
                    (Kind::Text, span(&mut out.owned, n.text().unwrap_or("")), 0)
                }
                roxmltree::NodeType::Comment => (
                    Kind::Comment,
                    span(&mut out.owned, n.text().unwrap_or("")),
                    0,
                ),
                roxmltree::NodeType::PI => (
                    Kind::Pi,
                    span(&mut out.owned, n.pi().map_or("", |p| p.target)),
                    0,
                ),
            };
            for a in n.attributes() {
                let namespace = namespace(&mut out, a.namespace());
                let name = span(&mut out.owned, a.name());
                let value = span(&mut out.owned, a.value());
                out.attrs.push(AttrData {
                    name,
                    value,
                    namespace,
                });
            }
            out.nodes.push(NodeData {
                tag: NodeData::tag(kind, ns),
                parent: n.parent().map_or(0, |p| p.id().get()),
                end: out.nodes.len() as u32 + 1,
                name,
                attrs_end: out.attrs.len() as u32,
                start: n.range().start as u32,
            });
        }
        // Parents come before their children: the end of each subtree is
        // the largest end below it.
        for i in (1..out.nodes.len()).rev() {
            let (parent, end) = (out.nodes[i].parent as usize, out.nodes[i].end);
            out.nodes[parent].end = out.nodes[parent].end.max(end);
        }
        out
    }
}

impl PartialEq for Node<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && std::ptr::eq(self.doc, other.doc)
    }
}

impl Eq for Node<'_, '_> {}

impl fmt::Debug for Node<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.data.kind() {
            Kind::Root => write!(f, "Root"),
            Kind::Element => write!(f, "Element({:?})", self.tag_name()),
            Kind::Text => write!(f, "Text({:?})", self.doc.str(self.data.name)),
            Kind::Comment => write!(f, "Comment({:?})", self.doc.str(self.data.name)),
            Kind::Pi => write!(f, "Pi({:?})", self.doc.str(self.data.name)),
        }
    }
}

impl<'a, 'i: 'a> Node<'a, 'i> {
    /// The node's id.
    pub fn id(&self) -> NodeId {
        NodeId(self.id)
    }

    /// The document the node is in.
    pub fn document(&self) -> &'a Document<'i> {
        self.doc
    }

    /// Whether it is an element.
    pub fn is_element(&self) -> bool {
        self.data.is(Kind::Element)
    }

    /// Whether it is text.
    pub fn is_text(&self) -> bool {
        self.data.is(Kind::Text)
    }

    /// Whether it is a comment.
    pub fn is_comment(&self) -> bool {
        self.data.is(Kind::Comment)
    }

    /// Whether it is the document root.
    pub fn is_root(&self) -> bool {
        self.data.is(Kind::Root)
    }

    /// An element's name and namespace (empty for other nodes; a processing
    /// instruction's target).
    #[inline]
    pub fn tag_name(&self) -> TagName<'a, 'i> {
        TagName { node: *self }
    }

    /// The text of a text node or a comment; of an element, the text of
    /// its first child when that is text.
    pub fn text(&self) -> Option<&'a str> {
        match self.data.kind() {
            Kind::Text | Kind::Comment => Some(self.doc.str(self.data.name)),
            Kind::Element => self
                .first_child()
                .filter(Node::is_text)
                .map(|c| self.doc.str(c.data.name)),
            Kind::Root | Kind::Pi => None,
        }
    }

    /// The attributes, in document order (namespace declarations are not
    /// attributes).
    pub fn attributes(&self) -> impl ExactSizeIterator<Item = Attribute<'a>> + 'a {
        let doc = self.doc;
        self.attribute_data().iter().map(move |a| doc.attribute(a))
    }

    /// The attributes in the table (they follow the previous node's).
    #[inline]
    fn attribute_data(&self) -> &'a [AttrData] {
        let first = match self.id {
            0 => 0,
            id => self.doc.nodes[id as usize - 1].attrs_end,
        };
        &self.doc.attrs[first as usize..self.data.attrs_end as usize]
    }

    /// The value of the attribute `name` in no namespace.
    #[inline] // `name` is known where it is called: compared in place
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        // Compared on the table, lengths first: only the value found is
        // looked up.
        let doc = self.doc;
        self.attribute_data()
            .iter()
            .find(|a| a.namespace == 0 && doc.is(a.name, name))
            .map(|a| doc.str(a.value))
    }

    /// The value of the attribute `name` in no namespace when the node has
    /// no other attribute (`Ok(None)` when it has none at all), else the
    /// first other attribute: a primitive element's `value`, looked up on
    /// the table with only the value found turned into text.
    #[inline] // `name` is known where it is called: compared in place
    pub fn sole_attribute(&self, name: &str) -> Result<Option<&'a str>, Attribute<'a>> {
        let doc = self.doc;
        let mut value = None;
        for a in self.attribute_data() {
            if a.namespace != 0 || !doc.is(a.name, name) {
                return Err(doc.attribute(a));
            }
            value = Some(a.value);
        }
        Ok(value.map(|v| doc.str(v)))
    }

    /// The parent (none for the root).
    pub fn parent(&self) -> Option<Node<'a, 'i>> {
        (self.id != 0).then(|| self.doc.node(self.data.parent))
    }

    /// The first child.
    pub fn first_child(&self) -> Option<Node<'a, 'i>> {
        (self.id + 1 < self.data.end).then(|| self.doc.node(self.id + 1))
    }

    /// The first child that is an element.
    pub fn first_element_child(&self) -> Option<Node<'a, 'i>> {
        self.children().find(Node::is_element)
    }

    /// Whether it has children.
    pub fn has_children(&self) -> bool {
        self.id + 1 < self.data.end
    }

    /// The next sibling.
    pub fn next_sibling(&self) -> Option<Node<'a, 'i>> {
        let next = self.data.end;
        (self.id != 0
            && (next as usize) < self.doc.nodes.len()
            && self.doc.nodes[next as usize].parent == self.data.parent)
            .then(|| self.doc.node(next))
    }

    /// The children, in document order.
    pub fn children(&self) -> Children<'a, 'i> {
        Children {
            next: self.first_child(),
        }
    }

    /// This node and its ancestors, up to the root.
    pub fn ancestors(&self) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        std::iter::successors(Some(*self), Node::parent)
    }

    /// This node and everything below it, in document order.
    pub fn descendants(&self) -> impl ExactSizeIterator<Item = Node<'a, 'i>> + 'a {
        let doc = self.doc;
        (self.id..self.data.end).map(move |i| doc.node(i))
    }

    /// The elements called `name` below this node, in document order (a
    /// walk over the node table, with no node built for the others).
    pub fn descendants_named(&self, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        let doc = self.doc;
        let first = self.id as usize + 1;
        doc.nodes[first..self.data.end as usize]
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.is_element_named(doc, name))
            .map(move |(i, _)| doc.node((first + i) as u32))
    }

    /// The child elements called `name`, in document order.
    pub fn children_named(&self, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        self.children().filter(move |c| c.is_element_named(name))
    }

    /// The first child element called `name`.
    #[inline] // `name` is known where it is called: compared in place
    pub fn child_named(&self, name: &str) -> Option<Node<'a, 'i>> {
        self.children().find(|c| c.is_element_named(name))
    }

    /// Whether this is an element called `name` (lengths compared first:
    /// most names differ in length, and then no text is looked at).
    #[inline]
    pub fn is_element_named(&self, name: &str) -> bool {
        self.data.is_element_named(self.doc, name)
    }

    /// This node and its siblings after it.
    pub fn next_siblings(&self) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        std::iter::successors(Some(*self), Node::next_sibling)
    }

    /// The `value` attribute of the element at the path of child names
    /// below this one (`&["period", "start"]`): how FHIR holds a primitive.
    pub fn value_at(&self, names: &[&str]) -> Option<&'a str> {
        let mut at = *self;
        for name in names {
            at = at.child_named(name)?;
        }
        at.attribute("value")
    }

    /// The byte offset in the input where the node starts (its `<`, or its
    /// first character).
    pub fn start(&self) -> usize {
        self.data.start as usize
    }

    /// How many bytes of the input the node and everything below it take,
    /// up to where the next node starts (an estimate of its size as text).
    pub(crate) fn source_len(&self) -> usize {
        let next = self.doc.nodes.get(self.data.end as usize);
        next.map_or(self.doc.text.len(), |n| n.start as usize)
            .saturating_sub(self.start())
    }
}

/// The children of a node.
#[derive(Clone)]
pub struct Children<'a, 'i> {
    next: Option<Node<'a, 'i>>,
}

impl<'a, 'i: 'a> Iterator for Children<'a, 'i> {
    type Item = Node<'a, 'i>;

    #[inline]
    fn next(&mut self) -> Option<Node<'a, 'i>> {
        let node = self.next?;
        self.next = node.next_sibling();
        Some(node)
    }
}

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
        let lt = super::read::count_bytes(text, b'<');
        Some(Scanner {
            doc: Document {
                text,
                owned: String::new(),
                // Every `<` starts at most one element or comment, and
                // text comes between: at most twice as many nodes (capacity
                // that is never touched costs no memory).
                nodes: Vec::with_capacity(2 * lt + 2),
                attrs: Vec::with_capacity(lt),
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
                self.doc.attrs.push(AttrData {
                    name: attr,
                    value,
                    namespace: 0,
                });
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
                    self.push(Kind::Text, text, parent, text_start)?;
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
                    char::from_u32(n).filter(|&c| crate::primitive::is_xml_char(c))?
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

/// Holds [`scan`] to roxmltree on `text`: `Ok(true)` when the scanner
/// takes it and roxmltree reads it, within the same limits, into the same
/// tree; `Ok(false)` when the scanner leaves it to roxmltree; the first
/// difference otherwise. For the tests and the `tree` fuzz target.
#[doc(hidden)]
pub fn check_scan(text: &str, max_nodes: u32, max_depth: usize) -> Result<bool, String> {
    let Some(scanned) = scan(text, max_nodes, max_depth) else {
        return Ok(false);
    };
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: max_nodes,
        ..roxmltree::ParsingOptions::default()
    };
    let reference = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("scanned, but roxmltree refuses it: {e}"))?;
    let reference = Document::from_roxmltree(&reference);
    let depth = reference
        .descendants()
        .map(|n| n.ancestors().filter(Node::is_element).count())
        .max()
        .unwrap_or(0);
    if depth > max_depth {
        return Err(format!("scanned, but it nests {depth} deep"));
    }
    let (a, b) = (describe(&scanned), describe(&reference));
    match a.iter().zip(&b).position(|(x, y)| x != y) {
        None if a.len() == b.len() => Ok(true),
        None => Err(format!("{} nodes scanned, {} read", a.len(), b.len())),
        Some(i) => Err(format!("node {i}: scanned {}, read {}", a[i], b[i])),
    }
}

/// Each node of `doc` as text: what both builders must agree on.
fn describe(doc: &Document) -> Vec<String> {
    doc.descendants()
        .map(|n| {
            let attrs: Vec<_> = n
                .attributes()
                .map(|a| format!("{}|{:?}={:?}", a.name(), a.namespace(), a.value()))
                .collect();
            format!(
                "{n:?} ns={:?} parent={:?} next={:?} first={:?} text={:?} start={} attrs={attrs:?}",
                n.tag_name().namespace(),
                n.parent().map(|p| p.id()),
                n.next_sibling().map(|p| p.id()),
                n.first_child().map(|p| p.id()),
                n.text(),
                n.start(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
