//! The definitions as read from XML, before anything is resolved: one value
//! per `StructureDefinition`, `ValueSet` and manifest file.

use std::fmt;
use std::path::PathBuf;

/// A line and column (both 1-based) in a definition file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Where a definition came from: its file, and where in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Source {
    /// The file read.
    pub file: PathBuf,
    /// The position of the element in that file.
    pub pos: Pos,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.pos)
    }
}

/// Everything read from the definition folders.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    /// StructureDefinitions, in the order read.
    pub structures: Vec<StructureDef>,
    /// ValueSets, in the order read.
    pub value_sets: Vec<ValueSetDef>,
    /// The message manifests (usually one).
    pub manifests: Vec<Manifest>,
}

/// A FHIR DSTU2 `StructureDefinition`: a base type or a profile.
#[derive(Debug, Clone)]
pub struct StructureDef {
    /// Canonical URL.
    pub url: String,
    /// Computer-friendly name (`Spine-RIS-Flag-1-0`, `Identifier`).
    pub name: String,
    /// Business version, if given.
    pub version: Option<String>,
    /// Natural-language description.
    pub description: Option<String>,
    /// `datatype`, `resource` or `logical`.
    pub kind: String,
    /// The type a profile constrains (`Flag`); `None` for a base definition.
    pub constrained_type: Option<String>,
    /// Whether the type is abstract.
    pub is_abstract: bool,
    /// The snapshot (or, lacking one, the differential) elements, in order.
    pub elements: Vec<ElementDef>,
    /// The file it was read from.
    pub source: Source,
}

impl StructureDef {
    /// The FHIR type this definition describes: the constrained type of a
    /// profile, the name of a base definition.
    pub fn fhir_type(&self) -> &str {
        self.constrained_type.as_deref().unwrap_or(&self.name)
    }

    /// Whether this is a profile (it constrains a type) rather than a base.
    pub fn is_profile(&self) -> bool {
        self.constrained_type.is_some()
    }
}

/// Upper bound of a cardinality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Max {
    /// A finite bound.
    N(u32),
    /// `*`.
    Many,
}

impl fmt::Display for Max {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Max::N(n) => write!(f, "{n}"),
            Max::Many => f.write_str("*"),
        }
    }
}

/// One `ElementDefinition`.
#[derive(Debug, Clone, Default)]
pub struct ElementDef {
    /// `Flag.code.coding.system`.
    pub path: String,
    /// `ElementDefinition.name`: a slice name, or the target of a
    /// `nameReference`.
    pub name: Option<String>,
    /// One-line summary.
    pub short: Option<String>,
    /// Full definition.
    pub definition: Option<String>,
    /// Minimum cardinality, if stated.
    pub min: Option<u32>,
    /// Maximum cardinality, if stated.
    pub max: Option<Max>,
    /// The maximum cardinality of the element in the DSTU2 resource or
    /// datatype it comes from (`base/max`), if stated: FHIR JSON writes an
    /// element whose base repeats as an array, however far a profile
    /// narrows it.
    pub base_max: Option<Max>,
    /// Allowed types; empty when not stated (or for a `nameReference`).
    pub types: Vec<TypeRef>,
    /// Content defined by the element with this `name`.
    pub name_reference: Option<String>,
    /// Whether the element is an XML attribute (`representation = xmlAttr`).
    pub xml_attr: bool,
    /// A `fixed[x]` value.
    pub fixed: Option<Fixed>,
    /// A terminology binding.
    pub binding: Option<Binding>,
    /// Slicing, on the element that introduces it.
    pub slicing: Option<Slicing>,
    /// Where the element was read.
    pub source: Source,
}

/// One allowed type of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    /// The type code (`Reference`, `string`, `Identifier`).
    pub code: String,
    /// Profiles the value must conform to (for `Reference`: the targets).
    pub profiles: Vec<String>,
}

/// A `fixed[x]` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The type suffix (`Uri`, `Code`, `String`).
    pub kind: String,
    /// The value, as written.
    pub value: String,
}

/// How strongly a value set is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    /// Codes must come from the value set.
    Required,
    /// Codes should come from the value set, others when none fits.
    Extensible,
    /// Codes are encouraged to come from the value set.
    Preferred,
    /// The value set is an example.
    Example,
}

impl Strength {
    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            Strength::Required => "required",
            Strength::Extensible => "extensible",
            Strength::Preferred => "preferred",
            Strength::Example => "example",
        }
    }
}

/// A terminology binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Its strength.
    pub strength: Strength,
    /// The value set (or other reference), as written.
    pub reference: Option<String>,
}

/// Slicing on an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slicing {
    /// Discriminator paths (relative to the sliced element).
    pub discriminators: Vec<String>,
    /// `closed`, `open` or `openAtEnd`.
    pub rules: String,
    /// Whether slices must appear in order.
    pub ordered: bool,
}

impl Slicing {
    /// Whether elements matching no slice are allowed.
    pub fn is_open(&self) -> bool {
        self.rules != "closed"
    }
}

/// A `ValueSet`, flattened to its codes.
#[derive(Debug, Clone)]
pub struct ValueSetDef {
    /// Canonical URL.
    pub url: String,
    /// Computer-friendly name.
    pub name: String,
    /// Business version.
    pub version: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Every code, from `codeSystem` and from `compose/include`, in order.
    pub concepts: Vec<Concept>,
    /// The file it was read from.
    pub source: Source,
}

/// One code of a value set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    /// The code system.
    pub system: String,
    /// The code.
    pub code: String,
    /// Its display.
    pub display: Option<String>,
    /// Its definition.
    pub definition: Option<String>,
}

/// The message manifest: what no FHIR profile says about the interactions.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// The interactions, in order.
    pub interactions: Vec<Interaction>,
    /// The Spine response-code table.
    pub response_codes: Vec<ResponseCode>,
    /// The profile of the Bundle every message is.
    pub bundle: Option<String>,
    /// The file it was read from.
    pub source: Source,
}

/// Whether a message goes to Spine or comes back from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to Spine.
    Request,
    /// Spine to client.
    Response,
}

/// One interaction (one message kind).
#[derive(Debug, Clone)]
pub struct Interaction {
    /// Rust-facing name (`QueryV2Request`).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The MessageHeader event code.
    pub event_code: String,
    /// The code system of the event code.
    pub event_system: String,
    /// Request or response.
    pub direction: Direction,
    /// The HTTP path the request is posted to.
    pub endpoint: String,
    /// The SOAPAction HTTP header value.
    pub soap_action: String,
    /// The HTTP status of a successful response.
    pub success_status: u16,
    /// For a response: the name of the request it answers.
    pub responds_to: Option<String>,
    /// The bundle entries, in order.
    pub entries: Vec<Entry>,
    /// Where it was read.
    pub source: Source,
}

/// One bundle entry of an interaction.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Rust-facing field name (`header`, `flag`).
    pub name: String,
    /// The profile the entry's resource conforms to.
    pub profile: String,
    /// Minimum count.
    pub min: u32,
    /// Maximum count.
    pub max: Max,
    /// Resources contained in this entry's resource.
    pub contained: Vec<Entry>,
    /// Where it was read.
    pub source: Source,
}

/// One row of the Spine response-code table.
#[derive(Debug, Clone)]
pub struct ResponseCode {
    /// The code (`INVALID_NHS_NUMBER`).
    pub code: String,
    /// Its code system.
    pub system: String,
    /// The HTTP status Spine answers with.
    pub http_status: u16,
    /// The OperationOutcome issue severity.
    pub severity: String,
    /// The OperationOutcome issue type.
    pub issue_type: String,
    /// The display text.
    pub display: String,
    /// The code this one replaced (`FGM-0002`, `SMSP-0004`).
    pub legacy: Option<String>,
    /// Where it was read.
    pub source: Source,
}
