//! The document tree the readers walk: elements, attributes, text and
//! comments in document order, their strings borrowed from the input
//! wherever the input holds them as they are.
//!
//! Three builders make it, each in its own file: `scan.rs` (the one-pass
//! scanner), [`Document::from_roxmltree`] (a copy of roxmltree's tree), and
//! `build.rs` (from a writer's events, for a value in hand); `check.rs`
//! holds the scanner to roxmltree.
//!
//! The first two make the same tree. [`scan`] reads the XML that FHIR
//! messages are written in (ASCII names, the default namespace, the
//! predefined entities and character references, comments, carriage
//! returns rewritten as XML rewrites them) in one pass.
//! Where that XML is malformed, `fault.rs` works out the error roxmltree
//! would report (variant and position) when it can be certain of it. On
//! anything else the scanner gives up ([`Scanned::GiveUp`]): a DTD, CDATA,
//! a processing instruction, a namespace prefix, text with both a
//! reference and a carriage return, an error it is not certain of. The input then goes to roxmltree, the
//! reference parser, whose tree [`Document::from_roxmltree`] copies: so
//! every input the scanner takes gives the tree roxmltree would, and every
//! error (with its position) is roxmltree's. The tests and the `tree` fuzz
//! target hold the two to that.

use std::collections::HashMap;
use std::fmt;

mod build;
mod check;
mod fault;
mod scan;
pub(crate) use build::{recycle, Builder};
pub use check::check_scan;
pub use scan::{scan, Scanned};

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
    /// Text of XML white space only (a [`Kind::Text`] to every reader but
    /// the derived ones, which skip it unlooked at).
    Blank = 5,
}

impl Kind {
    /// The kind of a text node of `text`: [`Kind::Blank`] or
    /// [`Kind::Text`]. In a document's text the only bytes at or below a
    /// space are XML's four white-space characters (XML 1.0's `Char`
    /// excludes the other controls), so one comparison a byte tells it;
    /// without stopping early, so that the test vectorises.
    #[inline]
    fn of_text(text: &[u8]) -> Kind {
        if text.iter().fold(true, |all, &b| all & (b <= b' ')) {
            Kind::Blank
        } else {
            Kind::Text
        }
    }
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
            4 => Kind::Pi,
            _ => Kind::Blank,
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

/// One attribute, in 16 bytes: its namespace, which FHIR's attributes
/// never have, is kept beside the table ([`Document::attr_namespaces`]).
#[derive(Clone, Debug)]
struct AttrData {
    name: Span,
    value: Span,
}

/// A parsed XML document: the input text and its tree.
pub struct Document<'i> {
    text: &'i str,
    /// Strings that differ from their text in the input (entities
    /// expanded, white space normalised).
    owned: String,
    nodes: Vec<NodeData>,
    attrs: Vec<AttrData>,
    /// Each attribute's namespace (0 for none, `i` for `namespaces[i -
    /// 1]`), one for each of `attrs`; none when no attribute has one
    /// (always, in the trees the scanner and the builder make). A boxed
    /// slice, not a `Vec`: the document stays within 128 bytes, which
    /// libc's `memcpy` moves (into and out of the builder's spare) in
    /// fewer instructions.
    attr_namespaces: Option<Box<[u32]>>,
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

impl NamespaceId {
    /// No namespace.
    pub(crate) const NONE: NamespaceId = NamespaceId(0);
}

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

    /// The attribute at `index` in the table, as text.
    #[inline]
    fn attribute(&self, index: usize) -> Attribute<'_> {
        let a = &self.attrs[index];
        Attribute {
            name: self.str(a.name),
            namespace: self.namespace(self.attr_namespace(index)),
            value: self.str(a.value),
        }
    }

    /// The namespace of the attribute at `index` in the table (0 for none).
    #[inline]
    fn attr_namespace(&self, index: usize) -> u32 {
        self.attr_namespaces.as_deref().map_or(0, |n| n[index])
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
            attr_namespaces: None,
            namespaces: Vec::new(),
        };
        let mut attr_namespaces = Vec::new();
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
                    let text = n.text().unwrap_or("");
                    (
                        Kind::of_text(text.as_bytes()),
                        span(&mut out.owned, text),
                        0,
                    )
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
                out.attrs.push(AttrData { name, value });
                attr_namespaces.push(namespace);
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
        if attr_namespaces.iter().any(|&n| n != 0) {
            out.attr_namespaces = Some(attr_namespaces.into_boxed_slice());
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
            Kind::Text | Kind::Blank => write!(f, "Text({:?})", self.doc.str(self.data.name)),
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
        self.data.is(Kind::Text) || self.data.is(Kind::Blank)
    }

    /// Whether it is text of XML white space only (told when the tree was
    /// built).
    #[inline]
    pub fn is_blank(&self) -> bool {
        self.data.is(Kind::Blank)
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
            Kind::Text | Kind::Blank | Kind::Comment => Some(self.doc.str(self.data.name)),
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
        self.attribute_range().map(move |i| doc.attribute(i))
    }

    /// Where the node's attributes are in the table (they follow the
    /// previous node's).
    #[inline]
    fn attribute_range(&self) -> std::ops::Range<usize> {
        let first = match self.id {
            0 => 0,
            id => self.doc.nodes[id as usize - 1].attrs_end,
        };
        first as usize..self.data.attrs_end as usize
    }

    /// The attributes in the table.
    #[inline]
    fn attribute_data(&self) -> &'a [AttrData] {
        &self.doc.attrs[self.attribute_range()]
    }

    /// Whether no attribute of the document has a namespace (the trees of
    /// the scanner and the builder): then names alone are compared.
    #[inline]
    fn no_attribute_namespaces(&self) -> bool {
        self.doc.attr_namespaces.is_none()
    }

    /// The value of the attribute `name` in no namespace.
    #[inline] // `name` is known where it is called: compared in place
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        // Compared on the table, lengths first: only the value found is
        // looked up.
        let doc = self.doc;
        if self.no_attribute_namespaces() {
            return self
                .attribute_data()
                .iter()
                .find(|a| doc.is(a.name, name))
                .map(|a| doc.str(a.value));
        }
        self.attribute_range()
            .find(|&i| doc.attr_namespace(i) == 0 && doc.is(doc.attrs[i].name, name))
            .map(|i| doc.str(doc.attrs[i].value))
    }

    /// The value of the attribute `name` in no namespace when the node has
    /// no other attribute (`Ok(None)` when it has none at all), else the
    /// first other attribute: a primitive element's `value`, looked up on
    /// the table with only the value found turned into text.
    #[inline] // `name` is known where it is called: compared in place
    pub fn sole_attribute(&self, name: &str) -> Result<Option<&'a str>, Attribute<'a>> {
        let doc = self.doc;
        let plain = self.no_attribute_namespaces();
        let mut value = None;
        for i in self.attribute_range() {
            let a = &doc.attrs[i];
            if !(plain || doc.attr_namespace(i) == 0) || !doc.is(a.name, name) {
                return Err(doc.attribute(i));
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

#[cfg(test)]
mod tests;
