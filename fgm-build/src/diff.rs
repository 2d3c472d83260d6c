//! Public-API differences between two definition sets: types, fields,
//! cardinalities, fixed values, enum codes and manifest entries added,
//! removed or changed, as the generated API sees them. Profiles and value
//! sets are paired by canonical URL; one that is gone pairs with a new one of
//! its family (the URL without the version suffix: `spine-ris-flag-1-0` ↔
//! `spine-ris-flag-1-1`), so a bump that replaces a version reads as
//! changes. A new version beside one that stays is an addition (both are
//! generated), shown with its differences from the version that stays.

use std::collections::BTreeMap;

use crate::api::*;

/// The differences, one line each, grouped by module; empty when the APIs
/// are the same.
pub fn diff(old: &Api, new: &Api) -> Vec<String> {
    let mut out = Vec::new();

    let mut lines = Vec::new();
    types(&old.datatypes, &new.datatypes, &mut lines);
    group(&mut out, "datatypes".to_owned(), lines);

    for pairing in versions(
        &old.profiles,
        &new.profiles,
        |p| &p.url,
        ProfileModule::family,
    ) {
        match pairing {
            Versions::Removed(o) => out.push(format!("- profile {} ({})", o.url, o.module)),
            Versions::Added(n, None) => {
                out.push(format!("+ profile {} ({})", n.url, n.module));
                for t in &n.types {
                    added_type(t, "  ", &mut out);
                }
            }
            Versions::Added(n, Some(p)) => {
                out.push(format!(
                    "+ profile {} ({}), beside {} ({}), which stays; from it:",
                    n.url, n.module, p.url, p.module
                ));
                let mut lines = Vec::new();
                types(&p.types, &n.types, &mut lines);
                out.extend(lines.into_iter().map(|l| format!("  {l}")));
            }
            Versions::Same(o, n) | Versions::Replaced(o, n) => {
                let mut lines = Vec::new();
                types(&o.types, &n.types, &mut lines);
                let header =
                    (o.name != n.name || o.version != n.version || o.url != n.url).then(|| {
                        format!(
                            "~ profile {}: {} {} -> {} {} (module {} -> {})",
                            if o.url == n.url { &n.url } else { n.family() },
                            o.name,
                            o.version.as_deref().unwrap_or("-"),
                            n.name,
                            n.version.as_deref().unwrap_or("-"),
                            o.module,
                            n.module
                        )
                    });
                match header {
                    Some(h) => {
                        out.push(h);
                        out.extend(lines.into_iter().map(|l| format!("  {l}")));
                    }
                    None => group(&mut out, format!("profile {}", n.url), lines),
                }
            }
        }
    }

    for pairing in versions(
        &old.value_sets,
        &new.value_sets,
        |v| &v.url,
        CodeEnum::family,
    ) {
        match pairing {
            Versions::Removed(o) => out.push(format!("- enum {} ({})", o.name, o.url)),
            Versions::Added(n, None) => {
                out.push(format!("+ enum {} ({})", n.name, n.url));
                for v in &n.variants {
                    out.push(format!(
                        "  + {}::{} = {}|{}",
                        n.name, v.name, v.system, v.code
                    ));
                }
            }
            Versions::Added(n, Some(p)) => {
                out.push(format!(
                    "+ enum {} ({}), beside {} ({}), which stays; from it:",
                    n.name, n.url, p.name, p.url
                ));
                codes(p, n, &mut out);
            }
            Versions::Same(o, n) | Versions::Replaced(o, n) => {
                let mut lines = Vec::new();
                if o.name != n.name || o.url != n.url || o.version != n.version {
                    lines.push(format!(
                        "~ enum {}: {} {} -> {} {}",
                        if o.url == n.url { &n.url } else { n.family() },
                        o.name,
                        o.version.as_deref().unwrap_or("-"),
                        n.name,
                        n.version.as_deref().unwrap_or("-")
                    ));
                }
                codes(o, n, &mut lines);
                out.extend(lines);
            }
        }
    }

    let mut lines = Vec::new();
    messages(old.messages.as_ref(), new.messages.as_ref(), &mut lines);
    group(&mut out, "messages".to_owned(), lines);
    out
}

/// How a definition of the old set relates to one of the new set.
enum Versions<'a, T> {
    /// The same canonical URL in both.
    Same(&'a T, &'a T),
    /// A URL gone and another of its family (another version) come in its
    /// place: a bump that moves the API.
    Replaced(&'a T, &'a T),
    /// New in the API; beside the newest version of its family that stays
    /// (both are generated), if there is one.
    Added(&'a T, Option<&'a T>),
    /// Gone, with no other version in its place.
    Removed(&'a T),
}

/// Pairs two definition sets: by canonical URL first; what is left over,
/// by family (the URL without its version suffix), one old with one new
/// in version order. A new version whose family keeps a definition that
/// is in both sets is an addition, not a replacement: the old one is
/// still generated. Sorted by family, then URL.
fn versions<'a, T>(
    old: &'a [T],
    new: &'a [T],
    url: impl Fn(&T) -> &String,
    family: impl Fn(&T) -> &str,
) -> Vec<Versions<'a, T>> {
    let in_new = |o: &T| new.iter().any(|n| url(n) == url(o));
    let in_old = |n: &T| old.iter().any(|o| url(o) == url(n));
    let mut out: Vec<(&str, &String, Versions<'a, T>)> = Vec::new();
    for n in new.iter().filter(|n| in_old(n)) {
        let o = old.iter().find(|o| url(o) == url(n)).expect("in old");
        out.push((family(n), url(n), Versions::Same(o, n)));
    }
    let mut gone: Vec<&T> = old.iter().filter(|o| !in_new(o)).collect();
    let mut come: Vec<&T> = new.iter().filter(|n| !in_old(n)).collect();
    gone.sort_by(|a, b| url(a).cmp(url(b)));
    come.sort_by(|a, b| url(a).cmp(url(b)));
    for n in come {
        let staying = old
            .iter()
            .filter(|o| in_new(o) && family(o) == family(n))
            .max_by(|a, b| url(a).cmp(url(b)));
        let pairing = match (staying, gone.iter().position(|o| family(o) == family(n))) {
            (None, Some(i)) => Versions::Replaced(gone.remove(i), n),
            (staying, _) => Versions::Added(n, staying),
        };
        out.push((family(n), url(n), pairing));
    }
    for o in gone {
        out.push((family(o), url(o), Versions::Removed(o)));
    }
    out.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    out.into_iter().map(|(_, _, v)| v).collect()
}

fn group(out: &mut Vec<String>, title: String, lines: Vec<String>) {
    if !lines.is_empty() {
        out.push(format!("~ {title}"));
        out.extend(lines.into_iter().map(|l| format!("  {l}")));
    }
}

fn by_key<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> BTreeMap<&'a str, &'a T> {
    items.iter().map(|i| (key(i), i)).collect()
}

type Pair<'a, T> = (Option<&'a T>, Option<&'a T>);

fn pairs<'a, T>(
    old: &BTreeMap<&'a str, &'a T>,
    new: &BTreeMap<&'a str, &'a T>,
) -> Vec<(&'a str, Pair<'a, T>)> {
    let mut keys: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .map(|k| (k, (old.get(k).copied(), new.get(k).copied())))
        .collect()
}

fn card(f: &Field) -> String {
    format!("{}..{}", f.min, f.max)
}

fn field_sig(f: &Field) -> String {
    let mut s = format!("{} {}", f.ty.display_name(), card(f));
    if f.xml_name != f.name {
        s.push_str(&format!(" <{}>", f.xml_name));
    }
    if f.attribute {
        s.push_str(" (attribute)");
    }
    if f.json_array {
        s.push_str(" (JSON array)");
    }
    if let Some(values) = &f.slice {
        let by: Vec<String> = values
            .iter()
            .map(|v| format!("{}={}", v.element, v.value))
            .collect();
        s.push_str(&format!(" [slice {}]", by.join(",")));
    }
    s
}

/// A field's API facts, named, for a change line that shows only what changed.
fn field_aspects(f: &Field) -> [(&'static str, String); 6] {
    let slice = f.slice.as_ref().map(|values| {
        values
            .iter()
            .map(|v| format!("{}={}", v.element, v.value))
            .collect::<Vec<_>>()
            .join(",")
    });
    [
        ("type", f.ty.display_name()),
        ("cardinality", card(f)),
        ("element", f.xml_name.clone()),
        ("attribute", f.attribute.to_string()),
        ("slice", slice.unwrap_or_else(|| "-".to_owned())),
        ("JSON array", f.json_array.to_string()),
    ]
}

fn added_type(t: &TypeDef, indent: &str, out: &mut Vec<String>) {
    match t {
        TypeDef::Struct(s) => {
            out.push(format!("{indent}+ struct {}", s.name));
            for f in &s.fields {
                out.push(format!(
                    "{indent}  + {}.{}: {}",
                    s.name,
                    f.name,
                    field_sig(f)
                ));
            }
            for f in &s.fixed {
                out.push(format!(
                    "{indent}  + {} fixed {} = {}",
                    s.name, f.element, f.value
                ));
            }
        }
        TypeDef::Choice(c) => {
            out.push(format!("{indent}+ enum {}", c.name));
            for v in &c.variants {
                out.push(format!(
                    "{indent}  + {}::{}({})",
                    c.name,
                    v.name,
                    v.ty.display_name()
                ));
            }
        }
        TypeDef::Resources(r) => {
            out.push(format!("{indent}+ enum {}", r.name));
            for v in &r.variants {
                out.push(format!(
                    "{indent}  + {}::{} ({})",
                    r.name, v.name, v.profile
                ));
            }
        }
    }
}

fn types(old: &[TypeDef], new: &[TypeDef], out: &mut Vec<String>) {
    let o = by_key(old, TypeDef::name);
    let n = by_key(new, TypeDef::name);
    for (name, pair) in pairs(&o, &n) {
        match pair {
            (Some(_), None) => out.push(format!("- type {name}")),
            (None, Some(t)) => added_type(t, "", out),
            (Some(a), Some(b)) => changed_type(a, b, out),
            (None, None) => {}
        }
    }
}

fn changed_type(a: &TypeDef, b: &TypeDef, out: &mut Vec<String>) {
    match (a, b) {
        (TypeDef::Struct(a), TypeDef::Struct(b)) => {
            let fa: BTreeMap<&str, &Field> =
                a.fields.iter().map(|f| (f.name.as_str(), f)).collect();
            let fb: BTreeMap<&str, &Field> =
                b.fields.iter().map(|f| (f.name.as_str(), f)).collect();
            for (name, pair) in pairs(&fa, &fb) {
                match pair {
                    (Some(f), None) => out.push(format!("- {}.{name}: {}", a.name, field_sig(f))),
                    (None, Some(f)) => out.push(format!("+ {}.{name}: {}", b.name, field_sig(f))),
                    (Some(x), Some(y)) => {
                        let changes: Vec<String> = field_aspects(x)
                            .into_iter()
                            .zip(field_aspects(y))
                            .filter(|(p, q)| p != q)
                            .map(|((k, p), (_, q))| format!("{k} {p} -> {q}"))
                            .collect();
                        if !changes.is_empty() {
                            out.push(format!("~ {}.{name}: {}", a.name, changes.join("; ")));
                        }
                    }
                    (None, None) => {}
                }
            }
            let order_a: Vec<&str> = a
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .filter(|n| fb.contains_key(n))
                .collect();
            let order_b: Vec<&str> = b
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .filter(|n| fa.contains_key(n))
                .collect();
            if order_a != order_b {
                out.push(format!(
                    "~ {}: field order {} -> {}",
                    a.name,
                    order_a.join(", "),
                    order_b.join(", ")
                ));
            }
            if a.fixed != b.fixed {
                let show = |f: &[FixedValue]| {
                    f.iter()
                        .map(|v| format!("{}={}", v.element, v.value))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                out.push(format!(
                    "~ {} fixed: [{}] -> [{}]",
                    a.name,
                    show(&a.fixed),
                    show(&b.fixed)
                ));
            }
        }
        (TypeDef::Choice(a), TypeDef::Choice(b)) => {
            let va: Vec<String> = a
                .variants
                .iter()
                .map(|v| format!("{}({})", v.name, v.ty.display_name()))
                .collect();
            let vb: Vec<String> = b
                .variants
                .iter()
                .map(|v| format!("{}({})", v.name, v.ty.display_name()))
                .collect();
            for v in va.iter().filter(|v| !vb.contains(v)) {
                out.push(format!("- {}::{v}", a.name));
            }
            for v in vb.iter().filter(|v| !va.contains(v)) {
                out.push(format!("+ {}::{v}", b.name));
            }
        }
        (TypeDef::Resources(a), TypeDef::Resources(b)) => {
            let gone: Vec<&ResourceVariant> = a
                .variants
                .iter()
                .filter(|v| !b.variants.iter().any(|w| w.profile == v.profile))
                .collect();
            let new: Vec<&ResourceVariant> = b
                .variants
                .iter()
                .filter(|w| !a.variants.iter().any(|v| v.profile == w.profile))
                .collect();
            let family = |v: &ResourceVariant| strip_version(&v.profile).to_owned();
            for v in &gone {
                match new.iter().find(|w| family(w) == family(v)) {
                    Some(w) => out.push(format!(
                        "~ {}::{} -> {} ({} -> {})",
                        a.name, v.name, w.name, v.profile, w.profile
                    )),
                    None => out.push(format!("- {}::{} ({})", a.name, v.name, v.profile)),
                }
            }
            for w in &new {
                if !gone.iter().any(|v| family(v) == family(w)) {
                    out.push(format!("+ {}::{} ({})", b.name, w.name, w.profile));
                }
            }
        }
        _ => out.push(format!("~ type {}: kind changed", a.name())),
    }
}

fn codes(o: &CodeEnum, n: &CodeEnum, out: &mut Vec<String>) {
    for v in &o.variants {
        match n.variants.iter().find(|w| w.code == v.code) {
            None => out.push(format!(
                "  - {}::{} = {}|{}",
                o.name, v.name, v.system, v.code
            )),
            Some(w) => {
                if w.system != v.system || w.display != v.display || w.name != v.name {
                    out.push(format!(
                        "  ~ {}::{}: {}|{} \"{}\" -> {}::{}: {}|{} \"{}\"",
                        o.name,
                        v.name,
                        v.system,
                        v.code,
                        v.display,
                        n.name,
                        w.name,
                        w.system,
                        w.code,
                        w.display
                    ));
                }
            }
        }
    }
    for w in &n.variants {
        if !o.variants.iter().any(|v| v.code == w.code) {
            out.push(format!(
                "  + {}::{} = {}|{}",
                n.name, w.name, w.system, w.code
            ));
        }
    }
}

fn entry_sig(e: &EntryDef) -> String {
    let contained: Vec<String> = e.contained.iter().map(entry_sig).collect();
    let mut s = format!("{} {}..{} {}", e.name, e.min, e.max, e.profile);
    if !contained.is_empty() {
        s.push_str(&format!(" containing [{}]", contained.join("; ")));
    }
    s
}

fn interaction_sig(i: &InteractionDef) -> Vec<(String, String)> {
    let mut v = vec![
        (
            "event".to_owned(),
            format!("{}|{}", i.event_system, i.event_code),
        ),
        ("direction".to_owned(), format!("{:?}", i.direction)),
        ("endpoint".to_owned(), i.endpoint.clone()),
        ("soap_action".to_owned(), i.soap_action.clone()),
        ("success_status".to_owned(), i.success_status.to_string()),
        (
            "responds_to".to_owned(),
            i.responds_to.clone().unwrap_or_default(),
        ),
    ];
    for e in &i.entries {
        v.push((format!("entry {}", e.name), entry_sig(e)));
    }
    v
}

fn messages(old: Option<&Messages>, new: Option<&Messages>, out: &mut Vec<String>) {
    let empty = Messages {
        interactions: Vec::new(),
        response_codes: Vec::new(),
        code_enums: None,
        bundle: ResourceVariant {
            name: String::new(),
            module: String::new(),
            type_name: String::new(),
            resource_type: String::new(),
            profile: String::new(),
        },
    };
    let (o, n) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let io = by_key(&o.interactions, |i| i.name.as_str());
    let inn = by_key(&n.interactions, |i| i.name.as_str());
    for (name, pair) in pairs(&io, &inn) {
        match pair {
            (Some(_), None) => out.push(format!("- Interaction::{name}")),
            (None, Some(i)) => {
                out.push(format!("+ Interaction::{name}"));
                for (k, v) in interaction_sig(i) {
                    out.push(format!("  + {k}: {v}"));
                }
            }
            (Some(a), Some(b)) => {
                let (sa, sb) = (interaction_sig(a), interaction_sig(b));
                for (k, v) in &sa {
                    match sb.iter().find(|(kb, _)| kb == k) {
                        None => out.push(format!("~ Interaction::{name}: - {k}: {v}")),
                        Some((_, w)) if w != v => {
                            out.push(format!("~ Interaction::{name}: {k}: {v} -> {w}"))
                        }
                        _ => {}
                    }
                }
                for (k, v) in &sb {
                    if !sa.iter().any(|(ka, _)| ka == k) {
                        out.push(format!("~ Interaction::{name}: + {k}: {v}"));
                    }
                }
            }
            (None, None) => {}
        }
    }
    let sig = |r: &ResponseCodeDef| {
        format!(
            "{}|{} http {} {} {} \"{}\" legacy {}",
            r.system,
            r.code,
            r.http_status,
            r.severity,
            r.issue_type,
            r.display,
            r.legacy.as_deref().unwrap_or("-")
        )
    };
    let ro = by_key(&o.response_codes, |r| r.code.as_str());
    let rn = by_key(&n.response_codes, |r| r.code.as_str());
    for (code, pair) in pairs(&ro, &rn) {
        match pair {
            (Some(r), None) => out.push(format!("- response code {code}: {}", sig(r))),
            (None, Some(r)) => out.push(format!("+ response code {code}: {}", sig(r))),
            (Some(a), Some(b)) if sig(a) != sig(b) => {
                out.push(format!("~ response code {code}: {} -> {}", sig(a), sig(b)))
            }
            _ => {}
        }
    }
}
