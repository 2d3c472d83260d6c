//! `#[derive(FhirArbitrary)]`: proptest `Arbitrary` for the types `FhirXml`
//! and `FhirMessage` read and write, from the same attributes, yielding
//! values that write and read back as themselves.
//!
//! The impl sits in `_fgm::if_proptest! { ... }`: it exists when the
//! `proptest` feature of `fgm` is on, and is nothing otherwise, so a
//! crate deriving it needs no proptest dependency or feature of its own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, keys, Attrs, Ctxt};
use crate::shape::{container, is_own, Container};

/// The `Arbitrary` impl of a type (gated on fgm's `proptest` feature).
pub fn expand(input: &DeriveInput) -> Result<TokenStream, syn::Error> {
    let mut cx = Ctxt::default();
    if !input.generics.params.is_empty() {
        cx.error(
            &input.generics,
            "FhirArbitrary does not support generic types",
        );
    }
    let name = &input.ident;
    let mut entry = TokenStream::new();
    let body = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(fields) => {
                let place = [keys::STRUCT, keys::MESSAGE].concat();
                let a = attr::parse(&mut cx, &input.attrs, &place, "a struct");
                let fields: Vec<&syn::Field> = fields.named.iter().collect();
                if let Some(resource) = &a.resource {
                    entry = message_entry(name, &resource.value);
                }
                match &a.event {
                    Some(event) => message(&mut cx, name, &event.value, &fields),
                    None => element(&mut cx, name, &a, &fields),
                }
            }
            _ => {
                cx.error(name, "FhirArbitrary needs a struct with named fields");
                TokenStream::new()
            }
        },
        Data::Enum(e) => union(&mut cx, input, e),
        Data::Union(_) => {
            cx.error(name, "FhirArbitrary cannot be derived for a union");
            TokenStream::new()
        }
    };
    cx.finish()?;
    Ok(quote! {
        _fgm::if_proptest! {
            impl _fgm::proptest::arbitrary::Arbitrary for #name {
                type Parameters = ();
                type Strategy = _fgm::proptest::strategy::BoxedStrategy<Self>;
                fn arbitrary_with(_: ()) -> Self::Strategy {
                    use _fgm::proptest::strategy::Strategy as _;
                    #body
                }
            }
            #entry
        }
    })
}

/// A resource as the entry of a generated message: a MessageHeader names
/// the message's event; any other resource stays as generated.
fn message_entry(name: &Ident, resource: &str) -> TokenStream {
    let body = if resource == "MessageHeader" {
        quote!(self.event.code = event.parse().expect("the interaction's event code");)
    } else {
        quote!(let _ = event;)
    };
    quote! {
        impl _fgm::strategy::MessageEntry for #name {
            fn for_event(&mut self, event: &str) {
                #body
            }
        }
    }
}

/// One field's strategy, boxed, from its container: `T` any value,
/// `Option<T>` maybe one, `Vec<T>` up to two, `NonEmpty<T>` one or two.
fn by_container(container: Container, inner: &Type) -> TokenStream {
    let pt = quote!(_fgm::proptest);
    let one = quote!(#pt::arbitrary::any::<#inner>());
    match container {
        Container::One => quote!(#one.boxed()),
        Container::Option => quote!(#pt::option::of(#one).boxed()),
        Container::Vec => quote!(#pt::collection::vec(#one, 0..3).boxed()),
        Container::NonEmpty => quote!(_fgm::strategy::non_empty(#one)),
    }
}

/// An element struct: each field by its container, except that extensions
/// (`extension`, `modifierExtension`), fields of the struct's own type and
/// fields marked `arbitrary = "empty"` stay empty when optional, a
/// `resource`'s `meta` claims its `profile`, and the overflow is empty.
fn element(cx: &mut Ctxt, name: &Ident, a: &Attrs, fields: &[&syn::Field]) -> TokenStream {
    let pt = quote!(_fgm::proptest);
    let profile = match (&a.resource, &a.profile) {
        (Some(_), Some(p)) => Some(p.value.clone()),
        (None, None) => None,
        (Some(r), None) => {
            cx.error_at(
                r.span,
                "a `resource` struct names its `profile = \"…\"` too",
            );
            None
        }
        (None, Some(p)) => {
            cx.error_at(p.span, "`profile` goes with `resource = \"…\"`");
            None
        }
    };
    let place = [keys::FIELD, keys::MESSAGE_FIELD].concat();
    let mut names = Vec::new();
    let mut strategies = Vec::new();
    let mut overflow = None;
    for field in fields {
        let ident = field.ident.as_ref().expect("named fields");
        let fa = attr::parse(cx, &field.attrs, &place, "a field");
        if fa.overflow.is_some() {
            overflow = Some(ident);
            continue;
        }
        let xml = fa
            .element
            .as_ref()
            .map(|e| e.value.clone())
            .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
        let (container, inner) = container(&field.ty);
        if let (Some(span), Container::One | Container::NonEmpty) = (fa.arbitrary_empty, container)
        {
            cx.error_at(
                span,
                "`arbitrary = \"empty\"` needs an `Option` or `Vec` field: a required one cannot be empty",
            );
        }
        let empty = fa.arbitrary_empty.is_some()
            || xml == "extension"
            || xml == "modifierExtension"
            || is_own(inner, name);
        let strategy = match (container, empty, &profile) {
            (Container::Vec, true, _) => {
                quote!(#pt::strategy::Just(::std::vec::Vec::new()).boxed())
            }
            (Container::Option, true, _) => {
                quote!(#pt::strategy::Just(::core::option::Option::None).boxed())
            }
            (Container::One | Container::Option, _, Some(profile)) if xml == "meta" => {
                let meta = quote! {{
                    let mut meta: #inner = ::core::default::Default::default();
                    meta.profile.push(_fgm::primitive::Uri::new(#profile).expect("a profile URL"));
                    meta
                }};
                match container {
                    Container::One => quote!(#pt::strategy::Just(#meta).boxed()),
                    _ => quote!(#pt::strategy::Just(::core::option::Option::Some(#meta)).boxed()),
                }
            }
            _ => by_container(container, inner),
        };
        names.push(ident);
        strategies.push(strategy);
    }
    let overflow = overflow.map(|o| quote!(#o: ::core::default::Default::default(),));
    if names.is_empty() {
        return quote!(#pt::strategy::Just(#name { #overflow }).boxed());
    }
    let (pattern, tuple) = nested_tuples(&names, &strategies);
    quote! {
        #tuple
            .prop_map(|#pattern| #name {
                #(#names,)*
                #overflow
            })
            .boxed()
    }
}

/// A message struct: an empty bundle with an arbitrary id (the entries'
/// envelopes stay empty), each entry by its container, and the first entry
/// made fit for the message's `event` (a MessageHeader names it).
fn message(cx: &mut Ctxt, name: &Ident, event: &str, fields: &[&syn::Field]) -> TokenStream {
    let pt = quote!(_fgm::proptest);
    let place = [keys::FIELD, keys::MESSAGE_FIELD].concat();
    let mut bundle = None;
    let mut names = Vec::new();
    let mut strategies = Vec::new();
    let mut header = None;
    for field in fields {
        let ident = field.ident.as_ref().expect("named fields");
        let fa = attr::parse(cx, &field.attrs, &place, "a message field");
        if fa.bundle.is_some() {
            bundle = Some((ident, &field.ty));
            continue;
        }
        let (container, inner) = container(&field.ty);
        if names.is_empty() && container == Container::One {
            header = Some(ident);
        }
        names.push(ident);
        strategies.push(by_container(container, inner));
    }
    let Some((bundle, bundle_ty)) = bundle else {
        cx.error(name, "a message needs a `#[fhir(bundle)]` field");
        return TokenStream::new();
    };
    let name_the_event = header.map(|h| {
        quote! {
            let mut #h = #h;
            _fgm::strategy::MessageEntry::for_event(&mut #h, #event);
        }
    });
    let (pattern, tuple) = nested_tuples(&names, &strategies);
    quote! {
        (#pt::option::of(#pt::arbitrary::any::<_fgm::primitive::Id>()), #tuple)
            .prop_map(|(__id, #pattern)| {
                let mut #bundle: #bundle_ty = ::core::default::Default::default();
                #bundle.id = __id;
                #name_the_event
                #name { #bundle, #(#names,)* }
            })
            .boxed()
    }
}

/// An enum: a code enum picks one of its codes; any other enum one of its
/// variants (not the `nonconforming` one), each carrying an arbitrary value.
fn union(cx: &mut Ctxt, input: &DeriveInput, data: &syn::DataEnum) -> TokenStream {
    let name = &input.ident;
    let pt = quote!(_fgm::proptest);
    attr::parse(
        cx,
        &input.attrs,
        &[keys::ENUM, keys::MESSAGE_ENUM].concat(),
        "an enum",
    );
    let all_unit = data
        .variants
        .iter()
        .all(|v| matches!(v.fields, Fields::Unit));
    let mut strategies = Vec::new();
    if all_unit && !data.variants.is_empty() {
        let codes = data.variants.iter().map(|v| &v.ident);
        strategies.push(quote! {{
            const CODES: &[#name] = &[#(#name::#codes),*];
            #pt::sample::select(CODES)
        }});
    } else {
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
            if a.nonconforming.is_none() {
                let ident = &v.ident;
                strategies.push(quote!(#pt::arbitrary::any::<#ty>().prop_map(#name::#ident)));
            }
        }
    }
    if strategies.is_empty() {
        cx.error(name, "FhirArbitrary needs a variant it can generate");
    }
    quote!(#pt::strategy::Union::new(::std::vec![#(#strategies.boxed()),*]).boxed())
}

/// A pattern and a strategy tuple for many fields: chunks of eight, since
/// proptest's tuples stop at twelve.
fn nested_tuples(names: &[&Ident], strategies: &[TokenStream]) -> (TokenStream, TokenStream) {
    let patterns = names.chunks(8).map(|n| quote!((#(#n,)*)));
    let tuples = strategies.chunks(8).map(|s| quote!((#(#s,)*)));
    (quote!((#(#patterns,)*)), quote!((#(#tuples,)*)))
}
