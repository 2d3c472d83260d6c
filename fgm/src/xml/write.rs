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

/// Writes XML into a string, or (made by [`Writer::tree`]) builds the
/// document tree the XML would parse to.
///
/// Elements are opened by [`Writer::start`] and closed by [`Writer::end`],
/// which remembers their names; or opened by [`Writer::start_element`] and
/// closed by [`Writer::end_element`] with the name again (what derived
/// writers do: nothing is remembered). The innermost open element is the
/// only one whose start tag can still be open, so one flag says whether it
/// is, instead of a flag per open element.
pub struct Writer {
    /// With [`Writer::tree`]: the events go here, and nothing to `out`.
    tree: Option<Builder>,
    out: String,
    pretty: bool,
    /// The innermost element's start tag is not closed yet (`<name`
    /// written, `>` or `/>` not).
    start_tag_open: bool,
    /// The elements open, however opened.
    depth: usize,
    /// For each element opened by [`Writer::start`]: where its name starts
    /// in `names` (allocated when first used).
    stack: Vec<usize>,
    /// The names of the elements opened by [`Writer::start`], one after
    /// another.
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
            start_tag_open: false,
            depth: 0,
            stack: Vec::new(),
            names: String::new(),
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
            start_tag_open: false,
            depth: 0,
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

    /// The XML written, the elements opened by [`Writer::start`] closed.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.end();
        }
        if self.pretty {
            self.out.push('\n');
        }
        self.out
    }

    #[inline]
    fn close_start_tag(&mut self) {
        if self.start_tag_open {
            self.start_tag_open = false;
            self.out.push('>');
        }
    }

    #[inline]
    fn indent(&mut self) {
        if self.pretty {
            self.newline();
        }
    }

    /// A line break and the indentation of the current depth.
    #[cold]
    fn newline(&mut self) {
        if (self.root_written || self.depth > 0) && !self.out.is_empty() {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
    }

    /// Opens element `name`; the first element of the document declares the
    /// FHIR namespace. [`Writer::end`] closes it.
    pub fn start(&mut self, name: &str) {
        self.start_element(name);
        if self.tree.is_some() {
            return;
        }
        if self.stack.capacity() == 0 {
            // Deeper and longer than FGM messages nest, allocated at once
            // when first needed rather than grown.
            self.stack.reserve(16);
            self.names.reserve(256);
        }
        self.stack.push(self.names.len());
        self.names.push_str(name);
    }

    /// Opens element `name` as [`Writer::start`] does, remembering nothing:
    /// [`Writer::end_element`] closes it, given the name again.
    pub fn start_element(&mut self, name: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.start(name, None);
        }
        self.open(name);
        self.start_tag_open = true;
        self.depth += 1;
    }

    /// `<name`, in its place, the FHIR namespace declared on the first
    /// element of a document.
    #[inline(always)]
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
        debug_assert!(self.start_tag_open);
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

    /// Closes the innermost open element, opened by [`Writer::start`].
    pub fn end(&mut self) {
        if let Some(tree) = &mut self.tree {
            return tree.end();
        }
        let at = self.stack.pop().expect("an element is open");
        let name = std::mem::take(&mut self.names);
        self.close(&name[at..]);
        self.names = name;
        self.names.truncate(at);
    }

    /// Closes the innermost open element, `name`, opened by
    /// [`Writer::start_element`].
    pub fn end_element(&mut self, name: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.end();
        }
        self.close(name);
    }

    /// `/>` or `</name>`.
    #[inline(always)]
    fn close(&mut self, name: &str) {
        debug_assert!(self.depth > 0, "an element is open");
        self.depth -= 1;
        if self.start_tag_open {
            self.start_tag_open = false;
            self.out.push_str("/>");
        } else {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    /// `<name value="…"/>`: a primitive element.
    pub fn value_element(&mut self, name: &str, value: &str) {
        if let Some(tree) = &mut self.tree {
            return tree.value_element(name, value);
        }
        // Opened and closed at once: nothing to remember.
        self.open(name);
        self.out.push_str(" value=\"");
        escape_into(&mut self.out, value, true);
        self.out.push_str("\"/>");
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
