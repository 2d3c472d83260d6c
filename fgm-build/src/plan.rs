//! From effective element trees to the Rust API ([`crate::api`]): names,
//! containers, enums for bindings and choices, slices as named fields, fixed
//! values out of the fields.

use std::collections::{BTreeSet, HashMap};

use crate::api::*;
use crate::error::{Error, Result};
use crate::model::{Max, Strength, StructureDef, ValueSetDef};
use crate::naming::{camel, slice_field, snake, variant};
use crate::resolve::{is_primitive, Node, Resolved};

/// The Rust name of the runtime type for a FHIR primitive.
pub fn primitive_type(code: &str) -> &'static str {
    match code {
        "boolean" => "Boolean",
        "integer" => "Integer",
        "decimal" => "Decimal",
        "base64Binary" => "Base64Binary",
        "instant" => "Instant",
        "string" => "FhirString",
        "uri" => "Uri",
        "date" => "Date",
        "dateTime" => "DateTime",
        "time" => "Time",
        "code" => "Code",
        "oid" => "Oid",
        "uuid" => "Uuid",
        "id" => "Id",
        "unsignedInt" => "UnsignedInt",
        "positiveInt" => "PositiveInt",
        "markdown" => "Markdown",
        "xhtml" => "Xhtml",
        _ => unreachable!("not a primitive: {code}"),
    }
}

/// Plans the API of resolved definitions.
pub fn plan(resolved: &Resolved<'_>) -> Result<Api> {
    let registry = resolved.registry;
    let mut planner = Planner {
        value_sets: HashMap::new(),
        datatypes: HashMap::new(),
        variants: HashMap::new(),
        contained: HashMap::new(),
    };
    // Canonical order, whatever the order of the folders and files read.
    let mut sets: Vec<&ValueSetDef> = registry.value_sets.iter().collect();
    sets.sort_by(|a, b| a.name.cmp(&b.name).then(a.url.cmp(&b.url)));
    let value_sets = planner.value_sets(&sets)?;
    let mut resolved_profiles: Vec<&(&StructureDef, Node)> = resolved.profiles.iter().collect();
    resolved_profiles.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.url.cmp(&b.0.url)));
    let mut resolved_datatypes: Vec<&(&StructureDef, Node)> = resolved.datatypes.iter().collect();
    resolved_datatypes.sort_by(|a, b| a.0.name.cmp(&b.0.name));

    let mut any = Vec::new();
    let mut modules = BTreeSet::new();
    for (sd, _) in &resolved_profiles {
        let v = ResourceVariant {
            name: camel(&sd.name),
            module: snake(&sd.name),
            type_name: sd.fhir_type().to_owned(),
            resource_type: sd.fhir_type().to_owned(),
            profile: sd.url.clone(),
        };
        if !modules.insert(v.module.clone()) {
            return Err(
                Error::at(&sd.source, format!("two profiles are named `{}`", v.module))
                    .element(&sd.url),
            );
        }
        planner.variants.insert(sd.url.clone(), v.clone());
        any.push(v);
    }
    let mut doc = Doc::default();
    doc.add(Some(
        "Any resource of the profiles in the definitions, by profile.",
    ));
    let any_resource = ResourceEnum {
        name: "AnyResource".to_owned(),
        doc,
        variants: any,
    };

    if let Some(manifest) = &registry.manifest {
        for interaction in &manifest.interactions {
            for entry in &interaction.entries {
                let list = planner.contained.entry(entry.profile.clone()).or_default();
                for c in &entry.contained {
                    if !list.contains(&c.profile) {
                        list.push(c.profile.clone());
                    }
                }
            }
        }
    }

    let mut datatypes = Vec::new();
    for (sd, node) in &resolved_datatypes {
        let mut cx = ModCx::new(Scope::Datatypes, None);
        planner.structure(&mut cx, node, sd.name.clone(), None)?;
        if let Some(TypeDef::Struct(s)) = cx.types.first() {
            planner.datatypes.insert(sd.name.clone(), s.clone());
        }
        datatypes.extend(cx.types);
    }
    check_unique(datatypes.iter().map(TypeDef::name), "datatypes")?;

    let mut profiles = Vec::new();
    for (sd, node) in &resolved_profiles {
        profiles.push(planner.profile(sd, node)?);
    }

    let messages = match &registry.manifest {
        Some(manifest) => Some(planner.messages(manifest, registry)?),
        None => None,
    };
    Ok(Api {
        datatypes,
        value_sets,
        profiles,
        any_resource,
        messages,
    })
}

fn check_unique<'a>(names: impl Iterator<Item = &'a str>, module: &str) -> Result<()> {
    let mut seen = BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(Error::new(format!(
                "two generated types in module `{module}` are named `{name}`"
            )));
        }
    }
    Ok(())
}

struct Planner {
    /// Value-set URL → enum name.
    value_sets: HashMap<String, String>,
    /// Datatype name → its planned struct, to recognise unconstrained copies.
    datatypes: HashMap<String, StructDef>,
    /// Profile URL → its `AnyResource` variant.
    variants: HashMap<String, ResourceVariant>,
    /// Profile URL → the profiles the manifest contains in it.
    contained: HashMap<String, Vec<String>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Datatypes,
    Profile,
}

/// The module being planned.
struct ModCx {
    scope: Scope,
    profile: Option<String>,
    types: Vec<TypeDef>,
    /// FHIR path → the local type planned for it.
    by_path: HashMap<String, String>,
    /// Reference elements and the profiles they may point at.
    targets: Vec<(String, Vec<String>)>,
}

impl ModCx {
    fn new(scope: Scope, profile: Option<String>) -> ModCx {
        ModCx {
            scope,
            profile,
            types: Vec::new(),
            by_path: HashMap::new(),
            targets: Vec::new(),
        }
    }

    /// Records the target profiles of a reference element.
    fn reference(&mut self, node: &Node) {
        let targets: Vec<String> = node
            .def
            .types
            .iter()
            .filter(|t| t.code == "Reference")
            .flat_map(|t| t.profiles.iter().cloned())
            .collect();
        if !targets.is_empty() && !self.targets.iter().any(|(p, _)| *p == node.def.path) {
            self.targets.push((node.def.path.clone(), targets));
        }
    }
}

impl Planner {
    fn value_sets(&mut self, sets: &[&ValueSetDef]) -> Result<Vec<CodeEnum>> {
        let mut out = Vec::new();
        let mut names = BTreeSet::new();
        for vs in sets {
            let name = camel(&vs.name);
            if !names.insert(name.clone()) {
                return Err(Error::at(
                    &vs.source,
                    format!("two value sets would both be enum `{name}`"),
                )
                .element(&vs.url));
            }
            let mut variants: Vec<CodeVariant> = Vec::new();
            for c in &vs.concepts {
                let v = variant(&c.code, c.display.as_deref());
                if variants
                    .iter()
                    .any(|o| o.code == c.code && o.system != c.system)
                {
                    return Err(Error::at(
                        &vs.source,
                        format!("code `{}` appears under two systems", c.code),
                    )
                    .element(&vs.url));
                }
                if variants.iter().any(|o| o.name == v) {
                    return Err(Error::at(
                        &vs.source,
                        format!("codes `{}` and another both name variant `{v}`", c.code),
                    )
                    .element(&vs.url));
                }
                let mut doc = Doc::default();
                doc.add(c.definition.as_deref());
                variants.push(CodeVariant {
                    name: v,
                    code: c.code.clone(),
                    system: c.system.clone(),
                    display: c.display.clone().unwrap_or_else(|| c.code.clone()),
                    doc,
                });
            }
            if variants.is_empty() {
                return Err(Error::at(&vs.source, "the value set lists no codes").element(&vs.url));
            }
            let mut doc = Doc::default();
            doc.add(vs.description.as_deref());
            doc.add(Some(&format!(
                "Value set `{}`{}.",
                vs.url,
                vs.version
                    .as_deref()
                    .map(|v| format!(", version {v}"))
                    .unwrap_or_default()
            )));
            self.value_sets.insert(vs.url.clone(), name.clone());
            out.push(CodeEnum {
                name,
                url: vs.url.clone(),
                version: vs.version.clone(),
                doc,
                variants,
            });
        }
        Ok(out)
    }

    fn profile(&mut self, sd: &StructureDef, node: &Node) -> Result<ProfileModule> {
        let root = sd.fhir_type().to_owned();
        let mut cx = ModCx::new(Scope::Profile, Some(sd.url.clone()));
        self.structure(
            &mut cx,
            node,
            root.clone(),
            Some((root.clone(), sd.url.clone())),
        )?;
        let module = snake(&sd.name);
        check_unique(cx.types.iter().map(TypeDef::name), &module)?;
        let mut doc = Doc::default();
        doc.add(Some(&format!(
            "Profile `{}` ({}{}): {} constrained.",
            sd.name,
            sd.url,
            sd.version
                .as_deref()
                .map(|v| format!(", version {v}"))
                .unwrap_or_default(),
            root
        )));
        doc.add(sd.description.as_deref());
        Ok(ProfileModule {
            module,
            url: sd.url.clone(),
            name: sd.name.clone(),
            version: sd.version.clone(),
            resource_type: root.clone(),
            root,
            doc,
            types: cx.types,
            reference_targets: cx.targets,
        })
    }

    /// Plans the struct for `node` (and the types inside it) into `cx`.
    fn structure(
        &mut self,
        cx: &mut ModCx,
        node: &Node,
        name: String,
        resource: Option<(String, String)>,
    ) -> Result<()> {
        let slot = cx.types.len();
        cx.types.push(TypeDef::Struct(StructDef {
            name: name.clone(),
            fhir_path: node.def.path.clone(),
            resource: None,
            doc: Doc::default(),
            fields: Vec::new(),
            fixed: Vec::new(),
        }));
        cx.by_path.insert(node.def.path.clone(), name.clone());
        let mut fields: Vec<Field> = Vec::new();
        let mut fixed = Vec::new();
        let mut last_xml: Option<String> = None;
        for child in &node.children {
            if let Some(f) = &child.def.fixed {
                if child.min() >= 1 && child.max() == Max::N(1) {
                    fixed.push(FixedValue {
                        element: xml_name(child),
                        value: f.value.clone(),
                        after: last_xml.clone(),
                    });
                    last_xml = Some(xml_name(child));
                    continue;
                }
                return Err(Error::at(
                    &child.def.source,
                    format!(
                        "a fixed value on an element that is not 1..1 ({}..{}) is not supported",
                        child.min(),
                        child.max()
                    ),
                )
                .element(&child.def.path));
            }
            if child.def.slicing.is_some() || !child.slices.is_empty() {
                for slice in &child.slices {
                    let values = discriminator_values(child, slice)?;
                    let field_name = slice_field(&values[0].value);
                    let ty =
                        self.element_type(cx, slice, format!("{name}{}", camel(&field_name)))?;
                    fields.push(Field {
                        name: field_name,
                        xml_name: xml_name(child),
                        doc: field_doc(slice, Some(&values)),
                        ty,
                        min: slice.min(),
                        max: slice.max(),
                        attribute: false,
                        slice: Some(values),
                        choice: false,
                        json_array: false,
                    });
                }
                if child.def.slicing.as_ref().is_some_and(|s| s.is_open()) {
                    let base = child_stem(child);
                    let ty = self.element_type(cx, child, format!("{name}{}", camel(base)))?;
                    fields.push(Field {
                        name: snake(base),
                        xml_name: xml_name(child),
                        doc: field_doc(child, None),
                        ty,
                        min: 0,
                        max: child.max(),
                        attribute: child.def.xml_attr,
                        slice: None,
                        choice: child.def.types.len() > 1,
                        json_array: false,
                    });
                }
                last_xml = Some(xml_name(child));
                continue;
            }
            let base = child_stem(child);
            let ty = self.element_type(cx, child, format!("{name}{}", camel(base)))?;
            fields.push(Field {
                name: snake(base),
                xml_name: xml_name(child),
                doc: field_doc(child, None),
                ty,
                min: child.min(),
                max: child.max(),
                attribute: child.def.xml_attr,
                slice: None,
                choice: child.def.types.len() > 1,
                json_array: child.json_array(),
            });
            if !child.def.xml_attr {
                last_xml = Some(xml_name(child));
            }
        }
        let mut seen = BTreeSet::new();
        if fields.iter().any(|f| f.name == "overflow") {
            return Err(Error::at(
                &node.def.source,
                "an element named `overflow` would clash with the field that keeps unknown content",
            )
            .element(&node.def.path));
        }
        for f in &fields {
            if !seen.insert(f.name.as_str()) {
                return Err(Error::at(
                    &node.def.source,
                    format!("two fields of `{name}` are named `{}`", f.name),
                )
                .element(&node.def.path));
            }
        }
        let mut doc = Doc::default();
        doc.add(node.def.short.as_deref());
        doc.add(node.def.definition.as_deref());
        doc.add(Some(&format!("FHIR element `{}`.", node.def.path)));
        cx.types[slot] = TypeDef::Struct(StructDef {
            name,
            fhir_path: node.def.path.clone(),
            resource,
            doc,
            fields,
            fixed,
        });
        Ok(())
    }

    fn element_type(&mut self, cx: &mut ModCx, node: &Node, hint: String) -> Result<Ty> {
        cx.reference(node);
        if let Some(target) = &node.recursive {
            return cx
                .by_path
                .get(target)
                .cloned()
                .map(Ty::Local)
                .ok_or_else(|| {
                    Error::at(
                        &node.def.source,
                        format!("nameReference to `{target}`, which has no type of its own"),
                    )
                    .element(&node.def.path)
                });
        }
        match node.def.types.as_slice() {
            [] if node.expanded => {
                self.structure(cx, node, hint.clone(), None)?;
                Ok(Ty::Local(hint))
            }
            [] => Err(
                Error::at(&node.def.source, "element has no type and no content")
                    .element(&node.def.path),
            ),
            [t] => self.single_type(cx, node, &t.code, hint),
            types => {
                let mut variants: Vec<ChoiceVariant> = Vec::new();
                let stem = child_stem(node);
                for t in types {
                    if variants.iter().any(|v| v.name == camel(&t.code)) {
                        continue;
                    }
                    let ty = if is_primitive(&t.code) {
                        Ty::Primitive(primitive_type(&t.code).to_owned())
                    } else {
                        self.datatype_ref(cx, &t.code, node)?
                    };
                    variants.push(ChoiceVariant {
                        name: camel(&t.code),
                        xml_name: format!("{stem}{}", upper_first(&t.code)),
                        ty,
                    });
                }
                let mut doc = Doc::default();
                doc.add(node.def.short.as_deref());
                doc.add(Some(&format!(
                    "The types allowed for FHIR element `{}`.",
                    node.def.path
                )));
                cx.types.push(TypeDef::Choice(ChoiceDef {
                    name: hint.clone(),
                    fhir_path: node.def.path.clone(),
                    doc,
                    variants,
                }));
                Ok(Ty::Local(hint))
            }
        }
    }

    fn datatype_ref(&self, cx: &ModCx, code: &str, node: &Node) -> Result<Ty> {
        if !self.datatypes.contains_key(code) && cx.scope == Scope::Profile {
            return Err(Error::at(
                &node.def.source,
                format!("type `{code}` is not a datatype of the definitions read"),
            )
            .element(&node.def.path));
        }
        Ok(Ty::Datatype(code.to_owned()))
    }

    fn single_type(&mut self, cx: &mut ModCx, node: &Node, code: &str, hint: String) -> Result<Ty> {
        if is_primitive(code) {
            if code == "code" {
                if let Some(b) = &node.def.binding {
                    if let Some(name) = b.reference.as_deref().and_then(|r| self.value_sets.get(r))
                    {
                        return Ok(if b.strength == Strength::Required {
                            Ty::Code(name.clone())
                        } else {
                            Ty::OpenCode(name.clone())
                        });
                    }
                }
            }
            return Ok(Ty::Primitive(primitive_type(code).to_owned()));
        }
        if code == "Resource" {
            let contained = cx
                .profile
                .as_ref()
                .and_then(|p| self.contained.get(p))
                .filter(|list| !list.is_empty() && node.name == "contained")
                .cloned();
            let Some(list) = contained else {
                return Ok(Ty::AnyResource);
            };
            let root = hint.trim_end_matches("Contained").to_owned();
            let mut variants = Vec::new();
            for url in &list {
                variants.push(self.variants.get(url).cloned().ok_or_else(|| {
                    Error::at(
                        &node.def.source,
                        format!("the manifest contains profile {url}, which is not in the definitions read"),
                    )
                })?);
            }
            let mut doc = Doc::default();
            doc.add(Some(&format!(
                "The resources the manifest says a {root} contains."
            )));
            cx.types.push(TypeDef::Resources(ResourceEnum {
                name: hint.clone(),
                doc,
                variants,
            }));
            return Ok(Ty::Local(hint));
        }
        if !node.expanded {
            if matches!(code, "BackboneElement" | "Element") {
                return Err(
                    Error::at(&node.def.source, "a backbone element with no content")
                        .element(&node.def.path),
                );
            }
            return self.datatype_ref(cx, code, node);
        }
        // A constrained copy of a datatype: plan it locally, and use the
        // shared datatype when the constraints change nothing.
        let mut scratch = ModCx {
            scope: cx.scope,
            profile: cx.profile.clone(),
            types: Vec::new(),
            by_path: cx.by_path.clone(),
            targets: Vec::new(),
        };
        self.structure(&mut scratch, node, hint.clone(), None)?;
        if let (Some(TypeDef::Struct(local)), Some(base)) =
            (scratch.types.first(), self.datatypes.get(code))
        {
            if scratch.types.len() == 1 && same_shape(local, base) {
                return Ok(Ty::Datatype(code.to_owned()));
            }
        }
        cx.by_path.extend(scratch.by_path);
        cx.types.extend(scratch.types);
        cx.targets.extend(scratch.targets);
        Ok(Ty::Local(hint))
    }

    fn messages(
        &self,
        manifest: &crate::model::Manifest,
        registry: &crate::resolve::Registry,
    ) -> Result<Messages> {
        let enum_of = |url: &str, at: &crate::model::Source| -> Result<(String, &ValueSetDef)> {
            let vs = registry.value_set(url).ok_or_else(|| {
                Error::at(
                    at,
                    format!(
                        "the manifest needs value set {url}, which is not in the definitions read"
                    ),
                )
            })?;
            Ok((self.value_sets[url].clone(), vs))
        };
        let variant_of =
            |vs: &ValueSetDef, code: &str, at: &crate::model::Source| -> Result<String> {
                vs.concepts
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| variant(&c.code, c.display.as_deref()))
                    .ok_or_else(|| Error::at(at, format!("`{code}` is not a code of {}", vs.url)))
            };
        let mut interactions = Vec::new();
        for i in &manifest.interactions {
            if camel(&i.name) != i.name {
                return Err(Error::at(
                    &i.source,
                    format!("interaction name `{}` must be UpperCamelCase", i.name),
                ));
            }
            if !known_code(registry, &i.event_system, &i.event_code) {
                return Err(Error::at(
                    &i.source,
                    format!(
                        "event {}|{} is in no value set of the definitions read",
                        i.event_system, i.event_code
                    ),
                ));
            }
            if let Some(r) = &i.responds_to {
                if !manifest.interactions.iter().any(|o| &o.name == r) {
                    return Err(Error::at(
                        &i.source,
                        format!("respondsTo `{r}` names no interaction"),
                    ));
                }
            }
            let mut doc = Doc::default();
            doc.add(i.description.as_deref());
            interactions.push(InteractionDef {
                name: i.name.clone(),
                doc,
                event_code: i.event_code.clone(),
                event_system: i.event_system.clone(),
                direction: i.direction,
                endpoint: i.endpoint.clone(),
                soap_action: i.soap_action.clone(),
                success_status: i.success_status,
                responds_to: i.responds_to.clone(),
                entries: i
                    .entries
                    .iter()
                    .map(|e| self.entry(e))
                    .collect::<Result<_>>()?,
            });
        }
        let mut response_codes = Vec::new();
        let mut enums = None;
        if let Some(first) = manifest.response_codes.first() {
            let (severity_enum, severities) =
                enum_of("http://hl7.org/fhir/ValueSet/issue-severity", &first.source)?;
            let (issue_type_enum, issue_types) =
                enum_of("http://hl7.org/fhir/ValueSet/issue-type", &first.source)?;
            for r in &manifest.response_codes {
                if !known_code(registry, &r.system, &r.code) {
                    return Err(Error::at(
                        &r.source,
                        format!(
                            "response code {}|{} is in no value set of the definitions read",
                            r.system, r.code
                        ),
                    ));
                }
                response_codes.push(ResponseCodeDef {
                    code: r.code.clone(),
                    system: r.system.clone(),
                    http_status: r.http_status,
                    severity: variant_of(severities, &r.severity, &r.source)?,
                    issue_type: variant_of(issue_types, &r.issue_type, &r.source)?,
                    display: r.display.clone(),
                    legacy: r.legacy.clone(),
                });
            }
            enums = Some((severity_enum, issue_type_enum));
        }
        let bundle = match &manifest.bundle {
            Some(url) => self.variants.get(url).cloned().ok_or_else(|| {
                Error::at(
                    &manifest.source,
                    format!("the manifest's bundle profile {url} is not in the definitions read"),
                )
            })?,
            None => {
                return Err(Error::at(
                    &manifest.source,
                    "the manifest names no bundle profile (attribute `bundle` on <manifest>)",
                ))
            }
        };
        Ok(Messages {
            interactions,
            response_codes,
            code_enums: enums,
            bundle,
        })
    }

    fn entry(&self, e: &crate::model::Entry) -> Result<EntryDef> {
        if snake(&e.name) != e.name {
            return Err(Error::at(
                &e.source,
                format!("entry name `{}` must be snake_case", e.name),
            ));
        }
        let variant = self.variants.get(&e.profile).ok_or_else(|| {
            Error::at(
                &e.source,
                format!("profile {} is not in the definitions read", e.profile),
            )
        })?;
        Ok(EntryDef {
            name: e.name.clone(),
            profile: e.profile.clone(),
            variant: variant.clone(),
            min: e.min,
            max: e.max,
            contained: e
                .contained
                .iter()
                .map(|c| self.entry(c))
                .collect::<Result<_>>()?,
        })
    }
}

/// Whether some value set read has this code of this system.
fn known_code(registry: &crate::resolve::Registry, system: &str, code: &str) -> bool {
    registry
        .value_sets
        .iter()
        .flat_map(|vs| &vs.concepts)
        .any(|c| c.system == system && c.code == code)
}

/// Whether a locally planned struct is the shared datatype in all but name
/// and documentation.
fn same_shape(local: &StructDef, base: &StructDef) -> bool {
    local.fixed == base.fixed
        && local.fields.len() == base.fields.len()
        && local.fields.iter().zip(&base.fields).all(|(a, b)| {
            a.name == b.name
                && a.xml_name == b.xml_name
                && a.ty == b.ty
                && a.min == b.min
                && a.max == b.max
                && a.attribute == b.attribute
                && a.slice == b.slice
                && a.json_array == b.json_array
        })
}

/// `value[x]` → `value`.
fn child_stem(node: &Node) -> &str {
    node.name.strip_suffix("[x]").unwrap_or(&node.name)
}

/// The XML name of an element: a choice narrowed to one type is named with
/// that type (`valueString`).
fn xml_name(node: &Node) -> String {
    match (node.name.strip_suffix("[x]"), node.def.types.as_slice()) {
        (Some(stem), [t]) => format!("{stem}{}", upper_first(&t.code)),
        (Some(stem), _) => stem.to_owned(),
        (None, _) => node.name.clone(),
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The fixed values at a slice's discriminator paths.
fn discriminator_values(entry: &Node, slice: &Node) -> Result<Vec<FixedValue>> {
    let slicing = entry.def.slicing.as_ref();
    let discriminators = slicing.map(|s| s.discriminators.as_slice()).unwrap_or(&[]);
    let slice_name = slice.def.name.as_deref().unwrap_or("?");
    let mut values = Vec::new();
    for d in discriminators {
        let mut at = slice;
        for step in d.split('.') {
            at = at.child(step).ok_or_else(|| {
                Error::at(
                    &slice.def.source,
                    format!("slice `{slice_name}` has no element `{d}` to tell it apart"),
                )
                .element(&slice.def.path)
            })?;
        }
        let fixed = at.def.fixed.as_ref().ok_or_else(|| {
            Error::at(
                &at.def.source,
                format!("slice `{slice_name}` does not fix its discriminator `{d}`"),
            )
            .element(&at.def.path)
        })?;
        values.push(FixedValue {
            element: d.clone(),
            value: fixed.value.clone(),
            after: None,
        });
    }
    if values.is_empty() {
        return Err(Error::at(
            &slice.def.source,
            format!("slice `{slice_name}` has no discriminator"),
        )
        .element(&slice.def.path));
    }
    Ok(values)
}

fn field_doc(node: &Node, slice: Option<&[FixedValue]>) -> Doc {
    let mut doc = Doc::default();
    doc.add(node.def.short.as_deref());
    doc.add(node.def.definition.as_deref());
    let mut facts = format!(
        "FHIR element `{}`, {}..{}",
        node.def.path,
        node.min(),
        node.max()
    );
    if let (Some(values), Some(name)) = (slice, node.def.name.as_deref()) {
        let by: Vec<String> = values
            .iter()
            .map(|v| format!("`{}` = `{}`", v.element, v.value))
            .collect();
        facts.push_str(&format!("; slice `{}` ({})", name.trim(), by.join(", ")));
    }
    if let Some(b) = &node.def.binding {
        if let Some(r) = &b.reference {
            facts.push_str(&format!("; binding {} to `{r}`", b.strength.code()));
        }
    }
    let targets: Vec<&str> = node
        .def
        .types
        .iter()
        .filter(|t| t.code == "Reference")
        .flat_map(|t| t.profiles.iter().map(String::as_str))
        .collect();
    if !targets.is_empty() {
        facts.push_str(&format!("; refers to `{}`", targets.join("` | `")));
    }
    facts.push('.');
    doc.add(Some(&facts));
    doc
}
