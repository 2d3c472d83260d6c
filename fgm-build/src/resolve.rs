//! From definitions to effective element trees: the registry joins the
//! definition folders (later ones override earlier by canonical URL), and the
//! resolver merges each profile over the base types it names, drops removed
//! elements, and applies the repairs of [`crate::repair`].

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::model::*;
use crate::repair::{RepairKind, Report};

/// The FHIR DSTU2 primitive type codes.
pub const PRIMITIVES: [&str; 18] = [
    "boolean",
    "integer",
    "decimal",
    "base64Binary",
    "instant",
    "string",
    "uri",
    "date",
    "dateTime",
    "time",
    "code",
    "oid",
    "uuid",
    "id",
    "unsignedInt",
    "positiveInt",
    "markdown",
    "xhtml",
];

/// The resource types of FHIR DSTU2 (1.0.2).
pub const DSTU2_RESOURCES: [&str; 94] = [
    "Account",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BodySite",
    "Bundle",
    "CarePlan",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "Communication",
    "CommunicationRequest",
    "Composition",
    "ConceptMap",
    "Condition",
    "Conformance",
    "Contract",
    "Coverage",
    "DataElement",
    "DetectedIssue",
    "Device",
    "DeviceComponent",
    "DeviceMetric",
    "DeviceUseRequest",
    "DeviceUseStatement",
    "DiagnosticOrder",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EligibilityRequest",
    "EligibilityResponse",
    "Encounter",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "Group",
    "HealthcareService",
    "ImagingObjectSelection",
    "ImagingStudy",
    "Immunization",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "List",
    "Location",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationOrder",
    "MedicationStatement",
    "MessageHeader",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "OperationDefinition",
    "OperationOutcome",
    "Order",
    "OrderResponse",
    "Organization",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "Practitioner",
    "Procedure",
    "ProcedureRequest",
    "ProcessRequest",
    "ProcessResponse",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "ReferralRequest",
    "RelatedPerson",
    "RiskAssessment",
    "Schedule",
    "SearchParameter",
    "Slot",
    "Specimen",
    "StructureDefinition",
    "Subscription",
    "Substance",
    "SupplyDelivery",
    "SupplyRequest",
    "TestScript",
    "ValueSet",
    "VisionPrescription",
];

/// Whether a type code is a DSTU2 primitive.
pub fn is_primitive(code: &str) -> bool {
    PRIMITIVES.contains(&code)
}

/// All definitions, joined: one per canonical URL.
#[derive(Debug, Clone)]
pub struct Registry {
    /// StructureDefinitions, in first-read order.
    pub structures: Vec<StructureDef>,
    /// ValueSets, in first-read order.
    pub value_sets: Vec<ValueSetDef>,
    /// The manifest, if any was read: later manifests overlay earlier ones
    /// (see [`overlay_manifest`]).
    pub manifest: Option<Manifest>,
    value_set_by_url: HashMap<String, usize>,
}

impl Registry {
    /// Joins definitions; later ones replace earlier ones with the same URL.
    pub fn new(defs: Definitions, report: &mut Report) -> Result<Registry> {
        let (structures, _) = join(defs.structures, |sd| (&sd.url, &sd.source), report);
        let (value_sets, value_set_by_url) =
            join(defs.value_sets, |vs| (&vs.url, &vs.source), report);
        let mut registry = Registry {
            structures,
            value_sets,
            manifest: None,
            value_set_by_url,
        };
        for manifest in defs.manifests {
            match &mut registry.manifest {
                Some(joined) => overlay_manifest(joined, manifest, report),
                None => registry.manifest = Some(manifest),
            }
        }
        let mut by_type: BTreeMap<&str, &StructureDef> = BTreeMap::new();
        for sd in registry.structures.iter().filter(|sd| !sd.is_profile()) {
            if let Some(other) = by_type.insert(&sd.name, sd) {
                return Err(Error::at(
                    &sd.source,
                    format!(
                        "two base definitions of type {}: {} and {}",
                        sd.name, other.url, sd.url
                    ),
                ));
            }
        }
        Ok(registry)
    }

    /// The base (non-profile) definition of a type, by type name.
    pub fn base_type(&self, name: &str) -> Option<&StructureDef> {
        self.structures
            .iter()
            .find(|sd| !sd.is_profile() && sd.name == name)
    }

    /// The ValueSet with this canonical URL.
    pub fn value_set(&self, url: &str) -> Option<&ValueSetDef> {
        self.value_set_by_url.get(url).map(|&i| &self.value_sets[i])
    }

    /// Whether `name` is a resource type: a DSTU2 resource, constrained by a
    /// loaded profile, or defined by a base definition of kind `resource`.
    pub fn is_resource_type(&self, name: &str) -> bool {
        DSTU2_RESOURCES.contains(&name)
            || self.structures.iter().any(|sd| {
                sd.constrained_type.as_deref() == Some(name)
                    || (!sd.is_profile() && sd.kind == "resource" && sd.name == name)
            })
    }
}

/// Lays a later manifest over the joined one: an interaction replaces the
/// one of the same name in place (reported), a response code the one with
/// the same code; new ones are added at the end; a `bundle` given replaces
/// the joined one. Everything the overlay does not name is inherited, and
/// names (`respondsTo`) and profiles resolve later, across the joined set.
pub fn overlay_manifest(joined: &mut Manifest, overlay: Manifest, report: &mut Report) {
    fn lay<T>(
        joined: &mut Vec<T>,
        items: Vec<T>,
        key: impl Fn(&T) -> String,
        source: impl Fn(&T) -> &Source,
        report: &mut Report,
    ) {
        for item in items {
            match joined.iter().position(|old| key(old) == key(&item)) {
                Some(i) => {
                    let old = std::mem::replace(&mut joined[i], item);
                    let kept = source(&joined[i]).file.clone();
                    report
                        .overridden
                        .push((key(&old), kept, source(&old).file.clone()));
                }
                None => joined.push(item),
            }
        }
    }
    lay(
        &mut joined.interactions,
        overlay.interactions,
        |i| format!("interaction {}", i.name),
        |i| &i.source,
        report,
    );
    lay(
        &mut joined.response_codes,
        overlay.response_codes,
        |r| format!("response code {}", r.code),
        |r| &r.source,
        report,
    );
    if let Some(bundle) = overlay.bundle {
        if joined.bundle.as_ref() != Some(&bundle) {
            report.overridden.push((
                "manifest bundle".to_owned(),
                overlay.source.file.clone(),
                joined.source.file.clone(),
            ));
        }
        joined.bundle = Some(bundle);
        joined.source = overlay.source;
    }
}

/// Joins definitions by canonical URL: a later one replaces an earlier one
/// in place (reported); the result keeps first-read order, with an index.
fn join<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> (&String, &Source),
    report: &mut Report,
) -> (Vec<T>, HashMap<String, usize>) {
    let mut out: Vec<T> = Vec::new();
    let mut index = HashMap::new();
    for item in items {
        let url = key(&item).0.clone();
        match index.get(&url) {
            Some(&i) => {
                let old = std::mem::replace(&mut out[i], item);
                let kept = key(&out[i]).1.file.clone();
                report
                    .overridden
                    .push((url, kept, key(&old).1.file.clone()));
            }
            None => {
                index.insert(url, out.len());
                out.push(item);
            }
        }
    }
    (out, index)
}

/// One element of an effective tree: its merged definition and, when its
/// content is constrained, its kept children.
#[derive(Debug, Clone)]
pub struct Node {
    /// The merged definition; `path` is the element's path in this tree.
    pub def: ElementDef,
    /// The element name (`code`, `value[x]`).
    pub name: String,
    /// Kept children; meaningful only when `expanded`.
    pub children: Vec<Node>,
    /// Whether `children` define the content (otherwise the type does).
    pub expanded: bool,
    /// Kept slices of this element, each a node whose `def.name` is the
    /// slice name.
    pub slices: Vec<Node>,
    /// For a `nameReference` to an enclosing element: that element's path.
    pub recursive: Option<String>,
}

impl Node {
    /// The kept child called `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn child_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    /// Minimum cardinality (0 when unstated).
    pub fn min(&self) -> u32 {
        self.def.min.unwrap_or(0)
    }

    /// Maximum cardinality (`*` when unstated).
    pub fn max(&self) -> Max {
        self.def.max.unwrap_or(Max::Many)
    }

    /// Maximum cardinality of the base definition (the element's own when
    /// unstated).
    pub fn base_max(&self) -> Max {
        self.def.base_max.unwrap_or_else(|| self.max())
    }

    /// Whether FHIR JSON writes this element as an array though it holds at
    /// most one: its base definition repeats.
    pub fn json_array(&self) -> bool {
        self.max() == Max::N(1) && !matches!(self.base_max(), Max::N(0 | 1))
    }

    /// The single type code, when the element has exactly one type.
    pub fn single_type(&self) -> Option<&str> {
        match self.def.types.as_slice() {
            [t] => Some(&t.code),
            _ => None,
        }
    }

    fn repath(&mut self, path: String) {
        for child in &mut self.children {
            child.repath(format!("{path}.{}", child.name));
        }
        for slice in &mut self.slices {
            slice.repath(path.clone());
        }
        self.def.path = path;
    }
}

/// The effective trees of every datatype and profile.
#[derive(Debug)]
pub struct Resolved<'r> {
    /// The joined definitions.
    pub registry: &'r Registry,
    /// Non-abstract base datatypes: (definition, tree).
    pub datatypes: Vec<(&'r StructureDef, Node)>,
    /// Profiles: (definition, tree).
    pub profiles: Vec<(&'r StructureDef, Node)>,
}

/// Resolves every datatype and profile of the registry.
pub fn resolve<'r>(registry: &'r Registry, report: &mut Report) -> Result<Resolved<'r>> {
    let mut resolver = Resolver {
        registry,
        report,
        cache: HashMap::new(),
        expanding: Vec::new(),
    };
    let mut datatypes = Vec::new();
    let mut profiles = Vec::new();
    for sd in &registry.structures {
        if sd.is_profile() {
            let node = resolver.structure(sd)?;
            profiles.push((sd, node));
        } else if sd.kind == "datatype" && !sd.is_abstract {
            let node = resolver.structure(sd)?;
            datatypes.push((sd, node));
        }
    }
    Ok(Resolved {
        registry,
        datatypes,
        profiles,
    })
}

/// An element as listed in a definition, with its listed children and slices.
struct Raw<'a> {
    def: &'a ElementDef,
    seg: String,
    children: Vec<Raw<'a>>,
    slices: Vec<Raw<'a>>,
}

impl<'a> Raw<'a> {
    fn build(sd: &'a StructureDef) -> Result<Raw<'a>> {
        let els = &sd.elements;
        let root = els.first().ok_or_else(|| {
            Error::at(&sd.source, "the definition lists no elements").element(&sd.url)
        })?;
        if root.path.contains('.') {
            return Err(
                Error::at(&root.source, "the first element must be the root").element(&root.path),
            );
        }
        let mut i = 1;
        let children = Raw::children(els, &mut i, &root.path)?;
        if let Some(stray) = els.get(i) {
            return Err(Error::at(
                &stray.source,
                format!("element is not inside the root `{}`", root.path),
            )
            .element(&stray.path));
        }
        Ok(Raw {
            def: root,
            seg: root.path.clone(),
            children,
            slices: Vec::new(),
        })
    }

    fn children(els: &'a [ElementDef], i: &mut usize, parent: &str) -> Result<Vec<Raw<'a>>> {
        let prefix = format!("{parent}.");
        let mut out: Vec<Raw<'a>> = Vec::new();
        while let Some(e) = els.get(*i) {
            let Some(seg) = e.path.strip_prefix(&prefix) else {
                break;
            };
            if let Some((first, _)) = seg.split_once('.') {
                return Err(Error::at(
                    &e.source,
                    format!("element is listed before its parent `{parent}.{first}`"),
                )
                .element(&e.path));
            }
            *i += 1;
            let node = Raw {
                def: e,
                seg: seg.to_owned(),
                children: Raw::children(els, i, &e.path)?,
                slices: Vec::new(),
            };
            match out.iter_mut().find(|n| n.seg == seg) {
                Some(entry) if entry.def.slicing.is_some() && e.name.is_some() => {
                    entry.slices.push(node)
                }
                Some(_) => {
                    return Err(Error::at(
                        &e.source,
                        "element listed twice (and not a slice of a sliced element)",
                    )
                    .element(&e.path))
                }
                None => out.push(node),
            }
        }
        Ok(out)
    }

    fn find_named(&self, name: &str) -> Option<&Raw<'a>> {
        if self.def.name.as_deref() == Some(name) && !self.def.path.is_empty() {
            return Some(self);
        }
        self.children
            .iter()
            .chain(&self.slices)
            .find_map(|c| c.find_named(name))
    }
}

struct Resolver<'r, 'p> {
    registry: &'r Registry,
    report: &'p mut Report,
    cache: HashMap<String, Node>,
    /// The base types being expanded, outermost first: a type met again
    /// while it is expanded is built on itself.
    expanding: Vec<String>,
}

/// What the resolver knows about the definition it is working on.
struct Cx<'a> {
    sd: &'a StructureDef,
    raw: &'a Raw<'a>,
    /// The listed elements being resolved, outermost first.
    stack: Vec<*const Raw<'a>>,
}

impl<'r, 'p> Resolver<'r, 'p> {
    fn structure(&mut self, sd: &'r StructureDef) -> Result<Node> {
        let raw = Raw::build(sd)?;
        if let Some(ty) = &sd.constrained_type {
            if raw.def.path != *ty {
                return Err(Error::at(
                    &raw.def.source,
                    format!("the root element of a profile of {ty} must have path `{ty}`"),
                )
                .element(&sd.url));
            }
        }
        let base = match raw.def.types.as_slice() {
            [] => None,
            [t] => Some(self.expand(&t.code, &raw.def.source)?),
            _ => {
                return Err(
                    Error::at(&raw.def.source, "the root element has several types")
                        .element(&sd.url),
                )
            }
        };
        if let (true, Some(base)) = (sd.is_profile(), &base) {
            let inherited: Vec<&str> = base
                .children
                .iter()
                .filter(|b| !raw.children.iter().any(|l| l.seg == b.name))
                .map(|b| b.name.as_str())
                .collect();
            if !inherited.is_empty() {
                self.report.repair(
                    RepairKind::InheritedMembers,
                    &sd.url,
                    &raw.def.path,
                    &raw.def.source,
                    format!(
                        "the snapshot leaves out {}: taken from the base definitions",
                        inherited.join(", ")
                    ),
                );
            }
        }
        let mut cx = Cx {
            sd,
            raw: &raw,
            stack: Vec::new(),
        };
        let mut node = self.node(&mut cx, Some(&raw), base.as_ref(), raw.def.path.clone())?;
        self.finish(sd, &mut node)?;
        Ok(node)
    }

    /// The effective tree of a base type, by type name.
    fn expand(&mut self, ty: &str, at: &Source) -> Result<Node> {
        if let Some(node) = self.cache.get(ty) {
            return Ok(node.clone());
        }
        let sd = self.registry.base_type(ty).ok_or_else(|| {
            Error::at(
                at,
                format!("type `{ty}` has no base definition in the definitions read"),
            )
        })?;
        if let Some(start) = self.expanding.iter().position(|t| t == ty) {
            let mut chain = self.expanding[start..].to_vec();
            chain.push(ty.to_owned());
            return Err(Error::at(
                at,
                format!("type `{ty}` is built on itself: {}", chain.join(" → ")),
            ));
        }
        self.expanding.push(ty.to_owned());
        let node = self.structure(sd);
        self.expanding.pop();
        let node = node?;
        self.cache.insert(ty.to_owned(), node.clone());
        Ok(node)
    }

    fn node<'a>(
        &mut self,
        cx: &mut Cx<'a>,
        listed: Option<&'a Raw<'a>>,
        base: Option<&Node>,
        path: String,
    ) -> Result<Node> {
        let mut def = merge(base.map(|b| &b.def), listed.map(|l| l.def), &path);
        let name = base
            .map(|b| b.name.clone())
            .or_else(|| listed.map(|l| l.seg.clone()))
            .unwrap_or_default();
        let mut node = Node {
            def: def.clone(),
            name,
            children: Vec::new(),
            expanded: false,
            slices: Vec::new(),
            recursive: None,
        };
        if def.max == Some(Max::N(0)) {
            return Ok(node);
        }
        let is_root = !path.contains('.');
        if !is_root {
            self.check_types(cx.sd, &mut def)?;
            node.def.types = def.types.clone();
        }
        if let Some(l) = listed {
            cx.stack.push(l as *const Raw<'a>);
        }
        let listed_children: &'a [Raw<'a>] = listed.map(|l| l.children.as_slice()).unwrap_or(&[]);
        let listed_slices: &'a [Raw<'a>] = listed.map(|l| l.slices.as_slice()).unwrap_or(&[]);

        let mut base_children = base.filter(|b| b.expanded).map(|b| b.children.clone());
        if base_children.is_none() {
            if let Some(target) = def.name_reference.clone() {
                let found = cx.raw.find_named(&target).ok_or_else(|| {
                    Error::at(
                        &def.source,
                        format!("nameReference `{target}` names no element of this definition"),
                    )
                    .element(&path)
                })?;
                if cx.stack.iter().any(|&p| std::ptr::eq(p, found)) {
                    node.recursive = Some(found.def.path.clone());
                } else {
                    if found.def.max == Some(Max::N(0)) {
                        self.report.repair(
                            RepairKind::NameReferenceIntoRemoved,
                            &cx.sd.url,
                            &path,
                            &def.source,
                            format!(
                                "`{}` names `{}`, which this profile removes: its content is taken from that element's definition",
                                path, found.def.path
                            ),
                        );
                    }
                    let mut inherited = match found.def.types.as_slice() {
                        [t] if !is_primitive(&t.code) => {
                            let mut expanded = self.expand(&t.code, &found.def.source)?;
                            expanded.repath(path.clone());
                            expanded.children
                        }
                        _ => Vec::new(),
                    };
                    cx.stack.push(found as *const Raw<'a>);
                    inherited = self.overlay(cx, inherited, &found.children, &path)?;
                    cx.stack.pop();
                    base_children = Some(inherited);
                }
            } else if !listed_children.is_empty() || !listed_slices.is_empty() {
                match def.types.as_slice() {
                    [t] if !is_primitive(&t.code) && t.code != "Resource" => {
                        let mut expanded = self.expand(&t.code, &def.source)?;
                        expanded.repath(path.clone());
                        base_children = Some(expanded.children);
                    }
                    [] | [_] => {}
                    _ => {
                        return Err(Error::at(
                            &def.source,
                            "constraints inside an element with several types are not supported",
                        )
                        .element(&path))
                    }
                }
            }
        }
        node.expanded = base_children.is_some() || !listed_children.is_empty();
        let mut children = self.overlay(
            cx,
            base_children.unwrap_or_default(),
            listed_children,
            &path,
        )?;
        children.retain(|c| c.def.max != Some(Max::N(0)));
        node.children = children;

        if let Some(slicing) = &node.def.slicing {
            if slicing.discriminators.is_empty() {
                if !listed_slices.is_empty() {
                    return Err(Error::at(
                        &def.source,
                        "slices without a discriminator cannot be told apart",
                    )
                    .element(&path));
                }
                self.report.repair(
                    RepairKind::SlicingWithoutDiscriminator,
                    &cx.sd.url,
                    &path,
                    &def.source,
                    format!(
                        "slicing (rules {}) with no discriminator and no slices: ignored",
                        slicing.rules
                    ),
                );
                node.def.slicing = None;
            }
        }
        if !listed_slices.is_empty() {
            let mut entry = node.clone();
            entry.def.slicing = None;
            entry.def.name = None;
            for slice in listed_slices {
                let s = self.node(cx, Some(slice), Some(&entry), path.clone())?;
                if s.def.max != Some(Max::N(0)) {
                    node.slices.push(s);
                }
            }
            self.check_slice_counts(cx.sd, &node);
        }
        if listed.is_some() {
            cx.stack.pop();
        }
        Ok(node)
    }

    /// Lays the listed children over the base children: base order first
    /// (each base child merged with the listed one of the same name), then
    /// the listed children the base does not have.
    fn overlay<'a>(
        &mut self,
        cx: &mut Cx<'a>,
        base: Vec<Node>,
        listed: &'a [Raw<'a>],
        path: &str,
    ) -> Result<Vec<Node>> {
        let mut used = vec![false; listed.len()];
        let mut out = Vec::new();
        for mut b in base {
            let child_path = format!("{path}.{}", b.name);
            let exact = listed.iter().position(|l| l.seg == b.name);
            let renamed = exact.is_none().then(|| {
                listed
                    .iter()
                    .enumerate()
                    .find_map(|(i, l)| choice_type(&b, &l.seg).map(|t| (i, t)))
            });
            match (exact, renamed.flatten()) {
                (Some(i), _) => {
                    used[i] = true;
                    out.push(self.node(cx, Some(&listed[i]), Some(&b), child_path)?);
                }
                (None, Some((i, ty))) => {
                    used[i] = true;
                    let l = &listed[i];
                    self.report.repair(
                        RepairKind::ChoiceTypePath,
                        &cx.sd.url,
                        &l.def.path,
                        &l.def.source,
                        format!(
                            "`{}` is read as `{child_path}` narrowed to type {}",
                            l.def.path, ty.code
                        ),
                    );
                    b.def.types = vec![ty];
                    out.push(self.node(cx, Some(l), Some(&b), child_path)?);
                }
                (None, None) => {
                    b.repath(child_path);
                    out.push(b);
                }
            }
        }
        for (l, _) in listed.iter().zip(used).filter(|(_, used)| !used) {
            out.push(self.node(cx, Some(l), None, format!("{path}.{}", l.seg))?);
        }
        Ok(out)
    }

    fn check_types(&mut self, sd: &StructureDef, def: &mut ElementDef) -> Result<()> {
        for t in &mut def.types {
            let known = is_primitive(&t.code)
                || matches!(t.code.as_str(), "Reference" | "Resource")
                || self.registry.base_type(&t.code).is_some();
            if known {
                continue;
            }
            if self.registry.is_resource_type(&t.code) {
                self.report.repair(
                    RepairKind::ResourceTypeAsReference,
                    &sd.url,
                    &def.path,
                    &def.source,
                    format!(
                        "type code `{}` names a resource; modelled as Reference({})",
                        t.code,
                        if t.profiles.is_empty() {
                            t.code.clone()
                        } else {
                            t.profiles.join(" | ")
                        }
                    ),
                );
                if t.profiles.is_empty() {
                    t.profiles = vec![format!(
                        "http://hl7.org/fhir/StructureDefinition/{}",
                        t.code
                    )];
                }
                t.code = "Reference".to_owned();
                continue;
            }
            return Err(Error::at(
                &def.source,
                format!("unknown type code `{}`: neither a DSTU2 primitive nor a type defined in the definitions read", t.code),
            )
            .element(&def.path));
        }
        Ok(())
    }

    fn check_slice_counts(&mut self, sd: &StructureDef, node: &Node) {
        let entry_max = node.max();
        let min_sum: u32 = node.slices.iter().map(Node::min).sum();
        let max_sum = node.slices.iter().try_fold(0u32, |acc, s| match s.max() {
            Max::N(n) => Some(acc + n),
            Max::Many => None,
        });
        let over_min = matches!(entry_max, Max::N(m) if min_sum > m);
        let over_max = match (entry_max, max_sum) {
            (Max::N(m), Some(sum)) => sum > m,
            (Max::N(_), None) => true,
            (Max::Many, _) => false,
        };
        if over_min || over_max {
            let what = if over_min {
                format!("its slices require at least {min_sum}")
            } else {
                format!(
                    "its slices allow up to {}",
                    max_sum.map_or("*".to_owned(), |n| n.to_string())
                )
            };
            self.report.repair(
                RepairKind::SliceCardinality,
                &sd.url,
                &node.def.path,
                &node.def.source,
                format!(
                    "the sliced element allows {}..{} but {what}: each slice keeps its own cardinality in the types",
                    node.min(),
                    entry_max
                ),
            );
        }
    }

    /// Final pass over a kept tree: canonical binding URLs, bindings pushed
    /// down to the codes they constrain, and the fixed-system repair.
    fn finish(&mut self, sd: &StructureDef, node: &mut Node) -> Result<()> {
        if let Some(reference) = node.def.binding.as_ref().and_then(|b| b.reference.clone()) {
            if let Some(canonical) = canonical_hl7_value_set(&reference) {
                self.report.repair(
                    RepairKind::BindingUrl,
                    &sd.url,
                    &node.def.path,
                    &node.def.source,
                    format!("binding `{reference}` read as `{canonical}`"),
                );
                if let Some(b) = &mut node.def.binding {
                    b.reference = Some(canonical);
                }
            }
        }
        if let Some(b) = &node.def.binding {
            let coded = matches!(
                node.single_type(),
                Some("code" | "Coding" | "CodeableConcept")
            );
            let missing = b
                .reference
                .as_deref()
                .filter(|r| r.contains("/ValueSet/") && self.registry.value_set(r).is_none());
            if let (true, Strength::Required, Some(url)) = (coded, b.strength, missing) {
                return Err(Error::at(
                    &node.def.source,
                    format!(
                        "required binding to value set {url}, which is not in the definitions read"
                    ),
                )
                .element(&node.def.path));
            }
        }
        let binding = node.def.binding.clone().filter(|b| {
            b.reference
                .as_deref()
                .is_some_and(|r| self.registry.value_set(r).is_some())
        });
        if let Some(binding) = binding {
            match node.single_type() {
                Some("Coding") => {
                    if !node.expanded {
                        let mut coding = self.expand("Coding", &node.def.source)?;
                        coding.repath(node.def.path.clone());
                        node.children = coding.children;
                        node.expanded = true;
                    }
                    if let Some(code) = node.child_mut("code") {
                        if code.def.binding.is_none() && code.def.fixed.is_none() {
                            code.def.binding = Some(binding);
                        }
                    }
                }
                Some("CodeableConcept") if node.expanded => {
                    if let Some(coding) = node.child_mut("coding") {
                        if coding.max() == Max::N(1) && coding.def.binding.is_none() {
                            coding.def.binding = Some(binding);
                        }
                    }
                }
                _ => {}
            }
        }
        for child in &mut node.children {
            self.finish(sd, child)?;
        }
        for slice in &mut node.slices {
            self.finish(sd, slice)?;
        }
        if node.single_type() == Some("Coding") && node.expanded {
            self.fixed_system(sd, node);
        }
        Ok(())
    }

    fn fixed_system(&mut self, sd: &StructureDef, node: &mut Node) {
        let Some(system) = node
            .child("system")
            .and_then(|s| s.def.fixed.as_ref())
            .map(|f| f.value.clone())
        else {
            return;
        };
        let Some(vs) = node
            .child("code")
            .and_then(|c| c.def.binding.as_ref())
            .and_then(|b| b.reference.as_deref())
            .and_then(|r| self.registry.value_set(r))
        else {
            return;
        };
        let others: Vec<&str> = vs
            .concepts
            .iter()
            .filter(|c| c.system != system)
            .map(|c| c.code.as_str())
            .collect();
        if others.is_empty() {
            return;
        }
        self.report.repair(
            RepairKind::FixedSystemOutsideValueSet,
            &sd.url,
            &node.def.path,
            &node.def.source,
            format!(
                "system is fixed to {system} but {} of the {} codes of {} ({}, ...) belong to other systems: system kept as a field, binding read as extensible",
                others.len(),
                vs.concepts.len(),
                vs.url,
                others[0]
            ),
        );
        if let Some(s) = node.child_mut("system") {
            s.def.fixed = None;
        }
        if let Some(b) = node.child_mut("code").and_then(|c| c.def.binding.as_mut()) {
            b.strength = b.strength.max(Strength::Extensible);
        }
    }
}

/// Merges a listed element over its base: what the listed one states wins.
fn merge(base: Option<&ElementDef>, listed: Option<&ElementDef>, path: &str) -> ElementDef {
    let mut def = match (base, listed) {
        (Some(b), Some(l)) => ElementDef {
            path: String::new(),
            name: l.name.clone(),
            short: l.short.clone().or_else(|| b.short.clone()),
            definition: l.definition.clone().or_else(|| b.definition.clone()),
            min: l.min.or(b.min),
            max: l.max.or(b.max),
            base_max: l.base_max.or(b.base_max).or(b.max),
            types: if l.types.is_empty() {
                b.types.clone()
            } else {
                l.types.clone()
            },
            name_reference: l
                .name_reference
                .clone()
                .or_else(|| b.name_reference.clone()),
            xml_attr: b.xml_attr || l.xml_attr,
            fixed: l.fixed.clone().or_else(|| b.fixed.clone()),
            binding: l.binding.clone().or_else(|| b.binding.clone()),
            slicing: l.slicing.clone(),
            source: l.source.clone(),
        },
        (Some(only), None) | (None, Some(only)) => only.clone(),
        (None, None) => ElementDef::default(),
    };
    def.path = path.to_owned();
    def
}

/// For a choice element `base` (`value[x]`) and a listed name (`valueString`),
/// the type that name selects.
fn choice_type(base: &Node, seg: &str) -> Option<TypeRef> {
    let stem = base.name.strip_suffix("[x]")?;
    let suffix = seg.strip_prefix(stem)?;
    base.def
        .types
        .iter()
        .find(|t| upper_first(&t.code) == suffix)
        .cloned()
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `http://hl7.org/fhir/DSTU2/valueset-X.html` and
/// `http://hl7.org/fhir/valueset-X.html` → `http://hl7.org/fhir/ValueSet/X`.
pub fn canonical_hl7_value_set(reference: &str) -> Option<String> {
    let page = reference
        .strip_prefix("http://hl7.org/fhir/DSTU2/")
        .or_else(|| reference.strip_prefix("http://hl7.org/fhir/"))?;
    let id = page.strip_prefix("valueset-")?.strip_suffix(".html")?;
    Some(format!("http://hl7.org/fhir/ValueSet/{id}"))
}
