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

/// A non-empty string value.
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
            parse_key(&mut out, &meta, &key)
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    out
}

/// Parses one allowed key into `out`.
fn parse_key(out: &mut Attrs, meta: &ParseNestedMeta, key: &str) -> syn::Result<()> {
    match key {
        "crate" => once(meta, key, &mut out.krate, runtime_path),
        "element" => once(meta, key, &mut out.element, string),
        "attribute" => once(meta, key, &mut out.attribute, flag),
        "choice" => once(meta, key, &mut out.choice, flag),
        "overflow" => once(meta, key, &mut out.overflow, flag),
        "resources" => once(meta, key, &mut out.resources, flag),
        "profiles" => once(meta, key, &mut out.profiles, string),
        "nonconforming" => once(meta, key, &mut out.nonconforming, flag),
        "bundle" => once(meta, key, &mut out.bundle, flag),
        "resource" => once(meta, key, &mut out.resource, string),
        "profile" => once(meta, key, &mut out.profile, string),
        "event" => once(meta, key, &mut out.event, string),
        "entry" => once(meta, key, &mut out.entry, string),
        "event_system" => once(meta, key, &mut out.event_system, string),
        "endpoint" => once(meta, key, &mut out.endpoint, string),
        "success_status" => once(meta, key, &mut out.success_status, string),
        "responds_to" => once(meta, key, &mut out.responds_to, string),
        "response_codes" => once(meta, key, &mut out.response_codes, string),
        "any_resource" => once(meta, key, &mut out.any_resource, string),
        "arbitrary" => once(meta, key, &mut out.arbitrary_empty, |m| {
            keyword(
                m,
                "empty",
                "expected `arbitrary = \"empty\"` (generated values leave the field empty)",
            )
        }),
        "json" => once(meta, key, &mut out.json_array, |m| {
            keyword(
                m,
                "array",
                "expected `json = \"array\"` (FHIR JSON writes the field as an array)",
            )
        }),
        "slice" => once(meta, key, &mut out.slice, slice),
        "fixed" => {
            out.fixed.push(fixed(meta)?);
            Ok(())
        }
        _ => unreachable!("checked against `allowed`"),
    }
}

/// Sets a key that may be given once, from `value`.
fn once<T>(
    meta: &ParseNestedMeta,
    key: &str,
    slot: &mut Option<T>,
    value: impl FnOnce(&ParseNestedMeta) -> syn::Result<T>,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate fhir attribute `{key}`")));
    }
    *slot = Some(value(meta)?);
    Ok(())
}

/// A key without a value: where it was written.
fn flag(meta: &ParseNestedMeta) -> syn::Result<Span> {
    Ok(meta
        .path
        .get_ident()
        .map_or_else(Span::call_site, |i| i.span()))
}

/// A key whose one allowed value is `expected`: where the key was written.
fn keyword(meta: &ParseNestedMeta, expected: &str, message: &str) -> syn::Result<Span> {
    let value = string(meta)?;
    if value.value != expected {
        return Err(syn::Error::new(value.span, message));
    }
    flag(meta)
}

/// `crate = "::path"`.
fn runtime_path(meta: &ParseNestedMeta) -> syn::Result<syn::Path> {
    let lit: LitStr = meta.value()?.parse()?;
    lit.parse().map_err(|_| {
        syn::Error::new(
            lit.span(),
            "expected the runtime's path, as in `crate = \"::fgm\"`",
        )
    })
}

/// `slice(discriminator = "…", value = "…")`.
fn slice(meta: &ParseNestedMeta) -> syn::Result<(Spanned, Spanned)> {
    let (mut d, mut v) = (None, None);
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("discriminator") {
            d = Some(string(&inner)?);
        } else if inner.path.is_ident("value") {
            v = Some(string(&inner)?);
        } else {
            return Err(
                inner.error("expected `discriminator = \"…\"` or `value = \"…\"` in `slice(...)`")
            );
        }
        Ok(())
    })?;
    match (d, v) {
        (Some(d), Some(v)) => Ok((d, v)),
        _ => Err(meta.error("`slice` needs both `discriminator = \"…\"` and `value = \"…\"`")),
    }
}

/// `fixed(element = "…", value = "…", after = "…")`, repeatable.
fn fixed(meta: &ParseNestedMeta) -> syn::Result<Fixed> {
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
            return Err(inner.error("expected `element`, `value` or `after` in `fixed(...)`"));
        }
        Ok(())
    })?;
    match (element, value) {
        (Some(element), Some(value)) => Ok(Fixed {
            element,
            value,
            after,
        }),
        _ => Err(meta.error("`fixed` needs `element = \"…\"` and `value = \"…\"`")),
    }
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
