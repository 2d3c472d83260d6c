//! Content that lenient reading keeps although the profile does not define
//! it, so that writing gives it back.

use std::fmt;

use super::tree::Node;

use super::write::Writer;
use super::FHIR_NS;
use crate::markup::{escape_into, push_attribute};

/// Unknown attributes and elements of one element, kept as read so that
/// writing gives them back. Empty (the usual case), it is one null pointer
/// and allocates nothing; each kept element is kept as compact XML text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overflow(Option<Box<Kept>>);

#[derive(Clone, PartialEq, Eq, Default)]
struct Kept {
    /// Unknown attributes, in document order.
    attributes: Vec<(String, String)>,
    /// The kept elements, written one after another.
    xml: String,
    /// The kept elements in runs that go back to the same place: the number
    /// of known child elements before them, and where the run's text ends
    /// in `xml` (32 bits each: inputs are bounded far below 4 GiB). One
    /// entry for many siblings, not one each: the elements of a run are
    /// told apart in its text (see [`Elements`]).
    runs: Vec<(u32, u32)>,
}

impl fmt::Debug for Kept {
    /// As when each element had its own entry: (anchor, end), one each.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut end = 0;
        let elements: Vec<(u32, u32)> = self
            .runs()
            .flat_map(|(anchor, xml)| Elements(xml).map(move |e| (anchor, e)))
            .map(|(anchor, e)| {
                end += e.len() as u32;
                (anchor as u32, end)
            })
            .collect();
        f.debug_struct("Kept")
            .field("attributes", &self.attributes)
            .field("xml", &self.xml)
            .field("elements", &elements)
            .finish()
    }
}

impl Kept {
    /// Each run: its anchor and its text.
    fn runs(&self) -> impl Iterator<Item = (usize, &str)> {
        let starts = std::iter::once(0).chain(self.runs.iter().map(|r| r.1));
        self.runs.iter().zip(starts).map(|(&(anchor, end), start)| {
            (anchor as usize, &self.xml[start as usize..end as usize])
        })
    }
}

/// The elements one after another in a run's text, split where each ends:
/// the text is written by [`write_node`], whose text and attribute values
/// escape `<` and `>`, so that these are markup alone.
struct Elements<'a>(&'a str);

impl<'a> Iterator for Elements<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.0.as_bytes();
        let mut depth = 0usize;
        let mut end_tag = false;
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'<' => end_tag = bytes.get(i + 1) == Some(&b'/'),
                b'>' => {
                    if end_tag {
                        depth = depth.saturating_sub(1);
                    } else if bytes[..i].last() != Some(&b'/') {
                        depth += 1;
                    }
                    if depth == 0 {
                        let (element, rest) = self.0.split_at(i + 1);
                        self.0 = rest;
                        return Some(element);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

impl Overflow {
    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The kept attributes (name, value), in document order.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|k| k.attributes.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// The kept elements, in document order: for each, the number of known
    /// child elements before it and the element as XML text (compact, its
    /// namespace declared where it is not FHIR's; comments and blank text
    /// dropped).
    pub fn elements(&self) -> impl Iterator<Item = (usize, &str)> {
        self.0.iter().flat_map(|k| {
            k.runs()
                .flat_map(|(anchor, xml)| Elements(xml).map(move |e| (anchor, e)))
        })
    }

    fn kept(&mut self) -> &mut Kept {
        self.0.get_or_insert_with(Box::default)
    }

    /// Keeps an attribute.
    pub fn push_attribute(&mut self, name: &str, value: &str) {
        self.kept()
            .attributes
            .push((name.to_owned(), value.to_owned()));
    }

    /// Keeps an element and everything below it, after `anchor` known
    /// children.
    pub fn push_element(&mut self, anchor: usize, node: Node) {
        let kept = self.kept();
        // Room for it at once, not grown as it is written.
        kept.xml.reserve(node.source_len());
        write_node(&mut kept.xml, node, FHIR_NS);
        let (anchor, end) = (anchor as u32, kept.xml.len() as u32);
        match kept.runs.last_mut() {
            Some(run) if run.0 == anchor => run.1 = end,
            _ => kept.runs.push((anchor, end)),
        }
    }

    /// Writes the kept attributes.
    #[inline]
    pub fn write_attributes(&self, w: &mut Writer) {
        // Asked of every element written: the usual empty case is a test
        // in the caller, the rest out of line.
        if let Some(kept) = &self.0 {
            kept.write_attributes(w);
        }
    }

    /// Writes the kept elements that came after `known` known children.
    #[inline]
    pub fn write_elements(&self, w: &mut Writer, known: usize) {
        // Asked before every element written: the usual empty case is a
        // test in the caller, the rest out of line.
        if let Some(kept) = &self.0 {
            kept.write_elements(w, |anchor| anchor == known);
        }
    }

    /// Writes the kept elements that came after the last known child.
    #[inline]
    pub fn write_rest(&self, w: &mut Writer, known: usize) {
        if let Some(kept) = &self.0 {
            kept.write_elements(w, |anchor| anchor >= known);
        }
    }
}

impl Kept {
    fn write_attributes(&self, w: &mut Writer) {
        for (name, value) in &self.attributes {
            w.attr(name, value);
        }
    }

    /// Writes the kept elements whose anchor `at` takes.
    fn write_elements(&self, w: &mut Writer, at: impl Fn(usize) -> bool) {
        for (anchor, xml) in self.runs() {
            if at(anchor) {
                Elements(xml).for_each(|e| w.raw(e));
            }
        }
    }
}

/// Writes `node` and everything below it as compact XML, declaring its
/// namespace where it differs from `outer`, the namespace it is written in.
/// An element in no namespace is taken as FHIR's (what lenient reading
/// accepts); attribute namespaces, comments and blank text are dropped.
fn write_node(out: &mut String, node: Node, outer: &str) {
    let name = node.tag_name().name();
    let ns = node.tag_name().namespace().unwrap_or(FHIR_NS);
    out.push('<');
    out.push_str(name);
    if ns != outer {
        push_attribute(out, "xmlns", ns);
    }
    for a in node.attributes() {
        push_attribute(out, a.name(), a.value());
    }
    let mut open = false;
    for child in node.children() {
        let text = child
            .text()
            .filter(|t| child.is_text() && !t.trim().is_empty());
        if !child.is_element() && text.is_none() {
            continue;
        }
        if !open {
            out.push('>');
            open = true;
        }
        match text {
            Some(t) => escape_into(out, t, false),
            None => write_node(out, child, ns),
        }
    }
    if open {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    } else {
        out.push_str("/>");
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

#[cfg(test)]
mod tests {
    use super::Overflow;

    #[test]
    fn keeps_elements_as_compact_xml_in_their_namespaces() {
        let reference = roxmltree::Document::parse(
            "<r xmlns='http://hl7.org/fhir' xmlns:x='urn:x'>\
             <a v='1 &amp; &quot;2&quot;'>\n  <!-- c --><b>t&lt;</b>\n</a>\
             <x:c><d/><y xmlns='urn:y'><e/></y></x:c><f/></r>",
        )
        .unwrap();
        let doc = crate::xml::Document::from_roxmltree(&reference);
        let mut kept = Overflow::default();
        assert!(kept.is_empty());
        let children: Vec<_> = doc
            .root_element()
            .children()
            .filter(|n| n.is_element())
            .collect();
        kept.push_element(0, children[0]);
        kept.push_element(2, children[1]);
        kept.push_attribute("y", "<");
        assert!(!kept.is_empty());
        let elements: Vec<_> = kept.elements().collect();
        assert_eq!(
            elements,
            [
                (0, "<a v=\"1 &amp; &quot;2&quot;\"><b>t&lt;</b></a>"),
                (
                    2,
                    "<c xmlns=\"urn:x\"><d xmlns=\"http://hl7.org/fhir\"/><y xmlns=\"urn:y\"><e/></y></c>"
                ),
            ]
        );
        assert_eq!(kept.attributes().collect::<Vec<_>>(), [("y", "<")]);
    }

    #[test]
    fn siblings_kept_in_one_run_come_back_one_by_one() {
        let reference = roxmltree::Document::parse(
            "<r xmlns='http://hl7.org/fhir'><a v='/&gt;'/><b><c/><c>x/&gt;</c></b>\
             <d v='1'>t</d><e/><f><g><h v='&lt;/h&gt;'/></g></f></r>",
        )
        .unwrap();
        let doc = crate::xml::Document::from_roxmltree(&reference);
        let mut kept = Overflow::default();
        let children: Vec<_> = doc.root_element().children().collect();
        for (i, anchor) in [1, 1, 1, 3, 3].into_iter().enumerate() {
            kept.push_element(anchor, children[i]);
        }
        let elements: Vec<_> = kept.elements().collect();
        assert_eq!(
            elements,
            [
                (1, "<a v=\"/&gt;\"/>"),
                (1, "<b><c/><c>x/&gt;</c></b>"),
                (1, "<d v=\"1\">t</d>"),
                (3, "<e/>"),
                (3, "<f><g><h v=\"&lt;/h&gt;\"/></g></f>"),
            ]
        );
        // Shown as when each element had its own entry.
        let shown = format!("{kept:?}");
        assert!(
            shown.ends_with("elements: [(1, 14), (1, 38), (1, 52), (3, 56), (3, 89)] }))"),
            "{shown}"
        );
        assert_eq!(kept.clone(), kept);
    }
}
