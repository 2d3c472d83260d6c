//! The one XML writer: canonical FHIR XML, in the FHIR namespace, escaped,
//! compact or pretty.

use super::tree::Builder;
use super::{Document, NodeId, FHIR_NS};
use crate::markup::{escape_into, push_attribute};

/// How to write (default: compact, no XML declaration).
///
/// Built from [`WriteOptions::default`] and the `with_*` methods (it may
/// gain fields, so it has no struct literal outside this crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Indent nested elements (two spaces) instead of writing one line.
    pub pretty: bool,
    /// Start with an XML declaration.
    pub declaration: bool,
}

impl WriteOptions {
    /// Indented (two spaces) or on one line.
    pub fn with_pretty(self, pretty: bool) -> Self {
        WriteOptions { pretty, ..self }
    }

    /// With or without an XML declaration.
    pub fn with_declaration(self, declaration: bool) -> Self {
        WriteOptions {
            declaration,
            ..self
        }
    }
}

struct Frame {
    /// Where the start tag's name ends in the output.
    name_end: usize,
    /// Where the element's name starts in `names`.
    name_at: usize,
    has_children: bool,
}

/// Writes XML into a string, or (made by [`Writer::tree`]) builds the
/// document tree the XML would parse to.
pub struct Writer {
    /// With [`Writer::tree`]: the events go here, and nothing to `out`.
    tree: Option<Builder>,
    out: String,
    pretty: bool,
    stack: Vec<Frame>,
    /// The names of the open elements, one after another.
    names: String,
    root_written: bool,
}

impl Writer {
    /// An empty writer.
    pub fn new(options: WriteOptions) -> Writer {
        let mut out = String::with_capacity(4096);
        if options.declaration {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            if options.pretty {
                out.push('\n');
            }
        }
        Writer {
            tree: None,
            out,
            pretty: options.pretty,
            // Deeper and longer than FGM messages nest: allocated once.
            stack: Vec::with_capacity(16),
            names: String::with_capacity(256),
            root_written: false,
        }
    }

    /// A writer for a fragment: the first element declares no namespace.
    pub fn fragment(options: WriteOptions) -> Writer {
        let mut w = Writer::new(WriteOptions {
            declaration: false,
            ..options
        });
        w.root_written = true;
        w
    }

    /// A writer that writes no text but builds the [`Document`] the XML
    /// would parse to (all its strings owned, every position 0): what a
    /// value in hand looks like as a tree, without writing and parsing it.
    /// [`Writer::finish_tree`] gives it.
    pub fn tree() -> Writer {
        // No text buffers: nothing is written to them.
        Writer {
            tree: Some(Builder::new()),
            out: String::new(),
            pretty: false,
            stack: Vec::new(),
            names: String::new(),
            root_written: true,
        }
    }

    /// The tree a [`Writer::tree`] built, every element closed, and the
    /// elements [`Writer::nonconforming`] marked; for a text writer, the
    /// root alone.
    pub fn finish_tree(self) -> (Document<'static>, Vec<NodeId>) {
        self.tree.unwrap_or_else(Builder::new).finish()
    }

    /// Says that the next element written is a resource kept as read
    /// because it conforms to none of the profiles allowed where it is: a
    /// tree writer marks it; a text writer writes nothing for it.
    #[doc(hidden)]
    pub fn nonconforming(&mut self) {
        if let Some(tree) = &mut self.tree {
            tree.mark_next();
        }
    }

    /// Writes XML that is already well-formed and escaped (a narrative `div`).
    pub fn raw(&mut self, xml: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.raw(xml);
        }
        self.close_start_tag();
        self.indent();
        self.out.push_str(xml);
    }

    /// The XML written, all elements closed.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.end();
        }
        if self.pretty {
            self.out.push('\n');
        }
        self.out
    }

    fn close_start_tag(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            if !top.has_children {
                top.has_children = true;
                self.out.push('>');
            }
        }
    }

    fn indent(&mut self) {
        if self.pretty && (self.root_written || !self.stack.is_empty()) && !self.out.is_empty() {
            self.out.push('\n');
            for _ in 0..self.stack.len() {
                self.out.push_str("  ");
            }
        }
    }

    /// Opens element `name`; the first element of the document declares the
    /// FHIR namespace.
    pub fn start(&mut self, name: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.start(name, None);
        }
        self.open(name);
        self.stack.push(Frame {
            name_end: self.out.len(),
            name_at: self.names.len(),
            has_children: false,
        });
        self.names.push_str(name);
    }

    /// `<name`, in its place, the FHIR namespace declared on the first
    /// element of a document.
    fn open(&mut self, name: &str) {
        self.close_start_tag();
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        if !self.root_written {
            self.root_written = true;
            self.out.push_str(" xmlns=\"");
            self.out.push_str(FHIR_NS);
            self.out.push('"');
        }
    }

    /// Opens element `name` declaring namespace `ns` (the XHTML `div`).
    pub fn start_ns(&mut self, name: &str, ns: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.start(name, Some(ns));
        }
        self.start(name);
        self.attr("xmlns", ns);
    }

    /// Adds an attribute to the element just opened.
    pub fn attr(&mut self, name: &str, value: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.attr(name, value);
        }
        debug_assert!(self
            .stack
            .last()
            .is_some_and(|f| !f.has_children && f.name_end <= self.out.len()));
        push_attribute(&mut self.out, name, value);
    }

    /// Text content.
    pub fn text(&mut self, text: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.text(text);
        }
        self.close_start_tag();
        escape_into(&mut self.out, text, false);
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) {
        if let Some(tree) = &mut self.tree {
            return tree.end();
        }
        let frame = self.stack.pop().expect("an element is open");
        if frame.has_children {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(&self.names[frame.name_at..]);
            self.out.push('>');
        } else {
            self.out.push_str("/>");
        }
        self.names.truncate(frame.name_at);
    }

    /// `<name value="…"/>`: a primitive element.
    pub fn value_element(&mut self, name: &str, value: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.value_element(name, value);
        }
        // Opened and closed at once: nothing to remember on the stack.
        self.open(name);
        push_attribute(&mut self.out, "value", value);
        self.out.push_str("/>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut out = String::new();
        escape_into(&mut out, "é&<>\"\t\n\r x", false);
        assert_eq!(out, "é&amp;&lt;&gt;\"\t\n&#13; x");
        out.clear();
        escape_into(&mut out, "é&<>\"\t\n\r x", true);
        assert_eq!(out, "é&amp;&lt;&gt;&quot;&#9;&#10;&#13; x");
    }

    #[test]
    fn compact_and_pretty() {
        let mut w = Writer::new(WriteOptions::default());
        w.start("Patient");
        w.value_element("id", "a&b");
        w.start("text");
        w.end();
        w.end();
        assert_eq!(
            w.finish(),
            "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"a&amp;b\"/><text/></Patient>"
        );
        let mut w = Writer::new(WriteOptions {
            pretty: true,
            declaration: true,
        });
        w.start("Patient");
        w.value_element("id", "x\"\n<");
        w.end();
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Patient xmlns=\"http://hl7.org/fhir\">\n  <id value=\"x&quot;&#10;&lt;\"/>\n</Patient>\n"
        );
    }
}
