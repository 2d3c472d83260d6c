#![allow(dead_code)]
//! Semantic XML comparison for round-trip tests.
//!
//! Ignores comments, processing instructions, the XML declaration,
//! whitespace-only text and the difference between "no namespace" and the
//! FHIR namespace. Everything else (names, child order and count, attributes,
//! text) must match exactly.

use std::collections::HashMap;

use roxmltree::{Document, ExpandedName, Node};

const FHIR_NS: &str = "http://hl7.org/fhir";

/// Nesting deeper than this is reported as an error instead of risking a
/// stack overflow.
const MAX_DEPTH: usize = 256;

/// Compares two XML documents semantically, returning `Ok(())` or `Err` with
/// a one-paragraph description of the first difference, naming the element
/// path (e.g. `Bundle/entry[1]/resource/Flag/status`) and what differs.
pub fn semantically_equal(expected: &str, actual: &str) -> Result<(), String> {
    let exp = Document::parse(expected)
        .map_err(|e| format!("expected document is not well-formed XML: {e}"))?;
    let act = Document::parse(actual)
        .map_err(|e| format!("actual document is not well-formed XML: {e}"))?;
    let (e, a) = (exp.root_element(), act.root_element());
    compare_element(e, a, e.tag_name().name(), 0)
}

/// A significant child node: an element with its path, or non-whitespace text.
enum Item<'a, 'input> {
    Element(Node<'a, 'input>, String),
    Text(String),
}

/// Maps the FHIR namespace to "no namespace"; other namespaces are kept.
fn normalized_ns<'a>(name: &ExpandedName<'a, '_>) -> Option<&'a str> {
    name.namespace().filter(|ns| *ns != FHIR_NS)
}

fn describe(name: &ExpandedName) -> String {
    match name.namespace() {
        Some(ns) => format!("`{}` in namespace `{ns}`", name.name()),
        None => format!("`{}` in no namespace", name.name()),
    }
}

/// Collects the significant children of `node`, merging text split only by
/// comments or processing instructions and dropping whitespace-only text.
fn children<'a, 'input>(node: Node<'a, 'input>, path: &str) -> Vec<Item<'a, 'input>> {
    let mut totals: HashMap<&str, usize> = HashMap::new();
    for child in node.children().filter(Node::is_element) {
        *totals.entry(child.tag_name().name()).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut items = Vec::new();
    let mut text = String::new();
    let flush = |text: &mut String, items: &mut Vec<Item<'a, 'input>>| {
        let t = std::mem::take(text);
        if !t.trim().is_empty() {
            items.push(Item::Text(t));
        }
    };
    for child in node.children() {
        if child.is_text() {
            text.push_str(child.text().unwrap_or_default());
        } else if child.is_element() {
            flush(&mut text, &mut items);
            let name = child.tag_name().name();
            let index = seen.entry(name).or_default();
            let child_path = if totals.get(name).copied().unwrap_or(0) > 1 {
                format!("{path}/{name}[{index}]")
            } else {
                format!("{path}/{name}")
            };
            *index += 1;
            items.push(Item::Element(child, child_path));
        }
    }
    flush(&mut text, &mut items);
    items
}

fn compare_element(e: Node, a: Node, path: &str, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "at `{path}`: nesting deeper than {MAX_DEPTH} levels, refusing to compare further"
        ));
    }
    let (en, an) = (e.tag_name(), a.tag_name());
    if en.name() != an.name() || normalized_ns(&en) != normalized_ns(&an) {
        return Err(format!(
            "at `{path}`: element differs: expected {}, actual {}",
            describe(&en),
            describe(&an)
        ));
    }
    compare_attributes(e, a, path)?;
    let (ei, ai) = (children(e, path), children(a, path));
    for i in 0..ei.len().max(ai.len()) {
        match (ei.get(i), ai.get(i)) {
            (Some(Item::Element(x, p)), Some(Item::Element(y, _))) => {
                compare_element(*x, *y, p, depth + 1)?
            }
            (Some(Item::Text(x)), Some(Item::Text(y))) if x == y => {}
            (Some(Item::Text(x)), Some(Item::Text(y))) => {
                return Err(format!(
                    "at `{path}`: text content differs: expected {x:?}, actual {y:?}"
                ))
            }
            (Some(Item::Element(x, p)), None) => {
                return Err(format!(
                    "at `{p}`: expected element {} is missing from actual \
                     (actual `{path}` has only {} significant children, expected {})",
                    describe(&x.tag_name()),
                    ai.len(),
                    ei.len()
                ))
            }
            (None, Some(Item::Element(y, p))) => {
                return Err(format!(
                    "at `{p}`: actual has unexpected extra element {} \
                     (actual `{path}` has {} significant children, expected {})",
                    describe(&y.tag_name()),
                    ai.len(),
                    ei.len()
                ))
            }
            (x, y) => {
                return Err(format!(
                    "at `{path}`: significant child #{i} differs: expected {}, actual {}",
                    describe_item(x),
                    describe_item(y)
                ))
            }
        }
    }
    Ok(())
}

fn describe_item(item: Option<&Item>) -> String {
    match item {
        Some(Item::Element(n, _)) => format!("element {}", describe(&n.tag_name())),
        Some(Item::Text(t)) => format!("text {t:?}"),
        None => "nothing".to_owned(),
    }
}

fn attr_name(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) => format!("`{{{ns}}}{name}`"),
        None => format!("`{name}`"),
    }
}

fn compare_attributes(e: Node, a: Node, path: &str) -> Result<(), String> {
    for ea in e.attributes() {
        let name = attr_name(ea.namespace(), ea.name());
        let found = a
            .attributes()
            .find(|aa| aa.name() == ea.name() && aa.namespace() == ea.namespace());
        match found {
            None => {
                return Err(format!(
                    "at `{path}`: attribute {name} (expected value {:?}) is missing from actual",
                    ea.value()
                ))
            }
            Some(aa) if aa.value() != ea.value() => {
                return Err(format!(
                    "at `{path}`: attribute {name} differs: expected {:?}, actual {:?}",
                    ea.value(),
                    aa.value()
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = a.attributes().find(|aa| {
        !e.attributes()
            .any(|ea| ea.name() == aa.name() && ea.namespace() == aa.namespace())
    }) {
        return Err(format!(
            "at `{path}`: actual has unexpected extra attribute {} with value {:?}",
            attr_name(extra.namespace(), extra.name()),
            extra.value()
        ));
    }
    Ok(())
}

/// Self-test of [`semantically_equal`]; panics on failure.
pub fn self_test() {
    const BASE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
  <!-- a comment -->
  <entry><resource><Flag><status value="active"/></Flag></resource></entry>
  <entry><resource><Flag><status value="inactive"/></Flag></resource></entry>
  <entry><resource><Patient><id value="p1"/></Patient></resource></entry>
</Bundle>"#;
    let ok = |expected: &str, actual: &str| {
        if let Err(e) = semantically_equal(expected, actual) {
            panic!("expected equal, got: {e}\nexpected: {expected}\nactual: {actual}");
        }
    };
    let fails =
        |expected: &str, actual: &str, needle: &str| match semantically_equal(expected, actual) {
            Ok(()) => panic!("expected a difference\nexpected: {expected}\nactual: {actual}"),
            Err(e) => assert!(
                e.contains(needle),
                "error {e:?} does not mention {needle:?}"
            ),
        };

    // Identical documents.
    ok(BASE, BASE);
    // No namespace vs FHIR namespace, with comments, PIs and indentation.
    ok(
        r#"<Bundle><entry><resource><Flag><status value="active"/></Flag></resource></entry><entry><resource><Flag><status value="inactive"/></Flag></resource></entry><entry><resource><Patient><id value="p1"/></Patient></resource></entry></Bundle>"#,
        BASE,
    );
    ok(
        r#"<Flag xmlns="http://hl7.org/fhir"><status value="active"/></Flag>"#,
        r#"<?xml version="1.0"?><?pi x?>
<!-- c --><Flag xmlns="http://hl7.org/fhir">
    <!-- inner -->
    <status value="active"/>
</Flag>"#,
    );
    // Truncated list of entries.
    let truncated = BASE.replace(
        r#"<entry><resource><Patient><id value="p1"/></Patient></resource></entry>"#,
        "",
    );
    fails(BASE, &truncated, "Bundle/entry[2]");
    // Extra element.
    fails(&truncated, BASE, "Bundle/entry[2]");
    // Reordered children.
    fails(
        r#"<Flag><status value="active"/><code value="x"/></Flag>"#,
        r#"<Flag xmlns="http://hl7.org/fhir"><code value="x"/><status value="active"/></Flag>"#,
        "Flag/status",
    );
    // Changed attribute value.
    fails(
        BASE,
        &BASE.replace(r#""inactive""#, r#""entered-in-error""#),
        "Bundle/entry[1]/resource/Flag/status",
    );
    // Trailing space in an attribute value.
    fails(
        BASE,
        &BASE.replace(r#""p1""#, r#""p1 ""#),
        "Bundle/entry[2]/resource/Patient/id",
    );
    // Extra attribute.
    fails(
        BASE,
        &BASE.replace(r#"value="p1""#, r#"value="p1" id="x""#),
        "extra attribute `id`",
    );
    // Missing attribute.
    fails(
        BASE,
        &BASE.replace(r#"<id value="p1"/>"#, "<id/>"),
        "is missing",
    );
    // Foreign namespace vs FHIR.
    let div = |ns: &str| {
        format!(
            r#"<Patient xmlns="http://hl7.org/fhir"><text><div xmlns="{ns}">Hi</div></text></Patient>"#
        )
    };
    ok(
        &div("http://www.w3.org/1999/xhtml"),
        &div("http://www.w3.org/1999/xhtml"),
    );
    fails(
        &div("http://www.w3.org/1999/xhtml"),
        &div(FHIR_NS),
        "Patient/text/div",
    );
    // Text content difference.
    fails(
        &div("http://www.w3.org/1999/xhtml"),
        &div("http://www.w3.org/1999/xhtml").replace("Hi", "Hi!"),
        "text content differs",
    );
    // Parse failures name the side.
    fails("<a>", BASE, "expected document");
    fails(BASE, "<a></b>", "actual document");
    // Deep nesting is an error, not a stack overflow. (roxmltree 0.20 itself
    // overflows a 2 MiB test-thread stack at roughly 400 levels when parsing,
    // so deeper inputs cannot be guarded against here.)
    let deep = format!("{}{}", "<a>".repeat(280), "</a>".repeat(280));
    fails(&deep, &deep, "nesting deeper");
}
