//! The model `#[derive(FhirXml)]` builds once from a type and its
//! `#[fhir(...)]` attributes, with every misuse collected in [`Ctxt`]: the
//! XML ([`crate::xml`]) and JSON ([`crate::json`]) emitters both read it.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, keys, Attrs, Ctxt};
use crate::shape::{container, Container};

/// What a `FhirXml` type is.
pub enum Model<'a> {
    /// A struct: one FHIR element.
    Element(Element<'a>),
    /// An enum of unit variants: a value-set code.
    Code(&'a Ident),
    /// An enum of tuple variants: a choice element.
    Choice(Choice<'a>),
    /// A `#[fhir(resources)]` enum: a resource container.
    Resources(Resources<'a>),
}

/// An element struct: its children in canonical order, its XML
/// attributes and the field keeping the overflow.
pub struct Element<'a> {
    pub name: &'a Ident,
    pub children: Vec<Child<'a>>,
    pub attributes: Vec<Attribute<'a>>,
    pub overflow: Option<&'a Ident>,
}

/// One child element of a struct, in canonical order.
pub enum Child<'a> {
    Field {
        ident: &'a Ident,
        xml: String,
        container: Container,
        inner: &'a Type,
        choice: bool,
        /// (discriminator, value) of a slice.
        slice: Option<(String, String)>,
        /// Written as an array in FHIR JSON though it holds at most one.
        json_array: bool,
    },
    Fixed {
        xml: String,
        value: String,
    },
}

impl Child<'_> {
    /// The element name.
    pub fn xml(&self) -> &str {
        match self {
            Child::Field { xml, .. } | Child::Fixed { xml, .. } => xml,
        }
    }

    /// Whether it is a `choice` field (named by its enum's variants).
    pub fn is_choice(&self) -> bool {
        matches!(self, Child::Field { choice: true, .. })
    }

    /// Whether it is a sliced field.
    pub fn is_sliced(&self) -> bool {
        matches!(self, Child::Field { slice: Some(_), .. })
    }
}

/// An XML attribute field (`T` or `Option<T>`).
pub struct Attribute<'a> {
    pub ident: &'a Ident,
    pub xml: String,
    pub container: Container,
    pub inner: &'a Type,
}

/// A choice enum.
pub struct Choice<'a> {
    pub name: &'a Ident,
    pub variants: Vec<ChoiceVariant<'a>>,
}

/// A variant of a choice enum: `Variant(T)` named by its element.
pub struct ChoiceVariant<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub xml: String,
    /// Where the element name was written.
    pub span: Span,
}

/// A resource container enum.
pub struct Resources<'a> {
    pub name: &'a Ident,
    pub variants: Vec<ResourceVariant<'a>>,
    /// The variant keeping a resource that conforms to no profile.
    pub nonconforming: Option<&'a Ident>,
}

/// A typed variant of a resource container.
pub struct ResourceVariant<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub resource: String,
    pub profile: String,
}

/// Builds the model of `input`, or every error in it.
pub fn parse(input: &DeriveInput) -> Result<Model<'_>, syn::Error> {
    let mut cx = Ctxt::default();
    if !input.generics.params.is_empty() {
        cx.error(&input.generics, "FhirXml does not support generic types");
    }
    let model = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(fields) => Some(Model::Element(element(
                &mut cx,
                input,
                fields.named.iter().collect(),
            ))),
            _ => {
                cx.error(
                    &input.ident,
                    "FhirXml needs a struct with named fields (one per child element)",
                );
                None
            }
        },
        Data::Enum(e) => enumeration(&mut cx, input, e),
        Data::Union(_) => {
            cx.error(&input.ident, "FhirXml cannot be derived for a union");
            None
        }
    };
    cx.finish()?;
    Ok(model.expect("a model whenever there is no error"))
}

/// An element struct: the fields, then the fixed elements in their place,
/// then the check that no two plain children share an element name.
fn element<'a>(cx: &mut Ctxt, input: &'a DeriveInput, fields: Vec<&'a syn::Field>) -> Element<'a> {
    let struct_attrs = attr::parse(cx, &input.attrs, keys::STRUCT, "a struct");
    let mut model = Element {
        name: &input.ident,
        children: Vec::new(),
        attributes: Vec::new(),
        overflow: None,
    };
    for field in fields {
        add_field(cx, &mut model, field);
    }
    for fixed in struct_attrs.fixed {
        place_fixed(cx, &mut model.children, fixed);
    }
    check_clashes(cx, &model.children);
    model
}

/// Adds one field: the overflow, an attribute or a child element.
fn add_field<'a>(cx: &mut Ctxt, model: &mut Element<'a>, field: &'a syn::Field) {
    let ident = field.ident.as_ref().expect("named fields");
    let a = attr::parse(cx, &field.attrs, keys::FIELD, "a field");
    let xml = a
        .element
        .as_ref()
        .map(|e| e.value.clone())
        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
    let (container, inner) = container(&field.ty);
    if let Some(span) = a.overflow {
        check_overflow(cx, &a, span);
        if model.overflow.replace(ident).is_some() {
            cx.error_at(span, "only one field may be the `overflow`");
        }
        return;
    }
    if let Some(span) = a.json_array {
        check_json_array(cx, &a, span, container);
    }
    if let Some(span) = a.attribute {
        check_attribute(cx, &a, span, container);
        model.attributes.push(Attribute {
            ident,
            xml,
            container,
            inner,
        });
        return;
    }
    check_child(cx, &a);
    model.children.push(Child::Field {
        ident,
        xml,
        container,
        inner,
        choice: a.choice.is_some(),
        slice: a.slice.map(|(d, v)| (d.value, v.value)),
        json_array: a.json_array.is_some(),
    });
}

/// An `overflow` field takes no other key.
fn check_overflow(cx: &mut Ctxt, a: &Attrs, span: Span) {
    if a.element.is_some()
        || a.attribute.is_some()
        || a.choice.is_some()
        || a.slice.is_some()
        || a.json_array.is_some()
    {
        cx.error_at(span, "an `overflow` field takes no other fhir attribute");
    }
}

/// `json = "array"` goes on a plain field of at most one value.
fn check_json_array(cx: &mut Ctxt, a: &Attrs, span: Span, container: Container) {
    if !matches!(container, Container::One | Container::Option) {
        cx.error_at(
            span,
            "`json = \"array\"` is for a `T` or `Option<T>` field; a repeating field is an array already",
        );
    }
    if a.attribute.is_some() || a.choice.is_some() {
        cx.error_at(
            span,
            "`json = \"array\"` cannot go on an `attribute` or a `choice`",
        );
    }
}

/// An `attribute` holds at most one value and is neither choice nor slice.
fn check_attribute(cx: &mut Ctxt, a: &Attrs, span: Span, container: Container) {
    if container != Container::One && container != Container::Option {
        cx.error_at(span, "an `attribute` field must be `T` or `Option<T>`");
    }
    if a.choice.is_some() || a.slice.is_some() {
        cx.error_at(
            span,
            "an `attribute` cannot also be a `choice` or a `slice`",
        );
    }
}

/// A child element is not both a choice and a slice, and a choice takes its
/// names from its enum.
fn check_child(cx: &mut Ctxt, a: &Attrs) {
    if let (Some(span), Some(_)) = (a.choice, &a.slice) {
        cx.error_at(span, "a field cannot be both a `choice` and a `slice`");
    }
    if a.choice.is_some() && a.element.is_some() {
        cx.error_at(
            a.choice.unwrap_or_else(Span::call_site),
            "a `choice` field takes its element names from the enum's variants, not `element`",
        );
    }
}

/// Puts a fixed element after the element it names (first without `after`).
fn place_fixed(cx: &mut Ctxt, children: &mut Vec<Child>, fixed: attr::Fixed) {
    let position = match &fixed.after {
        None => 0,
        Some(after) => match children.iter().rposition(|c| c.xml() == after.value) {
            Some(i) => i + 1,
            None => {
                cx.error_at(
                    after.span,
                    format!(
                        "`after = \"{}\"` names no element of this struct",
                        after.value
                    ),
                );
                return;
            }
        },
    };
    children.insert(
        position,
        Child::Fixed {
            xml: fixed.element.value,
            value: fixed.value,
        },
    );
}

/// Two plain (unsliced, non-choice) children may not share an element name.
fn check_clashes(cx: &mut Ctxt, children: &[Child]) {
    for (i, a) in children.iter().enumerate() {
        if let Child::Field {
            ident,
            slice: None,
            choice: false,
            ..
        } = a
        {
            let clash = children[..i]
                .iter()
                .any(|b| !b.is_choice() && !b.is_sliced() && b.xml() == a.xml());
            if clash {
                cx.error(
                    ident,
                    format!("two children are both element <{}>", a.xml()),
                );
            }
        }
    }
}

/// An enum: a code enum, or the variants of a choice or resource container.
fn enumeration<'a>(
    cx: &mut Ctxt,
    input: &'a DeriveInput,
    data: &'a syn::DataEnum,
) -> Option<Model<'a>> {
    let name = &input.ident;
    let enum_attrs = attr::parse(cx, &input.attrs, keys::ENUM, "an enum");
    if data.variants.is_empty() {
        cx.error(name, "FhirXml needs at least one variant");
        return None;
    }
    if data
        .variants
        .iter()
        .all(|v| matches!(v.fields, Fields::Unit))
    {
        if enum_attrs.resources.is_some() {
            cx.error(name, "a `resources` enum needs `Variant(Box<T>)` variants");
        }
        for v in &data.variants {
            attr::parse(
                cx,
                &v.attrs,
                keys::CODE_VARIANT,
                "a code variant (codes come from `ValueSetCode`)",
            );
        }
        return Some(Model::Code(name));
    }
    let mut variants = Vec::new();
    for v in &data.variants {
        let a = attr::parse(cx, &v.attrs, keys::VARIANT, "a variant");
        let ty = match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => &f.unnamed[0].ty,
            _ => {
                cx.error(
                    &v.ident,
                    "each variant must carry exactly one value: `Variant(T)`",
                );
                continue;
            }
        };
        variants.push((&v.ident, ty, a));
    }
    Some(if enum_attrs.resources.is_some() {
        Model::Resources(resources(cx, name, variants))
    } else {
        Model::Choice(choice(cx, name, variants))
    })
}

/// A choice enum: each variant names its own element, once.
fn choice<'a>(
    cx: &mut Ctxt,
    name: &'a Ident,
    variants: Vec<(&'a Ident, &'a Type, Attrs)>,
) -> Choice<'a> {
    let mut out: Vec<ChoiceVariant> = Vec::new();
    for (ident, ty, a) in variants {
        if a.resource.is_some() || a.profile.is_some() {
            cx.error(
                ident,
                "`resource`/`profile` need `#[fhir(resources)]` on the enum",
            );
        }
        let Some(element) = a.element else {
            cx.error(
                ident,
                "a choice variant needs `#[fhir(element = \"valueString\")]`",
            );
            continue;
        };
        if out.iter().any(|v| v.xml == element.value) {
            cx.error_at(
                element.span,
                format!("element <{}> is named by two variants", element.value),
            );
        }
        out.push(ChoiceVariant {
            ident,
            ty,
            xml: element.value,
            span: element.span,
        });
    }
    Choice {
        name,
        variants: out,
    }
}

/// A resource container: each variant a resource and its profile, or the
/// one `nonconforming` variant.
fn resources<'a>(
    cx: &mut Ctxt,
    name: &'a Ident,
    variants: Vec<(&'a Ident, &'a Type, Attrs)>,
) -> Resources<'a> {
    let mut out = Resources {
        name,
        variants: Vec::new(),
        nonconforming: None,
    };
    for (ident, ty, a) in variants {
        if a.element.is_some() {
            cx.error(
                ident,
                "a resource variant takes `resource` and `profile`, not `element`",
            );
        }
        if a.nonconforming.is_some() {
            if a.resource.is_some() || a.profile.is_some() {
                cx.error(
                    ident,
                    "the `nonconforming` variant takes no `resource` or `profile`",
                );
            }
            if out.nonconforming.replace(ident).is_some() {
                cx.error(ident, "only one variant may be `nonconforming`");
            }
            continue;
        }
        let (Some(resource), Some(profile)) = (a.resource, a.profile) else {
            cx.error(
                ident,
                "a resource variant needs `#[fhir(resource = \"Patient\", profile = \"http://…\")]`",
            );
            continue;
        };
        out.variants.push(ResourceVariant {
            ident,
            ty,
            resource: resource.value,
            profile: profile.value,
        });
    }
    out
}
