//! The third way to make the tree: from a writer's events, for a value
//! already in hand (the typed message Spine's rules walk), with no text
//! written and none parsed. Every string is the document's own; no node
//! has a position in an input (each starts at 0).

use super::{AttrData, Document, Kind, NodeData, NodeId, Span, OWNED};
use crate::xml::{parse_document, ReadOptions, FHIR_NS, MAX_DEPTH};

/// Builds a [`Document`] from `start` / `attr` / `text` / `end` events, as
/// [`Writer::tree`](crate::xml::Writer::tree) sends them.
pub(crate) struct Builder {
    doc: Document<'static>,
    /// The open elements and their namespaces, innermost last.
    open: Vec<(u32, u32)>,
    /// The elements marked as resources that conform to no profile.
    marked: Vec<NodeId>,
    /// Whether the next element opened is to be marked.
    mark_next: bool,
    /// `value`, the name of most attributes, held once.
    value: Span,
}

thread_local! {
    /// The buffers of the last tree given back ([`recycle`]), for the next
    /// one built on this thread: a tree per validation costs no allocation.
    static SPARE: std::cell::Cell<Option<Document<'static>>> = const { std::cell::Cell::new(None) };
}

/// Gives a tree's buffers back for the next [`Builder`] on this thread.
pub(crate) fn recycle(mut doc: Document<'static>) {
    doc.owned.clear();
    doc.nodes.clear();
    doc.attrs.clear();
    doc.namespaces.clear();
    SPARE.set(Some(doc));
}

impl Builder {
    /// The root alone, the FHIR namespace known as namespace 1.
    pub(crate) fn new() -> Builder {
        let doc = SPARE.take().unwrap_or_else(|| Document {
            text: "",
            // An FGM message: some 150 nodes, 100 values, 2 KiB of text.
            owned: String::with_capacity(2048),
            nodes: Vec::with_capacity(192),
            attrs: Vec::with_capacity(128),
            attr_namespaces: None,
            namespaces: Vec::new(),
        });
        let mut b = Builder {
            doc,
            open: Vec::with_capacity(16),
            marked: Vec::new(),
            mark_next: false,
            value: Span::EMPTY,
        };
        b.doc.nodes.push(NodeData {
            tag: NodeData::tag(Kind::Root, 0),
            parent: 0,
            end: 1,
            name: Span::EMPTY,
            attrs_end: 0,
            start: 0,
        });
        b.open.push((0, 0));
        b.namespace(FHIR_NS);
        b.value = b.own("value");
        b
    }

    fn own(&mut self, s: &str) -> Span {
        let start = self.doc.owned.len();
        self.doc.owned.push_str(s);
        Span {
            start: OWNED + start as u32,
            end: OWNED + self.doc.owned.len() as u32,
        }
    }

    /// The number of namespace `uri`, added when new.
    fn namespace(&mut self, uri: &str) -> u32 {
        let known = self
            .doc
            .namespaces
            .iter()
            .position(|&n| self.doc.str(n) == uri);
        match known {
            Some(i) => i as u32 + 1,
            None => {
                let span = self.own(uri);
                self.doc.namespaces.push(span);
                self.doc.namespaces.len() as u32
            }
        }
    }

    fn push(&mut self, kind: Kind, namespace: u32, name: Span) -> u32 {
        let id = self.doc.nodes.len() as u32;
        self.doc.nodes.push(NodeData {
            tag: NodeData::tag(kind, namespace),
            parent: self.open.last().expect("the root stays open").0,
            end: id + 1,
            name,
            attrs_end: self.doc.attrs.len() as u32,
            start: 0,
        });
        id
    }

    /// Opens element `name`, in namespace `ns` or in its parent's (the
    /// root element: the FHIR namespace).
    pub(crate) fn start(&mut self, name: &str, ns: Option<&str>) {
        let namespace = match ns {
            Some(uri) => self.namespace(uri),
            None => self.inherited_namespace(),
        };
        let id = self.element(name, namespace);
        self.open.push((id, namespace));
    }

    /// The namespace an element takes from its parent (the root element:
    /// the FHIR namespace).
    fn inherited_namespace(&self) -> u32 {
        match self.open[..] {
            [_root] => 1,
            [.., (_, namespace)] => namespace,
            [] => unreachable!("the root stays open"),
        }
    }

    /// A new element node, marked if asked.
    fn element(&mut self, name: &str, namespace: u32) -> u32 {
        let name = self.own(name);
        let id = self.push(Kind::Element, namespace, name);
        if std::mem::take(&mut self.mark_next) {
            self.marked.push(NodeId(id));
        }
        id
    }

    /// `<name value="…"/>`: a primitive element, opened and closed at once.
    pub(crate) fn value_element(&mut self, name: &str, value: &str) {
        let namespace = self.inherited_namespace();
        self.element(name, namespace);
        self.attr("value", value);
    }

    /// An attribute of the element just opened.
    pub(crate) fn attr(&mut self, name: &str, value: &str) {
        let name = match name {
            "value" => self.value,
            _ => self.own(name),
        };
        let value = self.own(value);
        self.doc.attrs.push(AttrData { name, value });
        let last = self.doc.nodes.last_mut().expect("an element is open");
        last.attrs_end = self.doc.attrs.len() as u32;
    }

    /// Text content.
    pub(crate) fn text(&mut self, text: &str) {
        let span = self.own(text);
        self.push(Kind::of_text(text.as_bytes()), 0, span);
    }

    /// Closes the innermost open element.
    pub(crate) fn end(&mut self) {
        if self.open.len() > 1 {
            let (id, _) = self.open.pop().expect("checked");
            self.doc.nodes[id as usize].end = self.doc.nodes.len() as u32;
        }
    }

    /// Marks the next element opened (a resource kept as read because it
    /// conforms to none of the profiles allowed where it is).
    pub(crate) fn mark_next(&mut self) {
        self.mark_next = true;
    }

    /// XML already written (kept unknown content, a narrative `div`),
    /// parsed and added in its place: its elements in the namespaces it
    /// declares, the others in the enclosing element's.
    pub(crate) fn raw(&mut self, xml: &str) {
        let namespace = self.open.last().expect("the root stays open").1;
        let uri = match namespace {
            0 => FHIR_NS,
            n => self.doc.str(self.doc.namespaces[n as usize - 1]),
        };
        let mut wrapped = String::with_capacity(xml.len() + uri.len() + 20);
        for part in ["<r xmlns=\"", uri, "\">", xml, "</r>"] {
            wrapped.push_str(part);
        }
        // What the types hold is well-formed, and almost always what the
        // one-pass scanner reads; a fragment that is not is left out
        // rather than guessed at.
        let unlimited = ReadOptions::default()
            .with_max_bytes(usize::MAX)
            .with_max_nodes(u32::MAX);
        let fragment = match super::scan(&wrapped, u32::MAX, MAX_DEPTH) {
            super::Scanned::Tree(fragment) => fragment,
            _ => match parse_document(wrapped.as_bytes(), &unlimited) {
                Ok(fragment) => fragment,
                Err(_) => return,
            },
        };
        for child in fragment.root_element().children() {
            self.copy(child);
        }
    }

    fn copy(&mut self, node: crate::xml::Node) {
        if node.is_text() {
            self.text(node.text().unwrap_or_default());
        } else if node.is_element() {
            self.start(node.tag_name().name(), node.tag_name().namespace());
            for a in node.attributes() {
                self.attr(a.name(), a.value());
            }
            for child in node.children() {
                self.copy(child);
            }
            self.end();
        }
    }

    /// The document, every element closed, and the elements marked.
    pub(crate) fn finish(mut self) -> (Document<'static>, Vec<NodeId>) {
        while self.open.len() > 1 {
            self.end();
        }
        self.doc.nodes[0].end = self.doc.nodes.len() as u32;
        (self.doc, self.marked)
    }
}
