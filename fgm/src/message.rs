//! Whole messages: a Bundle of type `message` whose first entry is the
//! MessageHeader, read in one call and written in one call, with the bundle
//! rules checked (the header first, the event known, every reference
//! resolved inside the message).

use std::borrow::Cow;
use std::cell::OnceCell;

use crate::xml::{
    parse_document, value_attribute, Document, ErrorCode, Issue, Node, NodeId, Parsed, ReadOptions,
    Reader, Result, WriteOptions, Writer,
};

/// A message type: one interaction's message, or the enum of all of them.
/// Derive it with `#[derive(FhirMessage)]`.
///
/// Every generated `messages::Message` (`fgm_types::messages::Message`, or
/// the one of a crate that generates its own types) reads and writes
/// through the provided methods:
///
/// ```
/// use fgm::FhirMessage;
///
/// fn echo<M: FhirMessage>(bytes: &[u8]) -> fgm::xml::Result<String> {
///     Ok(M::parse(bytes)?.value.to_xml())
/// }
/// ```
pub trait FhirMessage: Sized {
    /// Reads a message (lenient mode, default limits); the interaction is
    /// chosen by the MessageHeader event code.
    fn parse(input: impl AsRef<[u8]>) -> Result<Parsed<Self>> {
        read_message(input.as_ref(), &ReadOptions::default())
    }

    /// Reads a message with the given mode and limits.
    fn parse_with(input: impl AsRef<[u8]>, options: &ReadOptions) -> Result<Parsed<Self>> {
        read_message(input.as_ref(), options)
    }

    /// Writes the message as compact FHIR XML.
    fn to_xml(&self) -> String {
        write_message(self, &WriteOptions::default())
    }

    /// Writes the message, compact or pretty.
    fn to_xml_with(&self, options: &WriteOptions) -> String {
        write_message(self, options)
    }

    /// Whether this type reads messages with this MessageHeader event code.
    fn accepts(event: &str) -> bool;
    /// The interaction with this event code, as the definitions describe it.
    fn interaction(event: &str) -> Option<&'static InteractionSpec>;
    /// The response interaction that answers the request with this event
    /// code.
    fn response_to(request_event: &str) -> Option<&'static InteractionSpec>;
    /// The profiles of the interaction with this event code (its entries and
    /// what they contain): tried first for a resource that claims no profile.
    fn profiles(event: &str) -> &'static [&'static str];
    /// Spine's response code `code` (or the current code that replaced
    /// it, for a legacy one) in the message type's response-code table,
    /// which `#[fhir(response_codes = "…")]` names; `None` for a code not
    /// in it, and for every code of a type without one.
    fn response_code(code: &str) -> Option<crate::response::ResponseCode> {
        let _ = code;
        None
    }
    /// The profiles a reference element (`MessageHeader.author`) of a
    /// resource of `profile` may point at, when the definitions say.
    fn reference_targets(profile: &str, path: &str) -> Option<&'static [&'static str]>;
    /// Reads the `Bundle` element `node`, whose event code is `event`.
    fn read_message<'a, 'i>(
        r: &mut Reader<'a, 'i>,
        node: Node<'a, 'i>,
        event: &str,
    ) -> Result<Self>;
    /// [`FhirMessage::read_message`], the message handed to `wrap` where it
    /// is built, so that a caller keeping it in an enum or a [`Parsed`] does
    /// not move its kilobytes once more (the derives implement it).
    #[doc(hidden)]
    fn __read_message_with<'a, 'i, T>(
        r: &mut Reader<'a, 'i>,
        node: Node<'a, 'i>,
        event: &str,
        wrap: impl FnOnce(Self) -> T,
    ) -> Result<T> {
        Self::read_message(r, node, event).map(wrap)
    }
    /// Writes the `Bundle` element.
    fn write_message(&self, w: &mut Writer);
}

/// One interaction as the definitions (the manifest) describe it: what
/// hand-written code above the generated types (Spine's responses) needs to
/// know of a message, whatever versions of the profiles it carries. The
/// derives implement [`FhirMessage::interaction`] from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InteractionSpec {
    /// The interaction's name (`QueryV2Request`).
    pub name: &'static str,
    /// The MessageHeader event code.
    pub event: &'static str,
    /// The code system of the event code (empty when not given).
    pub event_system: &'static str,
    /// The HTTP path requests are posted to (`/fhir/fgm/query`; empty when
    /// not given).
    pub endpoint: &'static str,
    /// The HTTP status of a successful response.
    pub success_status: u16,
    /// For a response: the event code of the request it answers.
    pub responds_to: Option<&'static str>,
    /// The bundle entries, in order (the MessageHeader first).
    pub entries: &'static [EntryInfo],
}

/// One bundle entry of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryInfo {
    /// The entry's name (the message field: `flag`).
    pub name: &'static str,
    /// The resource type (`Flag`).
    pub resource: &'static str,
    /// The profile the resource conforms to.
    pub profile: &'static str,
}

impl InteractionSpec {
    /// The first entry holding a resource of this type.
    pub fn entry(&self, resource: &str) -> Option<&'static EntryInfo> {
        self.entries.iter().find(|e| e.resource == resource)
    }
}

/// Reads a message from bytes: the interaction is chosen by the
/// MessageHeader event code; an unknown code is an error.
pub fn read_message<M: FhirMessage>(input: &[u8], options: &ReadOptions) -> Result<Parsed<M>> {
    let doc = parse_document(input, options)?;
    let root = doc.root_element();
    let mut r = Reader::new(&doc, options.mode);
    if root.tag_name().name() != "Bundle" {
        return r.fail(
            root,
            ErrorCode::UnexpectedRoot,
            format!(
                "a message is a <Bundle>, not a <{}>",
                root.tag_name().name()
            ),
        );
    }
    r.push("Bundle");
    r.check_namespace(root)?;
    let (event, at) = event_code(&r, root)?;
    if !M::accepts(event) {
        for segment in ["entry[0]", "resource", "MessageHeader", "event", "code"] {
            r.push(segment);
        }
        return unknown_event(&mut r, at, event);
    }
    r.prefer(M::profiles(event));
    // The message (kilobytes) is built in its place in the result.
    let mut read = M::__read_message_with(&mut r, root, event, |value| Parsed {
        value,
        warnings: Vec::new(),
    });
    let checked = match &read {
        Ok(_) if options.check_references => {
            check_references(&mut r, root, M::reference_targets, M::profiles(event))
        }
        _ => Ok(()),
    };
    match (&mut read, checked) {
        (Ok(parsed), Ok(())) => parsed.warnings = r.take_warnings(),
        (_, Err(issue)) => read = Err(issue),
        (Err(_), Ok(())) => {}
    }
    read
}

/// Which envelope carries which resource when a message's bundle is made
/// (derived `__to_bundle` and `write_message`): in entry order, each
/// envelope as `(Some(envelope), resource)`, where an envelope without a
/// resource of its own takes the next resource, in field order, while any
/// are left; then `(None, Some(resource))` for each resource left, which gets
/// an envelope of its own.
#[doc(hidden)]
pub fn entry_plan(
    envelope_has_resource: impl Iterator<Item = bool>,
    resources: usize,
) -> Vec<(Option<usize>, Option<usize>)> {
    // The planner's entries, collected: one statement of the rule.
    let has: Vec<bool> = envelope_has_resource.collect();
    let mut planner = EntryPlanner::new(has.iter().copied(), resources);
    (0..planner.len())
        .map(|i| planner.entry(i, has.get(i).copied().unwrap_or(false)))
        .collect()
}

/// [`entry_plan`] followed one entry at a time, in order, without
/// collecting it (derived `write_message`).
#[doc(hidden)]
#[derive(Debug)]
pub struct EntryPlanner {
    envelopes: usize,
    resources: usize,
    /// The next resource to place.
    next: usize,
    len: usize,
}

impl EntryPlanner {
    /// The plan of [`entry_plan`] with the same arguments.
    pub fn new(envelope_has_resource: impl Iterator<Item = bool>, resources: usize) -> Self {
        let (mut envelopes, mut free) = (0, 0);
        for has in envelope_has_resource {
            envelopes += 1;
            free += usize::from(!has);
        }
        EntryPlanner {
            envelopes,
            resources,
            next: 0,
            len: envelopes + resources.saturating_sub(free),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entry `i` of the plan, asked for in order from 0; `has_resource`
    /// says whether envelope `i` (if there is one) has a resource.
    pub fn entry(&mut self, i: usize, has_resource: bool) -> (Option<usize>, Option<usize>) {
        let take = i >= self.envelopes || (!has_resource && self.next < self.resources);
        self.next += usize::from(take);
        let resource = take.then(|| self.next - 1);
        ((i < self.envelopes).then_some(i), resource)
    }
}

/// `f` of the envelope `items[at]`, or (`at` is `None`) of an empty one
/// (for derived message writers, which do not name the bundle's entry type;
/// the empty envelope is made only when asked for).
#[doc(hidden)]
pub fn with_envelope<T: Default, R>(items: &[T], at: Option<usize>, f: impl FnOnce(&T) -> R) -> R {
    match at {
        Some(i) => f(&items[i]),
        None => f(&T::default()),
    }
}

/// Writes a message.
pub fn write_message<M: FhirMessage>(message: &M, options: &WriteOptions) -> String {
    let mut w = Writer::new(*options);
    message.write_message(&mut w);
    w.finish()
}

/// A message as the tree its XML would parse to, built without writing or
/// parsing text (see [`Writer::tree`]), with the resources in it that
/// conform to none of the profiles allowed where they are (kept as read by
/// lenient reading).
pub fn write_tree<M: FhirMessage>(message: &M) -> (Document<'static>, Vec<NodeId>) {
    let mut w = Writer::tree();
    message.write_message(&mut w);
    w.finish_tree()
}

/// The event code of the first entry's MessageHeader, and its element.
fn event_code<'a, 'i>(r: &Reader<'a, 'i>, bundle: Node<'a, 'i>) -> Result<(&'a str, Node<'a, 'i>)> {
    let first = bundle
        .child_named("entry")
        .and_then(|e| e.child_named("resource"));
    let Some(resource) = first.and_then(|res| res.first_element_child()) else {
        return r.fail(
            bundle,
            ErrorCode::Bundle,
            "the message has no first entry with a resource",
        );
    };
    if resource.tag_name().name() != "MessageHeader" {
        return r.fail(
            resource,
            ErrorCode::Bundle,
            format!(
                "the first entry of a message must be a MessageHeader, not a {}",
                resource.tag_name().name()
            ),
        );
    }
    let code = resource
        .child_named("event")
        .and_then(|e| e.child_named("code"));
    match code.and_then(|c| value_attribute(c).map(|v| (v, c))) {
        Some(found) => Ok(found),
        None => r.fail(
            resource,
            ErrorCode::Missing,
            "the MessageHeader has no event code",
        ),
    }
}

/// For derived message readers: an unknown event code.
pub fn unknown_event<T>(r: &mut Reader, node: Node, event: &str) -> Result<T> {
    r.fail(
        node,
        ErrorCode::UnknownEvent,
        format!("event code `{event}` names no FGM RIS interaction"),
    )
}

fn nth_entry<'a, 'i>(bundle: Node<'a, 'i>, index: usize) -> Node<'a, 'i> {
    bundle.children_named("entry").nth(index).unwrap_or(bundle)
}

/// Runs `f` on the `index`-th entry of `bundle`, with the FHIR path at it.
fn at_entry<'a, 'i, 'b, 'j, T>(
    r: &mut Reader<'a, 'i>,
    bundle: Node<'b, 'j>,
    index: usize,
    f: impl FnOnce(&mut Reader<'a, 'i>, Node<'b, 'j>) -> T,
) -> T {
    let at = nth_entry(bundle, index);
    r.push_index("entry", index);
    let out = f(r, at);
    r.pop();
    out
}

/// What can be wrong with a message's entries when its bundle is split
/// into the message's fields (XML and JSON report them each their way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryProblem {
    /// The entry holds no resource.
    WithoutResource(usize),
    /// The entry's resource is not one this interaction carries there.
    Unexpected {
        /// The entry's index.
        index: usize,
        /// Its resource type.
        resource_type: String,
        /// Its profile (`-` for none).
        profile: String,
    },
    /// The entry is out of the interaction's order.
    OutOfOrder(usize),
    /// The MessageHeader is not the first entry.
    HeaderNotFirst(usize),
    /// A required entry is missing.
    Missing(&'static str),
}

impl EntryProblem {
    /// The index of the entry it is about.
    pub fn index(&self) -> Option<usize> {
        match self {
            EntryProblem::WithoutResource(i)
            | EntryProblem::OutOfOrder(i)
            | EntryProblem::HeaderNotFirst(i)
            | EntryProblem::Unexpected { index: i, .. } => Some(*i),
            EntryProblem::Missing(_) => None,
        }
    }

    /// What is wrong, in one sentence.
    pub fn message(&self) -> String {
        match self {
            EntryProblem::WithoutResource(_) => "every entry of a message holds a resource".into(),
            EntryProblem::Unexpected {
                resource_type,
                profile,
                ..
            } => format!(
                "a {resource_type} ({profile}) is not an entry of this interaction, or appears more than once"
            ),
            EntryProblem::OutOfOrder(_) => {
                "the entry is out of the interaction's order (it is written back in order)".into()
            }
            EntryProblem::HeaderNotFirst(_) => "the MessageHeader must be the first entry".into(),
            EntryProblem::Missing(what) => {
                format!("the message has no {what} entry, which this interaction requires")
            }
        }
    }
}

/// Where a derived message's `from_bundle` reports entry problems.
pub trait EntryReport {
    /// The error it makes.
    type Error;
    /// The error for a problem that stops reading.
    fn fail(&mut self, problem: EntryProblem) -> Self::Error;
    /// An entry out of order: strict mode refuses, lenient mode warns (and
    /// the entry is written back in order).
    fn out_of_order(&mut self, index: usize) -> std::result::Result<(), Self::Error>;
}

/// XML reading's [`EntryReport`]: issues at the entry's element.
pub struct XmlEntries<'r, 'a, 'i> {
    /// The reader.
    pub reader: &'r mut Reader<'a, 'i>,
    /// The `Bundle` element.
    pub bundle: Node<'a, 'i>,
}

impl EntryReport for XmlEntries<'_, '_, '_> {
    type Error = crate::Error;
    fn fail(&mut self, problem: EntryProblem) -> crate::Error {
        let message = problem.message();
        match problem.index() {
            Some(i) => at_entry(self.reader, self.bundle, i, |r, at| {
                r.issue(at, ErrorCode::Bundle, message)
            }),
            None => self.reader.issue(self.bundle, ErrorCode::Bundle, message),
        }
        .into()
    }
    fn out_of_order(&mut self, index: usize) -> Result<()> {
        let message = EntryProblem::OutOfOrder(index).message();
        at_entry(self.reader, self.bundle, index, |r, at| {
            r.departure(at, ErrorCode::Order, message)
        })
    }
}

/// The FHIR path of an element, from the Bundle down: repeated elements
/// (and every `entry`) carry their index.
fn path_of(node: Node) -> String {
    // The segments, from the node up: on the stack to this depth.
    const ROOM: usize = 32;
    let mut segments: [(&str, Option<u32>); ROOM] = [("", None); ROOM];
    let mut deeper: Vec<(&str, Option<u32>)> = Vec::new();
    let mut depth = 0;
    let mut at = Some(node);
    while let Some(n) = at.filter(Node::is_element) {
        let name = n.tag_name().name();
        // In one walk over the siblings: how many of the same name come
        // before, and whether one comes after.
        let (mut index, mut later) = (0u32, false);
        let mut sibling = n.parent().and_then(|p| p.first_child());
        while let Some(s) = sibling {
            if s.is_element_named(name) {
                if s == n {
                    later = s.next_siblings().skip(1).any(|x| x.is_element_named(name));
                    break;
                }
                index += 1;
            }
            sibling = s.next_sibling();
        }
        let repeated = name == "entry" || index > 0 || later;
        let segment = (name, repeated.then_some(index));
        match segments.get_mut(depth) {
            Some(slot) => *slot = segment,
            None => deeper.push(segment),
        }
        depth += 1;
        at = n.parent();
    }
    if depth <= ROOM {
        segments[..depth].reverse();
        crate::xml::fhir_path(&segments[..depth])
    } else {
        let mut all = segments.to_vec();
        all.append(&mut deeper);
        all.reverse();
        crate::xml::fhir_path(&all)
    }
}

/// Whether a reference is absolute (`…://…` or `urn:…`): outside the
/// message. A relative one (`Type/id`) usually has no `:` at all.
fn is_absolute(value: &str) -> bool {
    // The library's substring search, not a walk byte by byte.
    value.starts_with("urn:") || value.contains("://")
}

/// A resource's id.
fn id_of<'a>(resource: Node<'a, '_>) -> Option<&'a str> {
    resource.child_named("id").and_then(value_attribute)
}

type Targets = fn(&str, &str) -> Option<&'static [&'static str]>;

/// A profile URL without its version suffix (`…/spine-practitioner-2-0` →
/// `…/spine-practitioner`).
pub fn family(url: &str) -> &str {
    let b = url.as_bytes();
    let mut end = b.len();
    // Each `-` and the digits after it, from the end.
    loop {
        let digits = b[..end]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || end == digits || b[end - digits - 1] != b'-' {
            break;
        }
        end -= digits + 1;
    }
    &url[..end]
}

/// Every `reference` resolves: `Type/id` to an entry's resource of that type
/// and id, `#id` to a resource contained in the same resource; and where the
/// definitions say which profiles the element may point at, the resource
/// found claims one of them (strict mode refuses, lenient mode warns). One
/// exception, always a warning: another version of an allowed profile that
/// the interaction itself carries (NHS's guide has the v2 query's header
/// name a Practitioner 2-0 where its profile allows only 1-0).
fn check_references<'a>(
    r: &mut Reader<'a, '_>,
    bundle: Node<'a, '_>,
    targets: Targets,
    carried: &[&str],
) -> Result<()> {
    // A message holds a handful of resources, kept on the stack (past the
    // first few, on the heap). Each one's id is looked up once, when first
    // asked; claims come from the reader, which noted them as it chose
    // profiles.
    const HELD: usize = 8;
    let mut held: [Option<Held>; HELD] = [const { None }; HELD];
    let mut more: Vec<Held> = Vec::new();
    let entries = bundle.children_named("entry").filter_map(|entry| {
        entry
            .child_named("resource")
            .and_then(|r| r.first_element_child())
    });
    for (i, resource) in entries.enumerate() {
        match held.get_mut(i) {
            Some(slot) => *slot = Some(Held::new(resource)),
            None => more.push(Held::new(resource)),
        }
    }
    let resources = || held.iter().flatten().chain(&more);
    for resource in resources().map(|held| held.node) {
        for reference in resource.descendants_named("reference") {
            let Some(value) = value_attribute(reference) else {
                continue;
            };
            // The target.
            let found: Option<Node> = if let Some(local) = value.strip_prefix('#') {
                resource
                    .children_named("contained")
                    .filter_map(|c| c.first_element_child())
                    .find(|x| id_of(*x) == Some(local))
            } else if is_absolute(value) {
                continue; // absolute: outside the message, not checked
            } else {
                let slash = value.bytes().position(|b| b == b'/');
                slash
                    .map(|at| (&value[..at], &value[at + 1..]))
                    .and_then(|(rtype, id)| {
                        resources()
                            .find(|res| res.node.is_element_named(rtype) && res.id() == Some(id))
                            .map(|res| res.node)
                    })
            };
            let issue = |code, message: String| {
                let (line, column) = r.position(reference);
                Issue {
                    code,
                    path: path_of(reference),
                    line,
                    column,
                    message,
                }
            };
            let Some(target) = found else {
                return Err(issue(
                    ErrorCode::DanglingReference,
                    if value.starts_with('#') {
                        format!(
                            "`{value}` names no resource contained in this {}",
                            resource.tag_name().name()
                        )
                    } else {
                        format!("`{value}` names no resource of this message")
                    },
                )
                .into());
            };
            // The resource that holds the reference: the entry's, or one
            // contained in it.
            let Some(holder) = reference.ancestors().find(|a| {
                a.is_element()
                    && a.parent()
                        .is_some_and(|p| matches!(p.tag_name().name(), "resource" | "contained"))
            }) else {
                continue;
            };
            let Some(profile) = r.claim_of(holder) else {
                continue;
            };
            let mut buffer = [0u8; PATH_ROOM];
            let path = element_path(holder, reference, &mut buffer);
            let Some(allowed) = targets(profile, &path) else {
                continue;
            };
            let rtype = target.tag_name().name();
            let claim = r.claim_of(target);
            let fits = allowed.iter().any(|url| {
                match url.strip_prefix("http://hl7.org/fhir/StructureDefinition/") {
                    Some("Resource" | "DomainResource") => true,
                    Some(base) => base == rtype,
                    None => claim == Some(url),
                }
            });
            if !fits {
                let path: &str = &path;
                // Written piece by piece into one allocation (no formatter).
                let claim_text = claim.unwrap_or("no profile");
                let mut message = String::with_capacity(
                    value.len()
                        + rtype.len()
                        + claim_text.len()
                        + path.len()
                        + allowed.iter().map(|a| a.len() + 3).sum::<usize>()
                        + 48,
                );
                for piece in [
                    "`",
                    value,
                    "` is a ",
                    rtype,
                    " claiming ",
                    claim_text,
                    ", but ",
                    path,
                    " may only point at ",
                ] {
                    message.push_str(piece);
                }
                for (i, url) in allowed.iter().enumerate() {
                    if i > 0 {
                        message.push_str(" | ");
                    }
                    message.push_str(url);
                }
                let other_version = claim.is_some_and(|c| {
                    carried.contains(&c) && allowed.iter().any(|a| family(a) == family(c))
                });
                match r.mode() {
                    crate::xml::Mode::Strict if !other_version => {
                        return Err(issue(ErrorCode::ReferenceTarget, message).into())
                    }
                    _ => r.warn(issue(ErrorCode::ReferenceTarget, message)),
                }
            }
        }
    }
    Ok(())
}

/// The room [`element_path`] has on the stack: enough for every path of the
/// definitions.
const PATH_ROOM: usize = 128;

/// The path of a reference in the resource that holds it, as the
/// definitions name the element (`MessageHeader.author`: the holder's type
/// and the elements down to `reference`'s parent; `reference` is `holder`
/// or below it). Written from its end, walking up (two walks, no list),
/// into `buffer` on the stack, or on the heap when it is longer.
fn element_path<'b>(
    holder: Node,
    reference: Node,
    buffer: &'b mut [u8; PATH_ROOM],
) -> Cow<'b, str> {
    let below = (holder != reference).then(|| reference.parent()).flatten();
    let names = || {
        std::iter::successors(below, Node::parent)
            .take_while(move |a| *a != holder)
            .map(|a| a.tag_name().name())
    };
    let len = holder.tag_name().name().len() + names().map(|n| n.len() + 1).sum::<usize>();
    let mut heap = Vec::new();
    let out: &mut [u8] = if len <= PATH_ROOM {
        &mut buffer[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    let mut end = len;
    for name in names() {
        out[end - name.len()..end].copy_from_slice(name.as_bytes());
        end -= name.len() + 1;
        out[end] = b'.';
    }
    out[..end].copy_from_slice(holder.tag_name().name().as_bytes());
    // Element names joined with dots: UTF-8, as they were.
    if len <= PATH_ROOM {
        Cow::Borrowed(std::str::from_utf8(&buffer[..len]).expect("names and dots"))
    } else {
        Cow::Owned(String::from_utf8(heap).expect("names and dots"))
    }
}

/// An entry's resource, with its id looked up when first asked (a message
/// without references asks nothing).
struct Held<'a, 'i> {
    node: Node<'a, 'i>,
    id: OnceCell<Option<&'a str>>,
}

impl<'a, 'i> Held<'a, 'i> {
    fn new(node: Node<'a, 'i>) -> Self {
        Held {
            node,
            id: OnceCell::new(),
        }
    }

    /// The resource's [`id_of`].
    fn id(&self) -> Option<&'a str> {
        *self.id.get_or_init(|| id_of(self.node))
    }
}

#[cfg(test)]
mod tests {
    use super::entry_plan;

    #[test]
    fn a_family_is_the_url_without_its_version() {
        for (url, family) in [
            (
                "http://x/spine-practitioner-2-0",
                "http://x/spine-practitioner",
            ),
            ("http://x/a-1-0-12", "http://x/a"),
            ("http://x/a-1b", "http://x/a-1b"),
            ("http://x/a-", "http://x/a-"),
            ("a-1", "a"),
            ("-1", ""),
            ("12", "12"),
            ("", ""),
        ] {
            assert_eq!(super::family(url), family, "{url}");
        }
    }

    #[test]
    fn a_reference_path_is_its_holder_and_the_elements_down_to_it() {
        use crate::xml::{parse_document, ReadOptions};
        let path = |xml: &str| {
            let doc = parse_document(xml.as_bytes(), &ReadOptions::default()).unwrap();
            let holder = doc.root_element();
            let reference = holder
                .descendants_named("reference")
                .next()
                .unwrap_or(holder);
            let mut buffer = [0u8; super::PATH_ROOM];
            let path = super::element_path(holder, reference, &mut buffer);
            (
                path.to_string(),
                matches!(path, std::borrow::Cow::Borrowed(_)),
            )
        };
        assert_eq!(
            path(r#"<MessageHeader><author><reference value="x"/></author></MessageHeader>"#),
            ("MessageHeader.author".to_string(), true)
        );
        assert_eq!(path("<Flag/>"), ("Flag".to_string(), true));
        // Past the room on the stack: on the heap, the same path.
        let deep = "a".repeat(130);
        assert_eq!(
            path(&format!(
                "<Flag><{deep}><b><reference/></b></{deep}></Flag>"
            )),
            (format!("Flag.{deep}.b"), false)
        );
    }

    #[test]
    fn absolute_references_have_a_scheme_separator_or_are_urns() {
        for (value, absolute) in [
            ("http://x/Patient/1", true),
            ("urn:uuid:1", true),
            ("a:b://c", true),
            ("x://", true),
            ("Patient/1", false),
            ("#local", false),
            ("a:b", false),
            ("a:/b", false),
            ("urn", false),
            (":", false),
            ("", false),
        ] {
            assert_eq!(super::is_absolute(value), absolute, "{value}");
            assert_eq!(
                value.contains("://") || value.starts_with("urn:"),
                absolute,
                "{value}"
            );
        }
    }

    #[test]
    fn envelopes_without_a_resource_take_the_next_and_the_rest_get_their_own() {
        // No envelopes (the usual case): one of its own per resource.
        assert_eq!(
            entry_plan([].into_iter(), 2),
            [(None, Some(0)), (None, Some(1))]
        );
        // An envelope that has a resource keeps it; the others take the next
        // while any are left, and keep nothing after.
        assert_eq!(
            entry_plan([false, true, false, false].into_iter(), 2),
            [
                (Some(0), Some(0)),
                (Some(1), None),
                (Some(2), Some(1)),
                (Some(3), None)
            ]
        );
        assert_eq!(
            entry_plan([false].into_iter(), 3),
            [(Some(0), Some(0)), (None, Some(1)), (None, Some(2))]
        );
    }

    #[test]
    fn the_planner_follows_the_plan() {
        for bits in 0u32..64 {
            for envelopes in 0..6 {
                let has: Vec<bool> = (0..envelopes).map(|i| bits >> i & 1 == 1).collect();
                for resources in 0..6 {
                    let plan = entry_plan(has.iter().copied(), resources);
                    let mut planner = super::EntryPlanner::new(has.iter().copied(), resources);
                    assert_eq!(planner.len(), plan.len());
                    let followed: Vec<_> = (0..plan.len())
                        .map(|i| planner.entry(i, has.get(i).copied().unwrap_or(false)))
                        .collect();
                    assert_eq!(followed, plan, "{has:?} {resources}");
                }
            }
        }
    }
}
