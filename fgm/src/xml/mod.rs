//! FHIR XML reading and writing: the traits the derives of `fgm-derive`
//! implement, the one [`Reader`] and the one [`Writer`] they use, and the
//! implementations for the primitive types.
//!
//! The reader works on this crate's own document tree ([`Document`],
//! [`Node`]): the traits read a [`Node`], and [`parse_document`] returns a
//! [`Document`] for [`locate`]. The tree is built in one pass for the XML
//! that FHIR messages are written in, and otherwise copied from roxmltree's,
//! the reference parser that also gives every well-formedness error; either
//! way it is the same tree, its strings borrowed from the input.
//!
//! ```
//! use fgm::xml::{locate, parse_document, Document, Node, ReadOptions};
//!
//! let doc: Document = parse_document(b"<Bundle>\n  <id value=\"x\"/>\n</Bundle>", &ReadOptions::default())?;
//! let id: Node = doc.root_element().first_element_child().unwrap();
//! assert_eq!(id.tag_name().name(), "id");
//! assert_eq!(id.attribute("value"), Some("x"));
//! assert_eq!(locate(&doc, "Bundle.id"), Some((2, 3)));
//! # Ok::<(), fgm::xml::Error>(())
//! ```

mod document;
mod overflow;
mod read;
mod tree;
mod write;

#[cfg(feature = "json")]
pub(crate) use document::line_column;
pub use document::{locate, parse_document};
// The format-neutral types, at the crate root, also here where the XML
// reader's users have always found them.
pub use crate::error::{Error, ErrorCode, Issue, Parsed, Result};
pub use crate::markup::escape_into;
pub use crate::options::{Mode, ReadOptions, MAX_BYTES, MAX_DEPTH};
pub use overflow::{Overflow, XmlContent, XmlTree};
pub(crate) use read::{fhir_path, value_attribute};
pub use read::{Checkpoint, Reader};
#[doc(hidden)]
pub use tree::check_scan;
pub(crate) use tree::recycle;
pub use tree::{Attribute, Children, Document, Node, NodeId, TagName};
pub use write::{WriteOptions, Writer};

use crate::choice::{self, Plan};
use crate::primitive::*;
use crate::{Open, ValueSetCode};

pub use crate::markup::{FHIR_NS, XHTML_NS};

/// A type that is one FHIR XML element: a primitive, a datatype, a backbone
/// element, a resource, or a resource container (`contained`).
pub trait FhirElement: Sized {
    /// Reads the element `node` (its name has been matched by the caller).
    fn read_element<'a, 'i>(r: &mut Reader<'a, 'i>, node: Node<'a, 'i>) -> Result<Self>;
    /// Writes the element, named `name`.
    fn write_element(&self, w: &mut Writer, name: &str);
}

/// A choice element (`value[x]`): one of several element names.
pub trait FhirChoice: Sized {
    /// The element names it accepts (`valueString`, `valueBoolean`).
    const ELEMENTS: &'static [&'static str];
    /// Whether `name` is one of [`FhirChoice::ELEMENTS`] (derived as one
    /// `match`, not a search).
    fn accepts(name: &str) -> bool {
        Self::ELEMENTS.contains(&name)
    }
    /// Reads the element `node`, whose name is one of [`FhirChoice::ELEMENTS`].
    fn read_choice<'a, 'i>(r: &mut Reader<'a, 'i>, node: Node<'a, 'i>) -> Result<Self>;
    /// Writes the chosen element.
    fn write_choice(&self, w: &mut Writer);
}

impl<T: FhirElement> FhirElement for Box<T> {
    fn read_element<'a, 'i>(r: &mut Reader<'a, 'i>, node: Node<'a, 'i>) -> Result<Self> {
        // Room first, then the value moved in once (`Box::new` on a value
        // read keeps a second copy of it, for the case that allocating
        // fails).
        let room = Box::new_uninit();
        let value = T::read_element(r, node)?;
        Ok(Box::write(room, value))
    }
    fn write_element(&self, w: &mut Writer, name: &str) {
        (**self).write_element(w, name)
    }
}

macro_rules! primitive_element {
    ($($t:ty),*) => {$(
        impl FhirElement for $t {
            fn read_element<'a, 'i>(r: &mut Reader<'a, 'i>, node: Node<'a, 'i>) -> Result<Self> {
                let value = r.value(node)?;
                // The parser has checked the characters (XML 1.0 `Char`). A
                // `uri` that is one of the interaction's profiles (each
                // resource's `meta.profile`) keeps the static URL.
                let known = (<$t>::FHIR_TYPE == "uri").then(|| r.preferred_text(value)).flatten();
                match <$t>::from_xml(value, known) {
                    Ok(v) => Ok(v),
                    Err(rule) => {
                        let sentence = |more| LexicalError::sentence_of(<$t>::FHIR_TYPE, value, &rule, more);
                        match <$t>::padded_xml(value).filter(|_| r.mode() == Mode::Lenient) {
                            Some(v) => {
                                r.departure(node, ErrorCode::InvalidValue, sentence(": kept as written, white space and all"))?;
                                Ok(v)
                            }
                            None => r.fail(node, ErrorCode::InvalidValue, sentence("")),
                        }
                    }
                }
            }
            fn write_element(&self, w: &mut Writer, name: &str) {
                w.value_element(name, self.as_str());
            }
        }
    )*};
}

crate::primitive::text_primitives!(primitive_element, Boolean);
crate::primitive::number_primitives!(primitive_element);

impl FhirElement for Xhtml {
    fn read_element<'a, 'i>(r: &mut Reader<'a, 'i>, node: Node<'a, 'i>) -> Result<Self> {
        if node.tag_name().namespace() != Some(XHTML_NS) {
            r.departure(
                node,
                ErrorCode::Namespace,
                format!("the narrative <div> must be in the XHTML namespace {XHTML_NS}"),
            )?;
        }
        r.lexical(node, Xhtml::new(xhtml_text(node)))
    }
    fn write_element(&self, w: &mut Writer, _name: &str) {
        w.raw(self.as_str());
    }
}

/// A narrative `div` as the writer writes it: compact, in the XHTML
/// namespace, blank text kept.
fn xhtml_text(node: Node) -> String {
    let mut w = Writer::fragment(WriteOptions::default());
    let mut tree = XmlTree::from_node_with_text(node);
    tree.namespace = Some(XHTML_NS.to_owned());
    tree.write(&mut w, None);
    w.finish()
}

/// Reads a code of a value set (what derived value-set enums call).
pub fn read_code<'a, 'i, E: ValueSetCode>(r: &mut Reader<'a, 'i>, node: Node<'a, 'i>) -> Result<E> {
    let value = r.value(node)?;
    value
        .parse::<E>()
        .map_err(|e| r.issue(node, ErrorCode::UnknownCode, e.to_string()).into())
}

impl<E: ValueSetCode> FhirElement for Open<E> {
    fn read_element<'a, 'i>(r: &mut Reader<'a, 'i>, node: Node<'a, 'i>) -> Result<Self> {
        let value = r.value(node)?;
        r.lexical(node, value.parse::<Open<E>>())
    }
    fn write_element(&self, w: &mut Writer, name: &str) {
        w.value_element(name, self.code());
    }
}

/// Reads one element from XML text (its root element, any name).
pub fn read_str<T: FhirElement>(xml: &str, options: &ReadOptions) -> Result<Parsed<T>> {
    read_bytes(xml.as_bytes(), options)
}

/// Reads one element from XML bytes (its root element, any name).
pub fn read_bytes<T: FhirElement>(input: &[u8], options: &ReadOptions) -> Result<Parsed<T>> {
    let doc = parse_document(input, options)?;
    let mut r = Reader::new(&doc, options.mode);
    let root = doc.root_element();
    r.push(root.tag_name().name());
    r.check_namespace(root)?;
    let value = T::read_element(&mut r, root)?;
    Ok(Parsed {
        value,
        warnings: r.into_warnings(),
    })
}

/// Writes one element as a document.
pub fn write_str<T: FhirElement>(value: &T, name: &str, options: &WriteOptions) -> String {
    let mut w = Writer::new(*options);
    value.write_element(&mut w, name);
    w.finish()
}

/// Reads a resource container (`contained`, `entry.resource`): the one
/// resource inside, as the variant its `meta.profile` names; when it names
/// none (or, leniently, an unknown one), the first variant of the right type
/// that reads strictly, those of the interaction being read first (else the
/// first, as the mode allows). In lenient mode
/// a resource that fits none is kept as read by `keep`, with a warning.
pub fn read_resource<'a, 'i, T>(
    r: &mut Reader<'a, 'i>,
    wrapper: Node<'a, 'i>,
    variants: &[(&'static str, &'static str)],
    read: fn(&mut Reader<'a, 'i>, Node<'a, 'i>, usize) -> Result<T>,
    keep: Option<fn(XmlTree) -> T>,
) -> Result<T> {
    if let Some(attr) = wrapper.attributes().next() {
        return r.fail(
            wrapper,
            ErrorCode::UnknownAttribute,
            format!(
                "attribute `{}` is not allowed on a resource container",
                attr.name()
            ),
        );
    }
    let mut found = None;
    for child in wrapper.children() {
        if let Some(element) = r.element(child)? {
            if found.replace(element).is_some() {
                return r.fail(
                    element,
                    ErrorCode::Repeated,
                    "the element holds more than one resource",
                );
            }
        }
    }
    let Some(resource) = found else {
        return r.fail(wrapper, ErrorCode::Missing, "the element holds no resource");
    };
    let rtype = resource.tag_name().name();
    r.push(rtype);
    let checkpoint = r.checkpoint();
    let result = match choose_resource(r, resource, variants, read) {
        Err(e) if r.mode() == Mode::Lenient && keep.is_some() => {
            r.restore(checkpoint);
            r.departure(
                resource,
                ErrorCode::Profile,
                format!(
                    "the {rtype} conforms to none of the profiles allowed here ({} at {}); kept as read",
                    e.message, e.path
                ),
            )?;
            Ok(keep.expect("checked")(XmlTree::from_node(resource)))
        }
        other => other,
    };
    r.pop();
    result
}

fn choose_resource<'a, 'i, T>(
    r: &mut Reader<'a, 'i>,
    resource: Node<'a, 'i>,
    variants: &[(&'static str, &'static str)],
    read: fn(&mut Reader<'a, 'i>, Node<'a, 'i>, usize) -> Result<T>,
) -> Result<T> {
    // The first claim, which the reference check asks for again.
    r.note_claim(resource, Reader::claimed_profiles(resource).next());
    let rtype = resource.tag_name().name();
    let preferred = |profile: &str| r.is_preferred(profile);
    let plan = choice::plan(
        rtype,
        Reader::claimed_profiles(resource),
        variants,
        preferred,
    );
    match plan {
        Plan::Read(i) => read(r, resource, i),
        Plan::NotExpected(message) => r.fail(resource, ErrorCode::Profile, message),
        Plan::Trimmed(i) => {
            r.departure_in_parts(
                resource,
                ErrorCode::Profile,
                &choice::trimmed_warning(variants[i].1),
            )?;
            read(r, resource, i)
        }
        Plan::Try {
            warning,
            candidates,
        } => {
            if let Some(warning) = warning {
                r.departure(resource, ErrorCode::Profile, warning)?;
            }
            if candidates.len() > 1 {
                for &i in &candidates {
                    let checkpoint = r.checkpoint();
                    let mode = r.mode();
                    r.set_mode(Mode::Strict);
                    match read(r, resource, i) {
                        Ok(value) => {
                            r.set_mode(mode);
                            return Ok(value);
                        }
                        Err(_) => r.restore(checkpoint),
                    }
                }
            }
            read(r, resource, candidates[0])
        }
    }
}
