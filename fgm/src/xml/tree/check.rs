//! The scanner held to roxmltree: the oracle of the tests and the `tree`
//! fuzz target.

use super::*;
/// Holds [`scan`] to roxmltree on `text`: `Ok(true)` when the scanner
/// decides it and roxmltree agrees, within the same limits: it reads it
/// into the same tree, or reports the same error (variant and position);
/// `Ok(false)` when the scanner leaves it to roxmltree; the first
/// difference otherwise. For the tests and the `tree` fuzz target.
#[doc(hidden)]
pub fn check_scan(text: &str, max_nodes: u32, max_depth: usize) -> Result<bool, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: max_nodes,
        ..roxmltree::ParsingOptions::default()
    };
    let reference = roxmltree::Document::parse_with_options(text, options);
    let scanned = match scan(text, max_nodes, max_depth) {
        Scanned::GiveUp => return Ok(false),
        Scanned::Error(e) => {
            return match reference {
                Err(r) if r == e => Ok(true),
                Err(r) => Err(format!("scanner: {e:?}; roxmltree: {r:?}")),
                Ok(_) => Err(format!("scanner: {e:?}; roxmltree reads it")),
            };
        }
        Scanned::Tree(doc) => doc,
    };
    let reference = reference.map_err(|e| format!("scanned, but roxmltree refuses it: {e}"))?;
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
                "{n:?} blank={} ns={:?} parent={:?} next={:?} first={:?} text={:?} start={} attrs={attrs:?}",
                n.is_blank(),
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
