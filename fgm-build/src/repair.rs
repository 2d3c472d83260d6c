//! The catalogue of repairs the generator makes to defects in published
//! definitions, and the report that lists each one that fired.
//!
//! Every repair is named here, documented, tested, and reported when it
//! applies; anything the generator does not understand is an error instead.

use std::fmt;
use std::path::PathBuf;

use crate::model::Source;

/// A kind of repair, with a stable identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RepairKind {
    /// The snapshot leaves out members of the types it builds on (the
    /// Resource and DomainResource members, `Element.id` and
    /// `Element.extension` of expanded datatypes): they are taken, unchanged,
    /// from the base definitions.
    InheritedMembers,
    /// A binding names an HL7 value set by a web-page address
    /// (`http://hl7.org/fhir/DSTU2/valueset-X.html`,
    /// `http://hl7.org/fhir/valueset-X.html`): it is read as the canonical
    /// `http://hl7.org/fhir/ValueSet/X`.
    BindingUrl,
    /// An element's type code names a resource (`Organization`) where only a
    /// `Reference` to it is valid DSTU2: it is modelled as a `Reference` to
    /// the profile named.
    ResourceTypeAsReference,
    /// A slicing has no discriminator and no slices: it constrains nothing and
    /// is ignored.
    SlicingWithoutDiscriminator,
    /// The slices of an element allow more repetitions (or require more) than
    /// the sliced element itself: the types follow each slice's own
    /// cardinality, as every published example does; the total is left to
    /// validation.
    SliceCardinality,
    /// A `nameReference` points at an element the profile removes: the
    /// content is taken from that element's definition all the same.
    NameReferenceIntoRemoved,
    /// A choice element is constrained under its type-specific name
    /// (`valueString` for `value[x]`): it is read as the choice narrowed to
    /// that type.
    ChoiceTypePath,
    /// `Coding.system` is fixed to one system while the bound value set holds
    /// codes of other systems: the fixed value is dropped (the system becomes
    /// a field) and the binding is read as extensible, since no code of the
    /// other systems could otherwise be carried.
    FixedSystemOutsideValueSet,
}

impl RepairKind {
    /// Every kind, in catalogue order.
    pub const ALL: [RepairKind; 8] = [
        RepairKind::InheritedMembers,
        RepairKind::BindingUrl,
        RepairKind::ResourceTypeAsReference,
        RepairKind::SlicingWithoutDiscriminator,
        RepairKind::SliceCardinality,
        RepairKind::NameReferenceIntoRemoved,
        RepairKind::ChoiceTypePath,
        RepairKind::FixedSystemOutsideValueSet,
    ];

    /// The stable identifier used in reports and documentation.
    pub fn id(self) -> &'static str {
        match self {
            RepairKind::InheritedMembers => "inherited-members",
            RepairKind::BindingUrl => "binding-url",
            RepairKind::ResourceTypeAsReference => "resource-type-as-reference",
            RepairKind::SlicingWithoutDiscriminator => "slicing-without-discriminator",
            RepairKind::SliceCardinality => "slice-cardinality",
            RepairKind::NameReferenceIntoRemoved => "name-reference-into-removed",
            RepairKind::ChoiceTypePath => "choice-type-path",
            RepairKind::FixedSystemOutsideValueSet => "fixed-system-outside-value-set",
        }
    }
}

/// Serialized as its stable identifier (`resource-type-as-reference`).
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl serde::Serialize for RepairKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl fmt::Display for RepairKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One repair that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Repair {
    /// What kind of repair.
    pub kind: RepairKind,
    /// The canonical URL of the definition repaired.
    pub definition: String,
    /// The element path repaired (the root path for whole-definition repairs).
    pub element: String,
    /// What was found and what was done, in one sentence.
    pub detail: String,
    /// Where the element is.
    pub source: Source,
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: repair {}: {}: {}",
            self.source, self.kind, self.element, self.detail
        )
    }
}

/// What a generation run did besides generating: the repairs that fired, the
/// definitions later folders overrode, and the files that were not
/// definitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Report {
    /// Repairs, in the order they fired.
    pub repairs: Vec<Repair>,
    /// Canonical URLs defined more than once: (url, file kept, file replaced).
    pub overridden: Vec<(String, PathBuf, PathBuf)>,
    /// Files skipped because they hold no definition: (file, root element).
    pub skipped: Vec<(PathBuf, String)>,
}

impl Report {
    /// Records a repair.
    pub(crate) fn repair(
        &mut self,
        kind: RepairKind,
        definition: &str,
        element: &str,
        source: &Source,
        detail: impl Into<String>,
    ) {
        self.repairs.push(Repair {
            kind,
            definition: definition.to_owned(),
            element: element.to_owned(),
            detail: detail.into(),
            source: source.clone(),
        });
    }

    /// The repairs of one kind.
    pub fn of_kind(&self, kind: RepairKind) -> impl Iterator<Item = &Repair> {
        self.repairs.iter().filter(move |r| r.kind == kind)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for repair in &self.repairs {
            writeln!(f, "{repair}")?;
        }
        for (url, kept, replaced) in &self.overridden {
            writeln!(
                f,
                "{}: overrides {url} from {}",
                kept.display(),
                replaced.display()
            )?;
        }
        for (file, root) in &self.skipped {
            writeln!(
                f,
                "{}: skipped: a <{root}>, not a definition",
                file.display()
            )?;
        }
        Ok(())
    }
}
