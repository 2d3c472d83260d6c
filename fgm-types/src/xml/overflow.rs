//! Content that lenient reading keeps although the profile does not define
//! it, so that writing gives it back.

use roxmltree::Node;

use super::write::Writer;
use super::FHIR_NS;

/// Unknown attributes and elements of one element, kept as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overflow {
    /// Unknown attributes, in document order.
    pub attributes: Vec<(String, String)>,
    /// Unknown child elements, each with the number of known child elements
    /// that preceded it (where it goes back when written).
    pub elements: Vec<(usize, XmlTree)>,
}

impl Overflow {
    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.elements.is_empty()
    }

    /// Writes the kept attributes.
    pub fn write_attributes(&self, w: &mut Writer) {
        for (name, value) in &self.attributes {
            w.attr(name, value);
        }
    }

    /// Writes the kept elements that came after `known` known children.
    pub fn write_elements(&self, w: &mut Writer, known: usize) {
        for (anchor, tree) in &self.elements {
            if *anchor == known {
                tree.write(w, None);
            }
        }
    }

    /// Writes the kept elements that came after the last known child.
    pub fn write_rest(&self, w: &mut Writer, known: usize) {
        for (anchor, tree) in &self.elements {
            if *anchor >= known {
                tree.write(w, None);
            }
        }
    }
}

/// An XML element kept as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlTree {
    /// Local name.
    pub name: String,
    /// Namespace, when neither FHIR nor none.
    pub namespace: Option<String>,
    /// Attributes, in order.
    pub attributes: Vec<(String, String)>,
    /// Children: elements and non-blank text.
    pub children: Vec<XmlContent>,
}

/// A child of a kept element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlContent {
    /// An element.
    Element(XmlTree),
    /// Text.
    Text(String),
}

impl XmlTree {
    /// Copies an element and everything below it (comments dropped, blank
    /// text dropped: in FHIR XML it is insignificant).
    pub fn from_node(node: Node) -> XmlTree {
        XmlTree::copy(node, false)
    }

    /// Copies an element and everything below it, blank text included (the
    /// narrative's XHTML).
    pub fn from_node_with_text(node: Node) -> XmlTree {
        XmlTree::copy(node, true)
    }

    fn copy(node: Node, blank: bool) -> XmlTree {
        let namespace = node
            .tag_name()
            .namespace()
            .filter(|ns| *ns != FHIR_NS)
            .map(str::to_owned);
        XmlTree {
            name: node.tag_name().name().to_owned(),
            namespace,
            attributes: node
                .attributes()
                .map(|a| (a.name().to_owned(), a.value().to_owned()))
                .collect(),
            children: node
                .children()
                .filter_map(|c| {
                    if c.is_element() {
                        Some(XmlContent::Element(XmlTree::copy(c, blank)))
                    } else if c.is_text() {
                        c.text()
                            .filter(|t| blank || !t.trim().is_empty())
                            .map(|t| XmlContent::Text(t.to_owned()))
                    } else {
                        None
                    }
                })
                .collect(),
        }
    }

    /// Writes the element, declaring its namespace where it changes.
    pub fn write(&self, w: &mut Writer, parent_ns: Option<&str>) {
        match &self.namespace {
            Some(ns) if Some(ns.as_str()) != parent_ns => w.start_ns(&self.name, ns),
            _ => w.start(&self.name),
        }
        for (name, value) in &self.attributes {
            w.attr(name, value);
        }
        for child in &self.children {
            match child {
                XmlContent::Element(e) => e.write(w, self.namespace.as_deref()),
                XmlContent::Text(t) => w.text(t),
            }
        }
        w.end();
    }
}
