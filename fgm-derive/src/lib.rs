//! Derives for reading and writing FHIR DSTU2 XML, and for generating
//! values of the types in property tests.
//!
//! `#[derive(FhirXml)]` gives a type a direct, non-generic reader and writer
//! over the one [`Reader`] and one [`Writer`] of `fgm::xml`. The
//! generated FGM types use it, and so can hand-written structs. Use it
//! through the runtime crate, `fgm`, which re-exports it (`fgm::FhirXml`):
//! the code it writes names the runtime `::fgm`, or the path a type gives
//! with `#[fhir(crate = "…")]` (a crate that re-exports `fgm` under
//! another name).
//!
//! [`Reader`]: https://docs.rs/fgm/latest/fgm/xml/struct.Reader.html
//! [`Writer`]: https://docs.rs/fgm/latest/fgm/xml/struct.Writer.html
//!
//! # Structs: one FHIR element each
//!
//! Fields are the child elements **in canonical order**. The container
//! gives the cardinality: `T` is `1..1`, `Option<T>` `0..1`, `Vec<T>` `0..*`,
//! `NonEmpty<T>` `1..*`; `T` implements `FhirElement`.
//!
//! | attribute | where | meaning |
//! |---|---|---|
//! | `#[fhir(crate = "::my::fgm")]` | struct or enum | the path of the `fgm` runtime (default `::fgm`) |
//! | `#[fhir(element = "valueString")]` | field | the XML name (default: the field name) |
//! | `#[fhir(attribute)]` | field | an XML attribute (`id`, `url`); the type is `FromStr + AsRef<str>` |
//! | `#[fhir(choice)]` | field | a choice element; the type implements `FhirChoice` (derive it on an enum) |
//! | `#[fhir(slice(discriminator = "system", value = "…"))]` | field | a slice: the elements named `element` whose `discriminator` child has this value |
//! | `#[fhir(overflow)]` | field of type `Overflow` | keeps what lenient reading does not know, and writes it back |
//! | `#[fhir(fixed(element = "status", value = "active", after = "period"))]` | struct, repeatable | a fixed child element, not a field: written, and checked when read; `after` names the element it follows (omitted: first) |
//! | `#[fhir(resource = "Flag", profile = "http://…")]` | struct | a resource and the profile it conforms to: generated values claim the profile in `meta` |
//! | `#[fhir(arbitrary = "empty")]` | `Option`/`Vec` field | generated values leave it empty (resources the message or the manifest supplies) |
//! | `#[fhir(json = "array")]` | `T`/`Option<T>` field | FHIR JSON writes it as an array of one, and reads an array of at most one (its DSTU2 base definition repeats); no effect on XML |
//!
//! # Enums
//!
//! - Tuple variants with `#[fhir(element = "valueString")]`: a choice
//!   (`FhirChoice`).
//! - `#[fhir(resources)]` on the enum, `#[fhir(resource = "Patient",
//!   profile = "http://…")]` on each `Variant(Box<T>)`: a resource container
//!   such as `contained`, the variant chosen by the resource's
//!   `meta.profile` (or, when it claims none, the first that reads).
//! - Unit variants only: a value-set code (the enum implements
//!   `fgm::ValueSetCode`).
//!
//! # Example
//!
//! ```
//! use fgm::primitive::{FhirString, Id, Uri};
//! use fgm::xml::Overflow;
//! use fgm::FhirXml;
//!
//! /// A hand-written identifier with its system fixed.
//! #[derive(Debug, PartialEq, FhirXml)]
//! #[fhir(fixed(element = "system", value = "http://fhir.nhs.net/Id/nhs-number"))]
//! struct NhsNumber {
//!     #[fhir(attribute)]
//!     id: Option<Id>,
//!     value: FhirString,
//!     #[fhir(overflow)]
//!     overflow: Overflow,
//! }
//!
//! let xml = r#"<identifier xmlns="http://hl7.org/fhir"><system value="http://fhir.nhs.net/Id/nhs-number"/><value value="9434765919"/></identifier>"#;
//! let read: NhsNumber = fgm::xml::read_str(xml, &Default::default()).unwrap().value;
//! assert_eq!(read.value.as_str(), "9434765919");
//! assert_eq!(fgm::xml::write_str(&read, "identifier", &Default::default()), xml);
//! ```
//!
//! # Generated values: `FhirArbitrary`
//!
//! `#[derive(FhirArbitrary)]`, next to `FhirXml` or `FhirMessage`, gives the
//! type proptest's `Arbitrary` when the `proptest` feature of `fgm` is
//! on (and nothing when it is off: the deriving crate needs neither proptest
//! nor a feature of its own). It reads the same attributes, and yields
//! values that write well-formed XML which reads back as the same value:
//!
//! - a field by its container: `T` always, `Option<T>` maybe, `Vec<T>` up
//!   to two, `NonEmpty<T>` one or two; fixed values are not fields, so they
//!   are always right; slices and bindings are in the field types;
//! - empty when optional: extensions (`extension`, `modifierExtension`),
//!   fields of the struct's own type (no unbounded recursion), and fields
//!   marked `#[fhir(arbitrary = "empty")]`; the `overflow` is always empty;
//! - a `resource` struct's `meta` (`Default`, with `profile: Vec<Uri>`)
//!   claims its `profile`;
//! - an enum: a code of a code enum, or one of the variants (never the
//!   `nonconforming` one);
//! - a message: a `Default` bundle with an arbitrary `id` and no entry
//!   envelopes, each entry by its container; a MessageHeader as the first
//!   entry names the message's `event` (`event.code`), through
//!   `fgm::strategy::MessageEntry`, which the derive implements for
//!   each `resource` struct.
//!
//! # FHIR JSON
//!
//! With fgm's `json` feature, the same derive also implements serde's
//! `Serialize` and `Deserialize` in the FHIR DSTU2 JSON form, from the same
//! attributes (structs also get `fgm::json::JsonObject`, choices
//! `JsonChoice`); without it, nothing of it is compiled. The mapping is in
//! `fgm::json`.
//!
//! Misuse (an unknown key, a slice without a value, a fixed element placed
//! after nothing known, ...) is a compile error pointing at the attribute;
//! every error in a type is reported at once.
#![forbid(unsafe_code)]

mod arbitrary;
mod attr;
mod json;
mod message;
mod model;
mod shape;
mod xml;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `FhirElement` (structs, resource and code enums) or `FhirChoice`
/// (choice enums). See the crate documentation for the attributes.
#[proc_macro_derive(FhirXml, attributes(fhir))]
pub fn derive_fhir_xml(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_fhir_xml(&input)
        .map(|items| attr::in_runtime(&input.attrs, items))
        .unwrap_or_else(|errors| errors.to_compile_error())
        .into()
}

/// `FhirXml`: the type's model, then its FHIR JSON impls (gated on fgm's
/// `json` feature) and its XML reader and writer.
fn expand_fhir_xml(input: &DeriveInput) -> Result<proc_macro2::TokenStream, syn::Error> {
    let model = model::parse(input)?;
    let json = json::expand(&model);
    let xml = xml::expand(&model);
    Ok(quote::quote! {
        #json

        #xml
    })
}

/// Derives `FhirMessage` for a message struct (a bundle and its typed
/// entries) or for the enum of all messages (chosen by event code).
#[proc_macro_derive(FhirMessage, attributes(fhir))]
pub fn derive_fhir_message(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    message::expand(&input)
        .map(|items| attr::in_runtime(&input.attrs, items))
        .unwrap_or_else(|errors| errors.to_compile_error())
        .into()
}

/// Derives proptest's `Arbitrary` (with feature `proptest` of `fgm`)
/// for a type that also derives `FhirXml` or `FhirMessage`, from the same
/// attributes. See the crate documentation for the values it yields.
#[proc_macro_derive(FhirArbitrary, attributes(fhir))]
pub fn derive_fhir_arbitrary(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    arbitrary::expand(&input)
        .map(|items| attr::in_runtime(&input.attrs, items))
        .unwrap_or_else(|errors| errors.to_compile_error())
        .into()
}
