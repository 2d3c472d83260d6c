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
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, keys, Ctxt};
use crate::shape::{entry_container, Container};

/// `FhirMessage` for a message struct or the enum of all messages.
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

/// A message struct: its attributes, its bundle and its entries.
struct Message<'a> {
    name: &'a Ident,
    event: String,
    /// The resource enum every entry's resource is read as.
    any: syn::Path,
    profiles: Vec<String>,
    /// `FhirMessage::response_code`, when the message has a table.
    response_code: TokenStream,
    event_system: String,
    endpoint: String,
    success_status: u16,
    responds_to: Option<String>,
    bundle: &'a Ident,
    bundle_ty: &'a Type,
    /// In field order; the first is the MessageHeader.
    entries: Vec<Entry<'a>>,
}

/// An entry field: its container, the resource type, and the variant of
/// the resource enum holding it.
struct Entry<'a> {
    ident: &'a Ident,
    container: Container,
    inner: &'a Type,
    variant: Ident,
    resource: String,
    profile: String,
}

/// A message struct's inherent helpers, `FhirMessage` and FHIR JSON.
fn expand_struct(cx: &mut Ctxt, input: &DeriveInput, fields: Vec<&syn::Field>) -> TokenStream {
    let Some(m) = message(cx, input, &fields) else {
        return TokenStream::new();
    };
    let name = m.name;
    let from_bundle = from_bundle(&m);
    let to_bundle = to_bundle(&m);
    let fhir_message = fhir_message(&m);
    let json = message_json(&m);
    quote! {
        impl #name {
            #from_bundle

            #to_bundle
        }

        #fhir_message

        #json
    }
}

/// The model of a message struct, or `None` (with the errors in `cx`) when
/// it lacks what the emitted code needs.
fn message<'a>(
    cx: &mut Ctxt,
    input: &'a DeriveInput,
    fields: &[&'a syn::Field],
) -> Option<Message<'a>> {
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
        return None;
    };
    let Ok(any) = syn::parse_str::<syn::Path>(&any.value) else {
        cx.error_at(
            any.span,
            "`any_resource` must be a path to the resource enum",
        );
        return None;
    };
    let response_code = response_code(cx, a.response_codes.as_ref());
    let (bundle, bundle_ty, entries) = message_fields(cx, name, fields)?;
    let text = |v: &Option<attr::Spanned>| v.as_ref().map(|s| s.value.clone()).unwrap_or_default();
    let success_status: u16 = match &a.success_status {
        None => 200,
        Some(s) => s.value.parse().unwrap_or_else(|_| {
            cx.error_at(s.span, "`success_status` must be an HTTP status (`200`)");
            200
        }),
    };
    Some(Message {
        name,
        event: event.value.clone(),
        any,
        profiles,
        response_code,
        event_system: text(&a.event_system),
        endpoint: text(&a.endpoint),
        success_status,
        responds_to: a.responds_to.map(|r| r.value),
        bundle,
        bundle_ty,
        entries,
    })
}

/// The bundle field and the entry fields: one bundle, and at least the
/// header entry, which is required.
fn message_fields<'a>(
    cx: &mut Ctxt,
    name: &Ident,
    fields: &[&'a syn::Field],
) -> Option<(&'a Ident, &'a Type, Vec<Entry<'a>>)> {
    let mut bundle = None;
    let mut entries: Vec<Entry> = Vec::new();
    for f in fields {
        let ident = f.ident.as_ref().expect("named");
        let fa = attr::parse(cx, &f.attrs, keys::MESSAGE_FIELD, "a message field");
        match (fa.bundle, fa.entry) {
            (Some(_), None) => {
                if bundle.replace((ident, &f.ty)).is_some() {
                    cx.error(ident, "only one field may be the `bundle`");
                }
            }
            (None, Some(variant)) => {
                let (container, inner) = entry_container(&f.ty);
                entries.push(Entry {
                    ident,
                    container,
                    inner,
                    variant: format_ident!("{}", variant.value),
                    resource: fa.resource.map(|r| r.value).unwrap_or_default(),
                    profile: fa.profile.map(|p| p.value).unwrap_or_default(),
                });
            }
            (Some(_), Some(_)) => cx.error(ident, "a field is either the `bundle` or an `entry`"),
            (None, None) => cx.error(
                ident,
                "every field of a message is `#[fhir(bundle)]` or `#[fhir(entry = \"Variant\")]`",
            ),
        }
    }
    let Some((bundle, bundle_ty)) = bundle else {
        cx.error(name, "a message needs a `#[fhir(bundle)]` field");
        return None;
    };
    let Some(header) = entries.first() else {
        cx.error(name, "a message needs at least its header entry");
        return None;
    };
    if header.container != Container::One {
        cx.error(
            header.ident,
            "the first entry (the MessageHeader) must be required",
        );
    }
    Some((bundle, bundle_ty, entries))
}

/// The local holding the `i`-th entry's resources as they are read.
fn entry_slot(i: usize) -> Ident {
    format_ident!("__e{}", i)
}

/// `__from_bundle` and `__from_bundle_with`: the fields from a bundle's
/// entries, each envelope kept with its field.
fn from_bundle(m: &Message) -> TokenStream {
    let rt = quote!(_fgm);
    let (name, any, bundle, bundle_ty) = (m.name, &m.any, m.bundle, m.bundle_ty);
    let locals = m.entries.iter().enumerate().map(|(i, e)| {
        let (v, inner) = (entry_slot(i), e.inner);
        match e.container {
            Container::Vec => quote!(let mut #v: ::std::vec::Vec<#inner> = ::std::vec::Vec::new();),
            // Boxed until the message is built: the resource moves once.
            _ => quote!(let mut #v: ::core::option::Option<::std::boxed::Box<#inner>> = ::core::option::Option::None;),
        }
    });
    let arms = m.entries.iter().enumerate().map(|(i, e)| {
        let (v, variant) = (entry_slot(i), &e.variant);
        match (i, e.container) {
            (0, _) => quote! {
                #any::#variant(x) if __i == 0 => { #v = ::core::option::Option::Some(x); 0 }
                #any::#variant(_) => return ::core::result::Result::Err(report.fail(#rt::message::EntryProblem::HeaderNotFirst(__i))),
            },
            (_, Container::Vec) => quote!(#any::#variant(x) => { #v.push(*x); #i }),
            _ => quote!(#any::#variant(x) if #v.is_none() => { #v = ::core::option::Option::Some(x); #i }),
        }
    });
    let inits = m.entries.iter().enumerate().map(|(i, e)| {
        let (v, ident) = (entry_slot(i), e.ident);
        let what = e.variant.to_string();
        match e.container {
            Container::Option => quote!(#ident: #v.map(|x| *x),),
            Container::Vec => quote!(#ident: #v,),
            // `entry_container` gives no `NonEmpty`.
            Container::One | Container::NonEmpty => quote! {
                #ident: match #v {
                    ::core::option::Option::Some(x) => *x,
                    ::core::option::Option::None => return ::core::result::Result::Err(report.fail(#rt::message::EntryProblem::Missing(#what))),
                },
            },
        }
    });
    quote! {
        /// Splits a message's bundle into the fields (for the derived
        /// readers, XML and JSON).
        #[doc(hidden)]
        pub fn __from_bundle<R: #rt::message::EntryReport>(
            #bundle: #bundle_ty,
            report: &mut R,
        ) -> ::core::result::Result<Self, R::Error> {
            #name::__from_bundle_with(#bundle, report, |m| m)
        }

        /// [`Self::__from_bundle`], the message handed to `wrap` where
        /// it is built.
        #[doc(hidden)]
        pub fn __from_bundle_with<R: #rt::message::EntryReport, T>(
            mut #bundle: #bundle_ty,
            report: &mut R,
            wrap: impl ::core::ops::FnOnce(Self) -> T,
        ) -> ::core::result::Result<T, R::Error> {
            #(#locals)*
            // Each entry's envelope goes with its field: entries are kept in
            // field order, which is where writing puts the resources back.
            // In order (the usual case), they stay where they are.
            let mut __slots: ::std::vec::Vec<usize> = ::std::vec::Vec::with_capacity(#bundle.entry.len());
            let mut __last = 0usize;
            for (__i, __entry) in #bundle.entry.iter_mut().enumerate() {
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
            if #bundle.entry.iter().all(|e| *e == __empty) {
                #bundle.entry.clear();
            } else if !__slots.is_sorted() {
                let mut __keyed: ::std::vec::Vec<_> = __slots
                    .into_iter()
                    .zip(::core::mem::take(&mut #bundle.entry))
                    .collect();
                // Stable: in each field, the entries' own order.
                __keyed.sort_by_key(|(slot, _)| *slot);
                #bundle.entry = __keyed.into_iter().map(|(_, e)| e).collect();
            }
            ::core::result::Result::Ok(wrap(#name {
                #bundle,
                #(#inits)*
            }))
        }
    }
}

/// `__to_bundle`: the bundle with every resource in its entry.
fn to_bundle(m: &Message) -> TokenStream {
    let rt = quote!(_fgm);
    let (any, bundle, bundle_ty) = (&m.any, m.bundle, m.bundle_ty);
    let pushes = m.entries.iter().map(|e| {
        let (ident, variant) = (e.ident, &e.variant);
        match e.container {
            Container::Option => quote! {
                if let ::core::option::Option::Some(x) = &self.#ident {
                    __resources.push(::core::option::Option::Some(#any::#variant(::std::boxed::Box::new(x.clone()))));
                }
            },
            Container::Vec => quote! {
                for x in self.#ident.iter() {
                    __resources.push(::core::option::Option::Some(#any::#variant(::std::boxed::Box::new(x.clone()))));
                }
            },
            Container::One | Container::NonEmpty => {
                quote!(__resources.push(::core::option::Option::Some(#any::#variant(::std::boxed::Box::new(self.#ident.clone()))));)
            }
        }
    });
    quote! {
        /// The message's bundle, every resource in its entry (for the
        /// derived writers, XML and JSON).
        #[doc(hidden)]
        pub fn __to_bundle(&self) -> #bundle_ty {
            let mut __resources: ::std::vec::Vec<::core::option::Option<#any>> = ::std::vec::Vec::new();
            #(#pushes)*
            let __plan = #rt::message::entry_plan(
                self.#bundle.entry.iter().map(|e| e.resource.is_some()),
                __resources.len(),
            );
            let mut __bundle = self.#bundle.clone();
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
}

/// `FhirMessage` for a message struct.
fn fhir_message(m: &Message) -> TokenStream {
    let rt = quote!(_fgm);
    let (name, event, any, bundle_ty) = (m.name, &m.event, &m.any, m.bundle_ty);
    let (profiles, response_code) = (&m.profiles, &m.response_code);
    let interaction = interaction(m);
    let write_message = write_message(m);
    quote! {
        impl #rt::FhirMessage for #name {
            fn accepts(event: &str) -> bool {
                event == #event
            }

            #interaction

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

            #write_message
        }
    }
}

/// `FhirMessage::interaction`: the message's one `InteractionSpec`.
fn interaction(m: &Message) -> TokenStream {
    let rt = quote!(_fgm);
    let (event, event_system, endpoint) = (&m.event, &m.event_system, &m.endpoint);
    let success_status = m.success_status;
    let responds_to = match &m.responds_to {
        Some(r) => quote!(::core::option::Option::Some(#r)),
        None => quote!(::core::option::Option::None),
    };
    let interaction_name = m.name.to_string();
    let entry_infos = m.entries.iter().map(|e| {
        let (field, resource, profile) = (e.ident.to_string(), &e.resource, &e.profile);
        quote!(#rt::message::EntryInfo { name: #field, resource: #resource, profile: #profile })
    });
    quote! {
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
    }
}

/// `FhirMessage::write_message`: what `__to_bundle` builds, written from
/// the fields in place.
fn write_message(m: &Message) -> TokenStream {
    let rt = quote!(_fgm);
    let bundle = m.bundle;
    // How many resources each field holds, and the writer of the `k`-th
    // resource (in field order) that skips the fields before it: nothing
    // boxed or collected.
    let counts = m.entries.iter().map(|e| {
        let ident = e.ident;
        match e.container {
            Container::Option => quote!(usize::from(self.#ident.is_some())),
            Container::Vec => quote!(self.#ident.len()),
            Container::One | Container::NonEmpty => quote!(1usize),
        }
    });
    let writers = m.entries.iter().map(|e| {
        let (ident, resource) = (e.ident, &e.resource);
        let write =
            |x: TokenStream| quote!(return #rt::xml::FhirElement::write_element(#x, w, #resource););
        match e.container {
            Container::Option => {
                let write = write(quote!(x));
                quote! {
                    if let ::core::option::Option::Some(x) = &self.#ident {
                        if __k == 0 { #write }
                        __k -= 1;
                    }
                }
            }
            Container::Vec => {
                let write = write(quote!(&self.#ident[__k]));
                quote! {
                    if __k < self.#ident.len() { #write }
                    __k -= self.#ident.len();
                }
            }
            Container::One | Container::NonEmpty => {
                let write = write(quote!(&self.#ident));
                quote! {
                    if __k == 0 { #write }
                    __k -= 1;
                }
            }
        }
    });
    quote! {
        fn write_message(&self, w: &mut #rt::xml::Writer) {
            // What `__to_bundle` builds, written from the fields in
            // place: envelopes without a resource take the next, in
            // order; the resources left get envelopes of their own.
            let __resources = 0usize #(+ #counts)*;
            #[allow(unused_assignments)]
            let __resource = |w: &mut #rt::xml::Writer, mut __k: usize| {
                #(#writers)*
                ::core::unreachable!("a resource of the message")
            };
            let mut __plan = #rt::message::EntryPlanner::new(
                self.#bundle.entry.iter().map(|e| e.resource.is_some()),
                __resources,
            );
            let __count = __plan.len();
            self.#bundle.__write_element_with(w, "Bundle", "entry", __count, &mut |w, i| {
                let __has = self.#bundle.entry.get(i).is_some_and(|e| e.resource.is_some());
                let (envelope, resource) = __plan.entry(i, __has);
                #rt::message::with_envelope(&self.#bundle.entry, envelope, |envelope| match resource {
                    ::core::option::Option::Some(r) => envelope.__write_element_with(w, "entry", "resource", 1, &mut |w, _| {
                        w.start_element("resource");
                        __resource(w, r);
                        w.end_element("resource");
                    }),
                    ::core::option::Option::None => #rt::xml::FhirElement::write_element(envelope, w, "entry"),
                });
            });
        }
    }
}

/// FHIR JSON for a message struct: its bundle.
fn message_json(m: &Message) -> TokenStream {
    let rt = quote!(_fgm);
    let (name, bundle_ty) = (m.name, m.bundle_ty);
    quote! {
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

/// `FhirMessage` for the enum of all messages: each call goes to the
/// variant whose message accepts the event.
fn expand_enum(cx: &mut Ctxt, input: &DeriveInput, data: &syn::DataEnum) -> TokenStream {
    let name = &input.ident;
    let a = attr::parse(cx, &input.attrs, keys::MESSAGE_ENUM, "a message enum");
    let table = response_code(cx, a.response_codes.as_ref());
    let mut variants = Vec::new();
    for v in &data.variants {
        attr::parse(cx, &v.attrs, keys::MESSAGE_ENUM, "a message variant");
        match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                variants.push((&v.ident, &f.unnamed[0].ty))
            }
            _ => cx.error(
                &v.ident,
                "each variant must carry one message: `Variant(Message)`",
            ),
        }
    }
    let fhir_message = enum_fhir_message(name, &variants, table);
    let json = enum_json(name, &variants);
    quote! {
        #fhir_message

        #json
    }
}

/// `FhirMessage` for the enum of all messages, from its (variant, message
/// type) pairs and its own response-code table (or none).
fn enum_fhir_message(
    name: &Ident,
    variants: &[(&Ident, &Type)],
    table: TokenStream,
) -> TokenStream {
    let rt = quote!(_fgm);
    let types = variants.iter().map(|(_, ty)| ty).collect::<Vec<_>>();
    let events = types
        .iter()
        .map(|ty| quote!(<#ty as #rt::FhirMessage>::accepts(event)))
        .collect::<Vec<_>>();
    let reads = variants.iter().map(|(ident, ty)| {
        quote! {
            e if <#ty as #rt::FhirMessage>::accepts(e) => {
                <#ty as #rt::FhirMessage>::__read_message_with(r, node, e, |m| wrap(#name::#ident(m)))
            }
        }
    });
    let writes = variants
        .iter()
        .map(|(ident, _)| quote!(#name::#ident(m) => #rt::FhirMessage::write_message(m, w),));
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
    }
}

/// FHIR JSON for the enum of all messages: the variant by the event code.
fn enum_json(name: &Ident, variants: &[(&Ident, &Type)]) -> TokenStream {
    let rt = quote!(_fgm);
    let json_reads = variants.iter().map(|(ident, ty)| {
        quote! {
            if <#ty as #rt::FhirMessage>::accepts(&__event) {
                return #rt::json::read_message::<#ty, D::Error>(__raw, &__event).map(#name::#ident);
            }
        }
    });
    let json_writes = variants.iter().map(
        |(ident, _)| quote!(#name::#ident(m) => #rt::json::__serde::Serialize::serialize(m, s),),
    );
    quote! {
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
