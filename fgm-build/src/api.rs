//! The planned Rust API: every module, type, field and variant the generator
//! emits. Emitting and API diffs ([`crate::diff`]) both
//! read this one model.

pub use crate::model::{Direction, Max};

/// The whole generated API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// Module `datatypes`: the base complex datatypes.
    pub datatypes: Vec<TypeDef>,
    /// Module `valuesets`: one enum per value set.
    pub value_sets: Vec<CodeEnum>,
    /// Modules `profiles::*`: one per profile.
    pub profiles: Vec<ProfileModule>,
    /// `resources::AnyResource`: every profile, as one enum.
    pub any_resource: ResourceEnum,
    /// Module `messages`, from the manifest.
    pub messages: Option<Messages>,
}

/// Documentation carried from a definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// Paragraphs, in order.
    pub paragraphs: Vec<String>,
}

impl Doc {
    /// Adds a paragraph when `text` is present and not a repeat.
    pub fn add(&mut self, text: Option<&str>) {
        if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
            if !self.paragraphs.iter().any(|p| p == text) {
                self.paragraphs.push(text.to_owned());
            }
        }
    }
}

/// One profile's module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileModule {
    /// Module name (`spine_ris_flag_1_0`).
    pub module: String,
    /// The profile's canonical URL.
    pub url: String,
    /// The profile's name.
    pub name: String,
    /// The profile's version.
    pub version: Option<String>,
    /// The resource type it constrains.
    pub resource_type: String,
    /// The root struct's name (the resource type).
    pub root: String,
    /// Module documentation.
    pub doc: Doc,
    /// The types, root first.
    pub types: Vec<TypeDef>,
    /// The profiles each reference element may point at:
    /// (`MessageHeader.author`, target profile URLs).
    pub reference_targets: Vec<(String, Vec<String>)>,
}

impl ProfileModule {
    /// The profile URL without its version suffix (`-1-0`): profiles of one
    /// family are compared by `fgm diff`.
    pub fn family(&self) -> &str {
        strip_version(&self.url)
    }
}

/// `http://x/spine-practitioner-2-0` → `http://x/spine-practitioner`.
pub fn strip_version(url: &str) -> &str {
    let bytes = url.as_bytes();
    let mut end = url.len();
    // Strip trailing `-<digits>` groups.
    loop {
        let digits = bytes[..end]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || end <= digits || bytes[end - digits - 1] != b'-' {
            break;
        }
        end -= digits + 1;
    }
    &url[..end]
}

/// A generated type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeDef {
    /// A struct for a resource, backbone element or constrained datatype.
    Struct(StructDef),
    /// An enum for a choice element with several types.
    Choice(ChoiceDef),
    /// An enum of resources (contained resources).
    Resources(ResourceEnum),
}

impl TypeDef {
    /// The type's name.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.name,
            TypeDef::Choice(c) => &c.name,
            TypeDef::Resources(r) => &r.name,
        }
    }
}

/// A struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructDef {
    /// Rust name.
    pub name: String,
    /// The FHIR path it models (`Flag.period`).
    pub fhir_path: String,
    /// For a resource root: the resource type and profile URL.
    pub resource: Option<(String, String)>,
    /// Documentation.
    pub doc: Doc,
    /// Fields, in canonical element order.
    pub fields: Vec<Field>,
    /// Fixed values the writer writes and the reader checks, in element order.
    pub fixed: Vec<FixedValue>,
}

/// A fixed value of a child element (or of a slice's discriminator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedValue {
    /// The XML element name.
    pub element: String,
    /// The value.
    pub value: String,
    /// The XML name of the element it follows (`None`: it comes first).
    pub after: Option<String>,
}

/// One field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Rust name (without `r#`).
    pub name: String,
    /// XML element (or attribute) name; for a narrowed choice, the full name
    /// (`valueString`); for a multi-type choice, the stem (`value`).
    pub xml_name: String,
    /// Documentation.
    pub doc: Doc,
    /// The element's type.
    pub ty: Ty,
    /// Minimum cardinality.
    pub min: u32,
    /// Maximum cardinality.
    pub max: Max,
    /// Whether it is an XML attribute.
    pub attribute: bool,
    /// For a slice: the discriminator's fixed values that select it.
    pub slice: Option<Vec<FixedValue>>,
    /// Whether the type is a choice enum (`value[x]` with several types).
    pub choice: bool,
    /// Whether FHIR JSON writes it as an array though it holds at most one
    /// (its base definition repeats).
    pub json_array: bool,
}

impl Field {
    /// How the cardinality maps to a container.
    pub fn container(&self) -> Container {
        match (self.min, self.max) {
            (_, Max::N(1)) if self.min >= 1 => Container::One,
            (_, Max::N(1)) => Container::Option,
            (0, _) => Container::Vec,
            _ => Container::NonEmpty,
        }
    }
}

/// The container a cardinality maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// `1..1` → `T`.
    One,
    /// `0..1` → `Option<T>`.
    Option,
    /// `0..n` → `Vec<T>`.
    Vec,
    /// `1..n` → `NonEmpty<T>`.
    NonEmpty,
}

/// A field's element type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Ty {
    /// A runtime primitive (`FhirString`, `Uri`), by Rust name.
    Primitive(String),
    /// A type of module `datatypes`.
    Datatype(String),
    /// A type of the same module.
    Local(String),
    /// A closed value-set enum of module `valuesets`.
    Code(String),
    /// A value-set enum that also keeps unknown codes (`Open<E>`).
    OpenCode(String),
    /// `resources::AnyResource`.
    AnyResource,
}

impl Ty {
    /// The type as a user reads it (`Option` etc. not included).
    pub fn display_name(&self) -> String {
        match self {
            Ty::Primitive(n) | Ty::Datatype(n) | Ty::Local(n) | Ty::Code(n) => n.clone(),
            Ty::OpenCode(n) => format!("Open<{n}>"),
            Ty::AnyResource => "AnyResource".to_owned(),
        }
    }
}

/// An enum for a choice element (`value[x]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceDef {
    /// Rust name.
    pub name: String,
    /// The FHIR path (`Extension.value[x]`).
    pub fhir_path: String,
    /// Documentation.
    pub doc: Doc,
    /// One variant per allowed type.
    pub variants: Vec<ChoiceVariant>,
}

/// One type of a choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceVariant {
    /// Rust variant name (`String`, `CodeableConcept`).
    pub name: String,
    /// The XML element name (`valueString`).
    pub xml_name: String,
    /// The carried type.
    pub ty: Ty,
}

/// An enum of resources, one variant per profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceEnum {
    /// Rust name.
    pub name: String,
    /// Documentation.
    pub doc: Doc,
    /// Variants.
    pub variants: Vec<ResourceVariant>,
}

/// One resource profile in a [`ResourceEnum`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceVariant {
    /// Rust variant name (`SpineRisPatient10`).
    pub name: String,
    /// The profile's module.
    pub module: String,
    /// The root type in that module.
    pub type_name: String,
    /// The resource type (`Patient`).
    pub resource_type: String,
    /// The profile URL.
    pub profile: String,
}

/// A value-set enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEnum {
    /// Rust name.
    pub name: String,
    /// Canonical URL.
    pub url: String,
    /// Version.
    pub version: Option<String>,
    /// Documentation.
    pub doc: Doc,
    /// One variant per code.
    pub variants: Vec<CodeVariant>,
}

impl CodeEnum {
    /// The URL without its version suffix, for `fgm diff`.
    pub fn family(&self) -> &str {
        strip_version(&self.url)
    }
}

/// One code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeVariant {
    /// Rust variant name.
    pub name: String,
    /// The code.
    pub code: String,
    /// Its system.
    pub system: String,
    /// Its display.
    pub display: String,
    /// Its definition.
    pub doc: Doc,
}

/// The interactions and response codes of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messages {
    /// One per interaction.
    pub interactions: Vec<InteractionDef>,
    /// The Spine response-code table.
    pub response_codes: Vec<ResponseCodeDef>,
    /// The value-set enums naming issue severities and issue types (present
    /// when there are response codes).
    pub code_enums: Option<(String, String)>,
    /// The Bundle profile every message conforms to.
    pub bundle: ResourceVariant,
}

/// One interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionDef {
    /// Variant name.
    pub name: String,
    /// Documentation.
    pub doc: Doc,
    /// Event code.
    pub event_code: String,
    /// Event code system.
    pub event_system: String,
    /// Direction.
    pub direction: Direction,
    /// HTTP path.
    pub endpoint: String,
    /// SOAPAction header.
    pub soap_action: String,
    /// Success HTTP status.
    pub success_status: u16,
    /// The request this answers (variant name).
    pub responds_to: Option<String>,
    /// The entries.
    pub entries: Vec<EntryDef>,
}

/// One entry of an interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDef {
    /// Field-style name.
    pub name: String,
    /// Profile URL.
    pub profile: String,
    /// The `AnyResource` variant of that profile (with its module and type).
    pub variant: ResourceVariant,
    /// Minimum.
    pub min: u32,
    /// Maximum.
    pub max: Max,
    /// Contained resources.
    pub contained: Vec<EntryDef>,
}

/// One Spine response code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseCodeDef {
    /// The code.
    pub code: String,
    /// Its system.
    pub system: String,
    /// HTTP status.
    pub http_status: u16,
    /// Severity variant name.
    pub severity: String,
    /// Issue type variant name.
    pub issue_type: String,
    /// Display.
    pub display: String,
    /// Legacy code.
    pub legacy: Option<String>,
}
