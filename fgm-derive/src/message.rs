//! `#[derive(FhirMessage)]`: a message struct (the bundle, and each entry's
//! resource as a typed field) or the enum of all messages.
//!
//! ```text
//! #[derive(FhirMessage)]
//! #[fhir(event = "urn:…:FGMCreate_1_0", any_resource = "path::to::AnyResource",
//!        // optional, for `FhirMessage::interaction` (Spine's responses):
//!        event_system = "…", endpoint = "/fhir/fgm/create", success_status = "201")]
//!        // and, on a response, `responds_to = "<the request's event code>"`
//! struct CreateRequest {
//!     #[fhir(bundle)] bundle: Bundle,                 // entries keep their envelopes
//!     #[fhir(entry = "SpineRequestMessageHeader20", resource = "MessageHeader", profile = "…")]
//!     header: MessageHeader,                          // the first entry
//!     #[fhir(entry = "SpineRisFlag10", resource = "Flag", profile = "…")] flag: Flag,
//!     #[fhir(entry = "SpineOrganization10")] organization: Option<Organization>,
//! }
//!
//! #[derive(FhirMessage)]
//! enum Message { CreateRequest(CreateRequest), … }  // chosen by event code
//! ```

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type};

use crate::attr::{self, keys, Ctxt};

pub fn expand(input: &DeriveInput) -> Result<TokenStream, syn::Error> {
    let mut cx = Ctxt::default();
    if !input.generics.params.is_empty() {
        cx.error(
            &input.generics,
            "FhirMessage does not support generic types",
        );
    }
    let out = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => expand_struct(&mut cx, input, f.named.iter().collect()),
            _ => {
                cx.error(&input.ident, "FhirMessage needs a struct with named fields");
                TokenStream::new()
            }
        },
        Data::Enum(e) => expand_enum(&mut cx, input, e),
        Data::Union(_) => {
            cx.error(&input.ident, "FhirMessage cannot be derived for a union");
            TokenStream::new()
        }
    };
    cx.finish()?;
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Card {
    One,
    Option,
    Vec,
}

fn card(ty: &Type) -> (Card, &Type) {
    if let Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            let kind = match last.ident.to_string().as_str() {
                "Option" => Some(Card::Option),
                "Vec" => Some(Card::Vec),
                _ => None,
            };
            if let (Some(kind), PathArguments::AngleBracketed(args)) = (kind, &last.arguments) {
                if let Some(GenericArgument::Type(inner)) = args.args.first() {
                    return (kind, inner);
                }
            }
        }
    }
    (Card::One, ty)
}

fn expand_struct(cx: &mut Ctxt, input: &DeriveInput, fields: Vec<&syn::Field>) -> TokenStream {
    let name = &input.ident;
    let a = attr::parse(cx, &input.attrs, keys::MESSAGE, "a message struct");
    let profiles: Vec<String> = a
        .profiles
        .as_ref()
        .map(|p| p.value.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let (Some(event), Some(any)) = (&a.event, &a.any_resource) else {
        cx.error(
            name,
            "a message struct needs `#[fhir(event = \"…\", any_resource = \"path::AnyResource\")]`",
        );
        return TokenStream::new();
    };
    let event = &event.value;
    let any: syn::Path = match syn::parse_str(&any.value) {
        Ok(p) => p,
        Err(_) => {
            cx.error_at(
                any.span,
                "`any_resource` must be a path to the resource enum",
            );
            return TokenStream::new();
        }
    };
    let response_code = response_code(cx, a.response_codes.as_ref());
    let mut bundle = None;
    let mut entries = Vec::new();
    for f in &fields {
        let ident = f.ident.as_ref().expect("named");
        let fa = attr::parse(cx, &f.attrs, keys::MESSAGE_FIELD, "a message field");
        match (fa.bundle, fa.entry) {
            (Some(_), None) => {
                if bundle.replace((ident, &f.ty)).is_some() {
                    cx.error(ident, "only one field may be the `bundle`");
                }
            }
            (None, Some(variant)) => {
                let (card, inner) = card(&f.ty);
                let variant = format_ident!("{}", variant.value);
                let info = (
                    fa.resource.map(|r| r.value).unwrap_or_default(),
                    fa.profile.map(|p| p.value).unwrap_or_default(),
                );
                entries.push((ident, card, inner, variant, info));
            }
            (Some(_), Some(_)) => cx.error(ident, "a field is either the `bundle` or an `entry`"),
            (None, None) => cx.error(
                ident,
                "every field of a message is `#[fhir(bundle)]` or `#[fhir(entry = \"Variant\")]`",
            ),
        }
    }
    let Some((bundle_ident, bundle_ty)) = bundle else {
        cx.error(name, "a message needs a `#[fhir(bundle)]` field");
        return TokenStream::new();
    };
    if entries.is_empty() {
        cx.error(name, "a message needs at least its header entry");
        return TokenStream::new();
    }
    if entries[0].1 != Card::One {
        cx.error(
            entries[0].0,
            "the first entry (the MessageHeader) must be required",
        );
    }
    let rt = quote!(_fgm);
    let text = |v: &Option<attr::Spanned>| v.as_ref().map(|s| s.value.clone()).unwrap_or_default();
    let (event_system, endpoint) = (text(&a.event_system), text(&a.endpoint));
    let success_status: u16 = match &a.success_status {
        None => 200,
        Some(s) => s.value.parse().unwrap_or_else(|_| {
            cx.error_at(s.span, "`success_status` must be an HTTP status (`200`)");
            200
        }),
    };
    let responds_to = match &a.responds_to {
        Some(r) => {
            let r = &r.value;
            quote!(::core::option::Option::Some(#r))
        }
        None => quote!(::core::option::Option::None),
    };
    let interaction_name = name.to_string();
    let entry_infos = entries.iter().map(|(ident, _, _, _, (resource, profile))| {
        let field = ident.to_string();
        quote!(#rt::message::EntryInfo { name: #field, resource: #resource, profile: #profile })
    });
    let locals = entries.iter().enumerate().map(|(i, (_, card, inner, _, _))| {
        let v = format_ident!("__e{}", i);
        match card {
            Card::Vec => quote!(let mut #v: ::std::vec::Vec<#inner> = ::std::vec::Vec::new();),
            // Boxed until the message is built: the resource moves once.
            _ => quote!(let mut #v: ::core::option::Option<::std::boxed::Box<#inner>> = ::core::option::Option::None;),
        }
    });
    let arms = entries.iter().enumerate().map(|(i, (_, card, _, variant, _))| {
        let v = format_ident!("__e{}", i);
        match (i, card) {
            (0, _) => quote! {
                #any::#variant(x) if __i == 0 => { #v = ::core::option::Option::Some(x); 0 }
                #any::#variant(_) => return ::core::result::Result::Err(report.fail(#rt::message::EntryProblem::HeaderNotFirst(__i))),
            },
            (_, Card::Vec) => quote!(#any::#variant(x) => { #v.push(*x); #i }),
            _ => quote!(#any::#variant(x) if #v.is_none() => { #v = ::core::option::Option::Some(x); #i }),
        }
    });
    let inits = entries.iter().enumerate().map(|(i, (ident, card, _, variant, _))| {
        let v = format_ident!("__e{}", i);
        let what = variant.to_string();
        match card {
            Card::One => quote! {
                #ident: match #v {
                    ::core::option::Option::Some(x) => *x,
                    ::core::option::Option::None => return ::core::result::Result::Err(report.fail(#rt::message::EntryProblem::Missing(#what))),
                },
            },
            Card::Option => quote!(#ident: #v.map(|x| *x),),
            Card::Vec => quote!(#ident: #v,),
        }
    });
    // Each resource as a writer of its element, in field order.
    let writers = entries.iter().map(|(ident, card, _, _, (resource, _))| {
        let write = quote!(::std::boxed::Box::new(move |w: &mut #rt::xml::Writer| #rt::xml::FhirElement::write_element(x, w, #resource)));
        match card {
            Card::One => quote! { { let x = &self.#ident; __resources.push(#write); } },
            Card::Option => quote! {
                if let ::core::option::Option::Some(x) = &self.#ident { __resources.push(#write); }
            },
            Card::Vec => quote! {
                for x in self.#ident.iter() { __resources.push(#write); }
            },
        }
    });
    let pushes = entries.iter().map(|(ident, card, _, variant, _)| match card {
        Card::One => {
            quote!(__resources.push(::core::option::Option::Some(#any::#variant(::std::boxed::Box::new(self.#ident.clone()))));)
        }
        Card::Option => quote! {
            if let ::core::option::Option::Some(x) = &self.#ident {
                __resources.push(::core::option::Option::Some(#any::#variant(::std::boxed::Box::new(x.clone()))));
            }
        },
        Card::Vec => quote! {
            for x in self.#ident.iter() {
                __resources.push(::core::option::Option::Some(#any::#variant(::std::boxed::Box::new(x.clone()))));
            }
        },
    });
    quote! {
        impl #name {
            /// Splits a message's bundle into the fields (for the derived
            /// readers, XML and JSON).
            #[doc(hidden)]
            pub fn __from_bundle<R: #rt::message::EntryReport>(
                #bundle_ident: #bundle_ty,
                report: &mut R,
            ) -> ::core::result::Result<Self, R::Error> {
                #name::__from_bundle_with(#bundle_ident, report, |m| m)
            }

            /// [`Self::__from_bundle`], the message handed to `wrap` where
            /// it is built.
            #[doc(hidden)]
            pub fn __from_bundle_with<R: #rt::message::EntryReport, T>(
                mut #bundle_ident: #bundle_ty,
                report: &mut R,
                wrap: impl ::core::ops::FnOnce(Self) -> T,
            ) -> ::core::result::Result<T, R::Error> {
                #(#locals)*
                // Each entry's envelope goes with its field: entries are kept in
                // field order, which is where writing puts the resources back.
                // In order (the usual case), they stay where they are.
                let mut __slots: ::std::vec::Vec<usize> = ::std::vec::Vec::with_capacity(#bundle_ident.entry.len());
                let mut __last = 0usize;
                for (__i, __entry) in #bundle_ident.entry.iter_mut().enumerate() {
                    let ::core::option::Option::Some(__resource) = __entry.resource.take() else {
                        return ::core::result::Result::Err(report.fail(#rt::message::EntryProblem::WithoutResource(__i)));
                    };
                    let __slot: usize = match __resource {
                        #(#arms)*
                        other => {
                            return ::core::result::Result::Err(report.fail(#rt::message::EntryProblem::Unexpected {
                                index: __i,
                                resource_type: other.resource_type().to_owned(),
                                profile: other.profile().unwrap_or("-").to_owned(),
                            }));
                        }
                    };
                    if __slot < __last {
                        report.out_of_order(__i)?;
                    }
                    __last = __last.max(__slot);
                    __slots.push(__slot);
                }
                // Envelopes that carry nothing are not kept: writing makes
                // them anew, one per resource.
                let __empty = ::core::default::Default::default();
                if #bundle_ident.entry.iter().all(|e| *e == __empty) {
                    #bundle_ident.entry.clear();
                } else if !__slots.is_sorted() {
                    let mut __keyed: ::std::vec::Vec<_> = __slots
                        .into_iter()
                        .zip(::core::mem::take(&mut #bundle_ident.entry))
                        .collect();
                    // Stable: in each field, the entries' own order.
                    __keyed.sort_by_key(|(slot, _)| *slot);
                    #bundle_ident.entry = __keyed.into_iter().map(|(_, e)| e).collect();
                }
                ::core::result::Result::Ok(wrap(#name {
                    #bundle_ident,
                    #(#inits)*
                }))
            }

            /// The message's bundle, every resource in its entry (for the
            /// derived writers, XML and JSON).
            #[doc(hidden)]
            pub fn __to_bundle(&self) -> #bundle_ty {
                let mut __resources: ::std::vec::Vec<::core::option::Option<#any>> = ::std::vec::Vec::new();
                #(#pushes)*
                let __plan = #rt::message::entry_plan(
                    self.#bundle_ident.entry.iter().map(|e| e.resource.is_some()),
                    __resources.len(),
                );
                let mut __bundle = self.#bundle_ident.clone();
                let mut __envelopes = ::core::mem::take(&mut __bundle.entry);
                __bundle.entry = __plan
                    .into_iter()
                    .map(|(envelope, resource)| {
                        let mut __entry = envelope
                            .map(|e| ::core::mem::take(&mut __envelopes[e]))
                            .unwrap_or_default();
                        if let ::core::option::Option::Some(r) = resource {
                            __entry.resource = __resources[r].take();
                        }
                        __entry
                    })
                    .collect();
                __bundle
            }
        }

        impl #rt::FhirMessage for #name {
            fn accepts(event: &str) -> bool {
                event == #event
            }

            fn interaction(event: &str) -> ::core::option::Option<&'static #rt::message::InteractionSpec> {
                static SPEC: #rt::message::InteractionSpec = #rt::message::InteractionSpec {
                    name: #interaction_name,
                    event: #event,
                    event_system: #event_system,
                    endpoint: #endpoint,
                    success_status: #success_status,
                    responds_to: #responds_to,
                    entries: &[#(#entry_infos),*],
                };
                (event == #event).then_some(&SPEC)
            }

            fn response_to(request_event: &str) -> ::core::option::Option<&'static #rt::message::InteractionSpec> {
                <#name as #rt::FhirMessage>::interaction(#event)
                    .filter(|spec| spec.responds_to == ::core::option::Option::Some(request_event))
            }

            fn profiles(_event: &str) -> &'static [&'static str] {
                &[#(#profiles),*]
            }

            #response_code

            fn reference_targets(profile: &str, path: &str) -> ::core::option::Option<&'static [&'static str]> {
                #any::reference_targets(profile, path)
            }

            fn read_message<'a, 'i>(
                r: &mut #rt::xml::Reader<'a, 'i>,
                node: #rt::xml::Node<'a, 'i>,
                _event: &str,
            ) -> #rt::xml::Result<Self> {
                <Self as #rt::FhirMessage>::__read_message_with(r, node, _event, |m| m)
            }

            fn __read_message_with<'a, 'i, T>(
                r: &mut #rt::xml::Reader<'a, 'i>,
                node: #rt::xml::Node<'a, 'i>,
                _event: &str,
                wrap: impl ::core::ops::FnOnce(Self) -> T,
            ) -> #rt::xml::Result<T> {
                let __bundle = <#bundle_ty as #rt::xml::FhirElement>::read_element(r, node)?;
                #name::__from_bundle_with(__bundle, &mut #rt::message::XmlEntries { reader: r, bundle: node }, wrap)
            }

            fn write_message(&self, w: &mut #rt::xml::Writer) {
                // What `__to_bundle` builds, written from the fields in
                // place: envelopes without a resource take the next, in
                // order; the resources left get envelopes of their own.
                let mut __resources: ::std::vec::Vec<::std::boxed::Box<dyn Fn(&mut #rt::xml::Writer) + '_>> =
                    ::std::vec::Vec::new();
                #(#writers)*
                let __plan = #rt::message::entry_plan(
                    self.#bundle_ident.entry.iter().map(|e| e.resource.is_some()),
                    __resources.len(),
                );
                let __empty = #rt::message::default_like(&self.#bundle_ident.entry);
                self.#bundle_ident.__write_element_with(w, "Bundle", "entry", __plan.len(), &mut |w, i| {
                    let (envelope, resource) = __plan[i];
                    let envelope = envelope.map_or(&__empty, |e| &self.#bundle_ident.entry[e]);
                    match resource {
                        ::core::option::Option::Some(r) => envelope.__write_element_with(w, "entry", "resource", 1, &mut |w, _| {
                            w.start("resource");
                            (__resources[r])(w);
                            w.end();
                        }),
                        ::core::option::Option::None => #rt::xml::FhirElement::write_element(envelope, w, "entry"),
                    }
                });
            }
        }

        #rt::if_json! {
            impl #rt::json::__serde::Serialize for #name {
                fn serialize<S: #rt::json::__serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                    #rt::json::write_object(&self.__to_bundle(), s, ::core::option::Option::Some("Bundle"))
                }
            }

            impl<'de> #rt::json::__serde::Deserialize<'de> for #name {
                fn deserialize<D: #rt::json::__serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    #rt::json::push("Bundle");
                    let __bundle: #bundle_ty = #rt::json::read_object(d, ::core::option::Option::Some("Bundle"))?;
                    let __message = #name::__from_bundle(__bundle, &mut #rt::json::JsonEntries::<D::Error>::default())?;
                    #rt::json::pop();
                    ::core::result::Result::Ok(__message)
                }
            }
        }
    }
}

/// `FhirMessage::response_code` over the table `response_codes` names: rows
/// with `code`, `system`, `http_status`, `severity` (a value-set code of the
/// FHIR issue severities) and `legacy: Option<&str>`, as `fgm-build`
/// generates `RESPONSE_CODES`.
fn response_code(cx: &mut Ctxt, table: Option<&attr::Spanned>) -> TokenStream {
    let Some(table) = table else {
        return TokenStream::new();
    };
    let path: syn::Path = match syn::parse_str(&table.value) {
        Ok(p) => p,
        Err(_) => {
            cx.error_at(
                table.span,
                "`response_codes` must be a path to the response-code table",
            );
            return TokenStream::new();
        }
    };
    let rt = quote!(_fgm);
    quote! {
        fn response_code(code: &str) -> ::core::option::Option<#rt::spine::ResponseCode> {
            #path
                .iter()
                .find(|row| row.code == code || row.legacy == ::core::option::Option::Some(code))
                .map(|row| #rt::spine::ResponseCode {
                    code: row.code,
                    system: row.system,
                    http_status: row.http_status,
                    severity: #rt::spine::Severity::from_code(#rt::ValueSetCode::code(row.severity))
                        .unwrap_or(#rt::spine::Severity::Error),
                    legacy: row.legacy,
                })
        }
    }
}

fn expand_enum(cx: &mut Ctxt, input: &DeriveInput, data: &syn::DataEnum) -> TokenStream {
    let name = &input.ident;
    let a = attr::parse(cx, &input.attrs, keys::MESSAGE_ENUM, "a message enum");
    let table = response_code(cx, a.response_codes.as_ref());
    let rt = quote!(_fgm);
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut events = Vec::new();
    let mut types = Vec::new();
    let mut json_reads = Vec::new();
    let mut json_writes = Vec::new();
    for v in &data.variants {
        attr::parse(cx, &v.attrs, keys::MESSAGE_ENUM, "a message variant");
        let ty = match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => &f.unnamed[0].ty,
            _ => {
                cx.error(
                    &v.ident,
                    "each variant must carry one message: `Variant(Message)`",
                );
                continue;
            }
        };
        let ident = &v.ident;
        types.push(ty);
        events.push(quote!(<#ty as #rt::FhirMessage>::accepts(event)));
        reads.push(quote! {
            e if <#ty as #rt::FhirMessage>::accepts(e) => {
                <#ty as #rt::FhirMessage>::__read_message_with(r, node, e, |m| wrap(#name::#ident(m)))
            }
        });
        writes.push(quote!(#name::#ident(m) => #rt::FhirMessage::write_message(m, w),));
        json_reads.push(quote! {
            if <#ty as #rt::FhirMessage>::accepts(&__event) {
                return #rt::json::read_message::<#ty, D::Error>(__raw, &__event).map(#name::#ident);
            }
        });
        json_writes
            .push(quote!(#name::#ident(m) => #rt::json::__serde::Serialize::serialize(m, s),));
    }
    // The enum's own table, or else the first of its messages' that has
    // the code.
    let response_code = if table.is_empty() {
        quote! {
            fn response_code(code: &str) -> ::core::option::Option<#rt::spine::ResponseCode> {
                #(if let ::core::option::Option::Some(row) = <#types as #rt::FhirMessage>::response_code(code) {
                    return ::core::option::Option::Some(row);
                })*
                ::core::option::Option::None
            }
        }
    } else {
        table
    };
    quote! {
        impl #rt::FhirMessage for #name {
            fn accepts(event: &str) -> bool {
                false #(|| #events)*
            }

            fn profiles(event: &str) -> &'static [&'static str] {
                #(if #events { return <#types as #rt::FhirMessage>::profiles(event); })*
                &[]
            }

            #response_code

            fn interaction(event: &str) -> ::core::option::Option<&'static #rt::message::InteractionSpec> {
                #(if let ::core::option::Option::Some(spec) = <#types as #rt::FhirMessage>::interaction(event) {
                    return ::core::option::Option::Some(spec);
                })*
                ::core::option::Option::None
            }

            fn response_to(request_event: &str) -> ::core::option::Option<&'static #rt::message::InteractionSpec> {
                #(if let ::core::option::Option::Some(spec) = <#types as #rt::FhirMessage>::response_to(request_event) {
                    return ::core::option::Option::Some(spec);
                })*
                ::core::option::Option::None
            }

            fn reference_targets(profile: &str, path: &str) -> ::core::option::Option<&'static [&'static str]> {
                #(if let ::core::option::Option::Some(t) = <#types as #rt::FhirMessage>::reference_targets(profile, path) {
                    return ::core::option::Option::Some(t);
                })*
                ::core::option::Option::None
            }

            fn read_message<'a, 'i>(
                r: &mut #rt::xml::Reader<'a, 'i>,
                node: #rt::xml::Node<'a, 'i>,
                event: &str,
            ) -> #rt::xml::Result<Self> {
                <Self as #rt::FhirMessage>::__read_message_with(r, node, event, |m| m)
            }

            fn __read_message_with<'a, 'i, T>(
                r: &mut #rt::xml::Reader<'a, 'i>,
                node: #rt::xml::Node<'a, 'i>,
                event: &str,
                wrap: impl FnOnce(Self) -> T,
            ) -> #rt::xml::Result<T> {
                match event {
                    #(#reads)*
                    other => #rt::message::unknown_event(r, node, other),
                }
            }

            fn write_message(&self, w: &mut #rt::xml::Writer) {
                match self {
                    #(#writes)*
                }
            }
        }

        #rt::if_json! {
            impl #rt::json::__serde::Serialize for #name {
                fn serialize<S: #rt::json::__serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                    match self {
                        #(#json_writes)*
                    }
                }
            }

            impl<'de> #rt::json::__serde::Deserialize<'de> for #name {
                fn deserialize<D: #rt::json::__serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    let __raw: &'de #rt::json::serde_json::value::RawValue = #rt::json::__serde::Deserialize::deserialize(d)?;
                    let __event: ::std::string::String = #rt::json::event_code(__raw)?;
                    #(#json_reads)*
                    ::core::result::Result::Err(#rt::json::unknown_event(&__event))
                }
            }
        }
    }
}
