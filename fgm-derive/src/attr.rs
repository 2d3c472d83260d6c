//! The `#[fhir(...)]` attributes, parsed with every error collected (like
//! serde_derive's `Ctxt`): a misused attribute is reported with its span,
//! and all of them at once, never as a panic.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

/// Collects errors; the derive fails with all of them together.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// Records an error at `tokens`.
    pub fn error(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub fn error_at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records a parse error.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// `Ok` when nothing went wrong, else every error combined.
    pub fn finish(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                for e in errors {
                    first.combine(e);
                }
                Err(first)
            }
        }
    }
}

/// A string with where it was written.
#[derive(Clone)]
pub struct Spanned {
    pub value: String,
    pub span: Span,
}

/// A fixed child element (struct level).
pub struct Fixed {
    pub element: Spanned,
    pub value: String,
    pub after: Option<Spanned>,
}

/// The keys each place accepts: one table for every derive, so that the
/// derives a type carries together (`FhirXml` or `FhirMessage`, and
/// `FhirArbitrary`) accept the same attributes. A new key goes here, then
/// into [`Attrs`] and [`parse`].
pub mod keys {
    /// An element struct.
    pub const STRUCT: &[&str] = &["crate", "fixed", "resource", "profile"];
    /// A field of an element struct.
    pub const FIELD: &[&str] = &[
        "element",
        "attribute",
        "choice",
        "slice",
        "overflow",
        "arbitrary",
        "json",
    ];
    /// An enum (choice, resources or codes).
    pub const ENUM: &[&str] = &["crate", "resources"];
    /// A variant of a choice or resources enum.
    pub const VARIANT: &[&str] = &["element", "resource", "profile", "nonconforming"];
    /// A variant of a code enum: codes come from `ValueSetCode`.
    pub const CODE_VARIANT: &[&str] = &[];
    /// A message struct.
    pub const MESSAGE: &[&str] = &[
        "crate",
        "event",
        "any_resource",
        "profiles",
        "event_system",
        "endpoint",
        "success_status",
        "responds_to",
        "response_codes",
    ];
    /// A field of a message struct.
    pub const MESSAGE_FIELD: &[&str] = &["bundle", "entry", "resource", "profile"];
    /// The enum of all messages, and its variants.
    pub const MESSAGE_ENUM: &[&str] = &["crate", "response_codes"];
}

/// The keys of every `#[fhir(...)]` on one item.
#[derive(Default)]
pub struct Attrs {
    /// `crate = "…"`: the path of the runtime (default `::fgm`).
    pub krate: Option<syn::Path>,
    pub element: Option<Spanned>,
    pub attribute: Option<Span>,
    pub choice: Option<Span>,
    pub overflow: Option<Span>,
    pub slice: Option<(Spanned, Spanned)>,
    pub fixed: Vec<Fixed>,
    pub resources: Option<Span>,
    pub resource: Option<Spanned>,
    pub profile: Option<Spanned>,
    pub event: Option<Spanned>,
    pub bundle: Option<Span>,
    pub entry: Option<Spanned>,
    pub any_resource: Option<Spanned>,
    pub nonconforming: Option<Span>,
    pub profiles: Option<Spanned>,
    /// A message's event code system.
    pub event_system: Option<Spanned>,
    /// A message's HTTP path.
    pub endpoint: Option<Spanned>,
    /// A message's success HTTP status.
    pub success_status: Option<Spanned>,
    /// A response message: the event code of the request it answers.
    pub responds_to: Option<Spanned>,
    /// A message's response-code table (a path to a slice of rows).
    pub response_codes: Option<Spanned>,
    /// `arbitrary = "empty"`: generated values leave the field empty.
    pub arbitrary_empty: Option<Span>,
    /// `json = "array"`: FHIR JSON writes the field of at most one value as
    /// an array (its base definition repeats).
    pub json_array: Option<Span>,
}

fn string(meta: &ParseNestedMeta) -> syn::Result<Spanned> {
    let lit: LitStr = meta.value()?.parse()?;
    if lit.value().is_empty() {
        return Err(syn::Error::new(lit.span(), "the value must not be empty"));
    }
    Ok(Spanned {
        value: lit.value(),
        span: lit.span(),
    })
}

/// Parses the `#[fhir(...)]` attributes of an item, accepting only the keys
/// in `allowed` (named in errors as `place`).
pub fn parse(cx: &mut Ctxt, attrs: &[Attribute], allowed: &[&str], place: &str) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("fhir")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                return Err(meta.error(format!(
                    "unknown fhir attribute `{}` on {place}; expected one of: {}",
                    meta.path.to_token_stream(),
                    allowed.join(", ")
                )));
            }
            let span = meta.path.get_ident().map_or_else(Span::call_site, |i| i.span());
            let once = |seen: bool| {
                if seen {
                    Err(meta.error(format!("duplicate fhir attribute `{key}`")))
                } else {
                    Ok(())
                }
            };
            match key.as_str() {
                "crate" => {
                    once(out.krate.is_some())?;
                    let lit: LitStr = meta.value()?.parse()?;
                    out.krate = Some(lit.parse().map_err(|_| {
                        syn::Error::new(
                            lit.span(),
                            "expected the runtime's path, as in `crate = \"::fgm\"`",
                        )
                    })?);
                }
                "element" => {
                    once(out.element.is_some())?;
                    out.element = Some(string(&meta)?);
                }
                "attribute" => {
                    once(out.attribute.is_some())?;
                    out.attribute = Some(span);
                }
                "choice" => {
                    once(out.choice.is_some())?;
                    out.choice = Some(span);
                }
                "overflow" => {
                    once(out.overflow.is_some())?;
                    out.overflow = Some(span);
                }
                "resources" => {
                    once(out.resources.is_some())?;
                    out.resources = Some(span);
                }
                "profiles" => {
                    once(out.profiles.is_some())?;
                    out.profiles = Some(string(&meta)?);
                }
                "nonconforming" => {
                    once(out.nonconforming.is_some())?;
                    out.nonconforming = Some(span);
                }
                "bundle" => {
                    once(out.bundle.is_some())?;
                    out.bundle = Some(span);
                }
                "resource" => {
                    once(out.resource.is_some())?;
                    out.resource = Some(string(&meta)?);
                }
                "profile" => {
                    once(out.profile.is_some())?;
                    out.profile = Some(string(&meta)?);
                }
                "event" => {
                    once(out.event.is_some())?;
                    out.event = Some(string(&meta)?);
                }
                "entry" => {
                    once(out.entry.is_some())?;
                    out.entry = Some(string(&meta)?);
                }
                "event_system" => {
                    once(out.event_system.is_some())?;
                    out.event_system = Some(string(&meta)?);
                }
                "endpoint" => {
                    once(out.endpoint.is_some())?;
                    out.endpoint = Some(string(&meta)?);
                }
                "success_status" => {
                    once(out.success_status.is_some())?;
                    out.success_status = Some(string(&meta)?);
                }
                "responds_to" => {
                    once(out.responds_to.is_some())?;
                    out.responds_to = Some(string(&meta)?);
                }
                "response_codes" => {
                    once(out.response_codes.is_some())?;
                    out.response_codes = Some(string(&meta)?);
                }
                "any_resource" => {
                    once(out.any_resource.is_some())?;
                    out.any_resource = Some(string(&meta)?);
                }
                "arbitrary" => {
                    once(out.arbitrary_empty.is_some())?;
                    let value = string(&meta)?;
                    if value.value != "empty" {
                        return Err(syn::Error::new(
                            value.span,
                            "expected `arbitrary = \"empty\"` (generated values leave the field empty)",
                        ));
                    }
                    out.arbitrary_empty = Some(span);
                }
                "json" => {
                    once(out.json_array.is_some())?;
                    let value = string(&meta)?;
                    if value.value != "array" {
                        return Err(syn::Error::new(
                            value.span,
                            "expected `json = \"array\"` (FHIR JSON writes the field as an array)",
                        ));
                    }
                    out.json_array = Some(span);
                }
                "slice" => {
                    once(out.slice.is_some())?;
                    let (mut d, mut v) = (None, None);
                    meta.parse_nested_meta(|inner| {
                        if inner.path.is_ident("discriminator") {
                            d = Some(string(&inner)?);
                        } else if inner.path.is_ident("value") {
                            v = Some(string(&inner)?);
                        } else {
                            return Err(inner.error("expected `discriminator = \"…\"` or `value = \"…\"` in `slice(...)`"));
                        }
                        Ok(())
                    })?;
                    match (d, v) {
                        (Some(d), Some(v)) => out.slice = Some((d, v)),
                        _ => {
                            return Err(meta.error(
                                "`slice` needs both `discriminator = \"…\"` and `value = \"…\"`",
                            ))
                        }
                    }
                }
                "fixed" => {
                    let (mut element, mut value, mut after) = (None, None, None);
                    meta.parse_nested_meta(|inner| {
                        if inner.path.is_ident("element") {
                            element = Some(string(&inner)?);
                        } else if inner.path.is_ident("value") {
                            let lit: LitStr = inner.value()?.parse()?;
                            value = Some(lit.value());
                        } else if inner.path.is_ident("after") {
                            after = Some(string(&inner)?);
                        } else {
                            return Err(inner.error(
                                "expected `element`, `value` or `after` in `fixed(...)`",
                            ));
                        }
                        Ok(())
                    })?;
                    match (element, value) {
                        (Some(element), Some(value)) => out.fixed.push(Fixed {
                            element,
                            value,
                            after,
                        }),
                        _ => {
                            return Err(meta.error(
                                "`fixed` needs `element = \"…\"` and `value = \"…\"`",
                            ))
                        }
                    }
                }
                _ => unreachable!("checked against `allowed`"),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    out
}

/// The runtime's path a type's derives name: its `#[fhir(crate = "…")]`,
/// or `::fgm`. Errors in the attributes are left to the derive's own
/// parse, which reports them once.
pub fn runtime(attrs: &[Attribute]) -> syn::Path {
    let container = [keys::STRUCT, keys::ENUM, keys::MESSAGE].concat();
    parse(&mut Ctxt::default(), attrs, &container, "the type")
        .krate
        .unwrap_or_else(|| syn::parse_quote!(::fgm))
}

/// Puts a derive's items where `_fgm` names the runtime (the way
/// serde_derive names `_serde`): `const _: () = { use ::fgm as _fgm; … };`.
pub fn in_runtime(
    attrs: &[Attribute],
    items: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let runtime = runtime(attrs);
    quote::quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications)]
        const _: () = {
            #[allow(unused_imports)]
            use #runtime as _fgm;
            #items
        };
    }
}
