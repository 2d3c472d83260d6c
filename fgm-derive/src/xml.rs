//! `#[derive(FhirXml)]`: direct readers and writers for structs (elements),
//! choice enums, resource enums and code enums.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Type};

use crate::attr::{self, keys, Ctxt};
use crate::shape::{container, Container};

pub fn expand(input: &DeriveInput) -> Result<TokenStream, syn::Error> {
    let mut cx = Ctxt::default();
    if !input.generics.params.is_empty() {
        cx.error(&input.generics, "FhirXml does not support generic types");
    }
    let out = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(fields) => expand_struct(&mut cx, input, fields.named.iter().collect()),
            _ => {
                cx.error(
                    &input.ident,
                    "FhirXml needs a struct with named fields (one per child element)",
                );
                TokenStream::new()
            }
        },
        Data::Enum(e) => expand_enum(&mut cx, input, e),
        Data::Union(_) => {
            cx.error(&input.ident, "FhirXml cannot be derived for a union");
            TokenStream::new()
        }
    };
    cx.finish()?;
    Ok(out)
}

/// One child element of a struct, in canonical order.
pub(crate) enum Child<'a> {
    Field {
        ident: &'a syn::Ident,
        xml: String,
        container: Container,
        inner: &'a Type,
        choice: bool,
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
    pub(crate) fn xml(&self) -> &str {
        match self {
            Child::Field { xml, .. } | Child::Fixed { xml, .. } => xml,
        }
    }
}

fn expand_struct(cx: &mut Ctxt, input: &DeriveInput, fields: Vec<&syn::Field>) -> TokenStream {
    let name = &input.ident;
    let struct_attrs = attr::parse(cx, &input.attrs, keys::STRUCT, "a struct");
    let mut children: Vec<Child> = Vec::new();
    let mut attributes = Vec::new();
    let mut overflow: Option<&syn::Ident> = None;
    for field in &fields {
        let ident = field.ident.as_ref().expect("named fields");
        let a = attr::parse(cx, &field.attrs, keys::FIELD, "a field");
        let xml = a
            .element
            .as_ref()
            .map(|e| e.value.clone())
            .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
        let (container, inner) = container(&field.ty);
        if let Some(span) = a.overflow {
            if a.element.is_some()
                || a.attribute.is_some()
                || a.choice.is_some()
                || a.slice.is_some()
                || a.json_array.is_some()
            {
                cx.error_at(span, "an `overflow` field takes no other fhir attribute");
            }
            if overflow.replace(ident).is_some() {
                cx.error_at(span, "only one field may be the `overflow`");
            }
            continue;
        }
        if let Some(span) = a.json_array {
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
        if let Some(span) = a.attribute {
            if container != Container::One && container != Container::Option {
                cx.error_at(span, "an `attribute` field must be `T` or `Option<T>`");
            }
            if a.choice.is_some() || a.slice.is_some() {
                cx.error_at(
                    span,
                    "an `attribute` cannot also be a `choice` or a `slice`",
                );
            }
            attributes.push((ident, xml, container, inner));
            continue;
        }
        if let (Some(span), Some(_)) = (a.choice, &a.slice) {
            cx.error_at(span, "a field cannot be both a `choice` and a `slice`");
        }
        if a.choice.is_some() && a.element.is_some() {
            cx.error_at(
                a.choice.unwrap_or_else(Span::call_site),
                "a `choice` field takes its element names from the enum's variants, not `element`",
            );
        }
        children.push(Child::Field {
            ident,
            xml,
            container,
            inner,
            choice: a.choice.is_some(),
            slice: a.slice.map(|(d, v)| (d.value, v.value)),
            json_array: a.json_array.is_some(),
        });
    }
    // Fixed elements go after the element they name.
    for fixed in struct_attrs.fixed {
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
                    continue;
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
    // Two plain (unsliced, non-choice) children may not share an element name.
    for (i, a) in children.iter().enumerate() {
        if let Child::Field {
            ident,
            slice: None,
            choice: false,
            ..
        } = a
        {
            let clash = children[..i].iter().any(|b| match b {
                Child::Field { choice: true, .. } => false,
                Child::Field { slice: Some(_), .. } => false,
                other => other.xml() == a.xml(),
            });
            if clash {
                cx.error(
                    ident,
                    format!("two children are both element <{}>", a.xml()),
                );
            }
        }
    }

    let rt = quote!(_fgm::xml);
    let fixed_name = |i: usize| format_ident!("__f{}", i);

    // One slot per child: the value read, or whether a fixed element was seen.
    let locals = children.iter().enumerate().map(|(i, c)| {
        let v = fixed_name(i);
        match c {
            Child::Field {
                container: Container::One | Container::Option,
                inner,
                ..
            } => {
                quote!(let mut #v: ::core::option::Option<#inner> = ::core::option::Option::None;)
            }
            Child::Field { inner, .. } => {
                quote!(let mut #v: ::std::vec::Vec<#inner> = ::std::vec::Vec::new();)
            }
            Child::Fixed { .. } => {
                quote!(let mut #v: ::core::option::Option<()> = ::core::option::Option::None;)
            }
        }
    });
    let attr_locals = attributes.iter().enumerate().map(|(i, (_, _, _, inner))| {
        let v = format_ident!("__a{}", i);
        quote!(let mut #v: ::core::option::Option<#inner> = ::core::option::Option::None;)
    });
    let attr_arms = attributes.iter().enumerate().map(|(i, (_, xml, _, inner))| {
        let v = format_ident!("__a{}", i);
        quote! {
            #xml => {
                #v = ::core::option::Option::Some(r.lexical(node, __attr.value().parse::<#inner>())?);
            }
        }
    });

    // Reading one child element into its slot.
    let read_into = |i: usize, c: &Child, pos: usize| -> TokenStream {
        match c {
            Child::Fixed { xml, value } => {
                let seen = fixed_name(i);
                quote! {
                    r.order(child, &mut __stage, #pos)?;
                    r.once(&mut #seen, child, ())?;
                    r.push(#xml);
                    let __v = r.fixed(child, #value);
                    r.pop();
                    __v?;
                }
            }
            Child::Field {
                xml,
                container,
                inner,
                choice,
                ..
            } => {
                let v = fixed_name(i);
                let read = quote!(<#inner as #rt::FhirChoice>::read_choice(r, child));
                match (choice, container) {
                    // Out of line, one copy per field type.
                    (false, Container::One | Container::Option) => quote! {
                        r.__read_one(child, &mut #v, &mut __stage, #pos, #xml)?;
                    },
                    (false, Container::Vec | Container::NonEmpty) => quote! {
                        r.__read_item(child, &mut #v, &mut __stage, #pos, #xml)?;
                    },
                    // A choice: its path segment is the element's own name.
                    (true, Container::One | Container::Option) => quote! {
                        r.order(child, &mut __stage, #pos)?;
                        r.push(child.tag_name().name());
                        let __v = #read;
                        r.pop();
                        r.once(&mut #v, child, __v?)?;
                    },
                    (true, Container::Vec | Container::NonEmpty) => quote! {
                        r.order(child, &mut __stage, #pos)?;
                        r.push_index(child.tag_name().name(), #v.len());
                        let __v = #read;
                        r.pop();
                        #v.push(__v?);
                    },
                }
            }
        }
    };

    // Group children by element name for the match; slices first.
    let mut names: Vec<&str> = Vec::new();
    for c in &children {
        if let Child::Field { choice: true, .. } = c {
            continue;
        }
        if !names.contains(&c.xml()) {
            names.push(c.xml());
        }
    }
    let arms = names.iter().map(|xml| {
        let members: Vec<(usize, &Child)> = children
            .iter()
            .enumerate()
            .filter(|(_, c)| c.xml() == *xml && !matches!(c, Child::Field { choice: true, .. }))
            .collect();
        let sliced: Vec<&(usize, &Child)> = members
            .iter()
            .filter(|(_, c)| matches!(c, Child::Field { slice: Some(_), .. }))
            .collect();
        let plain = members
            .iter()
            .find(|(_, c)| !matches!(c, Child::Field { slice: Some(_), .. }));
        let fallback = match plain {
            Some((i, c)) => read_into(*i, c, *i),
            None => quote! {
                r.unknown_element(child, __known, &mut __overflow)?;
                continue;
            },
        };
        if sliced.is_empty() {
            return quote!(#xml => { #fallback });
        }
        let slice_arms = sliced.iter().map(|(i, c)| {
            let Child::Field {
                slice: Some((_, v)),
                ..
            } = c
            else {
                unreachable!()
            };
            let body = read_into(*i, c, *i);
            quote!(::core::option::Option::Some(#v) => { #body })
        });
        let discriminator = match sliced[0].1 {
            Child::Field {
                slice: Some((d, _)),
                ..
            } => d.clone(),
            _ => unreachable!(),
        };
        quote! {
            #xml => {
                match #rt::Reader::discriminator(child, #discriminator) {
                    #(#slice_arms)*
                    _ => { #fallback }
                }
            }
        }
    });
    let choice_arms = children.iter().enumerate().filter_map(|(i, c)| match c {
        Child::Field {
            choice: true,
            inner,
            ..
        } => {
            let body = read_into(i, c, i);
            Some(quote!(__n if <#inner as #rt::FhirChoice>::accepts(__n) => { #body }))
        }
        _ => None,
    });

    // The fields; those that must be present are checked together, in
    // field order (children, then attributes), in one `match`: one way
    // out for every missing one, not one drop of what was read for each.
    let mut inits = Vec::new();
    let mut checked = Vec::new();
    for (i, c) in children.iter().enumerate() {
        if let Child::Field {
            ident,
            xml,
            container,
            ..
        } = c
        {
            let v = fixed_name(i);
            let bound = format_ident!("__c{}", checked.len());
            let missing = quote!(r.__missing(node, #xml));
            match container {
                Container::One => checked.push((quote!(#v), bound.clone(), missing)),
                Container::NonEmpty => {
                    checked.push((quote!(_fgm::NonEmpty::from_vec(#v)), bound.clone(), missing))
                }
                Container::Option | Container::Vec => {
                    inits.push(quote!(#ident: #v,));
                    continue;
                }
            }
            inits.push(quote!(#ident: #bound,));
        }
    }
    for (i, (ident, xml, container, _)) in attributes.iter().enumerate() {
        let v = format_ident!("__a{}", i);
        match container {
            Container::One => {
                let bound = format_ident!("__c{}", checked.len());
                let missing = quote!(r.__missing_attribute(node, #xml));
                checked.push((quote!(#v), bound.clone(), missing));
                inits.push(quote!(#ident: #bound,));
            }
            _ => inits.push(quote!(#ident: #v,)),
        }
    }
    let overflow_end = match overflow {
        Some(o) => {
            inits.push(quote!(#o: __overflow,));
            quote!()
        }
        None => quote! {
            if !__overflow.is_empty() {
                return r.fail(node, #rt::ErrorCode::UnknownElement, "this type keeps no overflow for unknown content");
            }
        },
    };

    let build = if checked.is_empty() {
        quote!(::core::result::Result::Ok(#name { #(#inits)* }))
    } else {
        let values = checked.iter().map(|(value, _, _)| value);
        let bound: Vec<_> = checked.iter().map(|(_, b, _)| b).collect();
        // The first missing, in field order: the last is missing when
        // all before it are present.
        let (last, rest) = checked.split_last().expect("not empty");
        let first_missing = rest.iter().rev().fold(
            last.2.clone(),
            |otherwise, (_, b, missing)| quote!(if #b.is_none() { #missing } else { #otherwise }),
        );
        quote! {
            match (#(#values,)*) {
                (#(::core::option::Option::Some(#bound),)*) => ::core::result::Result::Ok(#name { #(#inits)* }),
                (#(#bound,)*) => ::core::result::Result::Err(#first_missing),
            }
        }
    };

    // Writing.
    let write_attrs = attributes
        .iter()
        .map(|(ident, xml, container, _)| match container {
            Container::One => {
                quote!(w.attr(#xml, ::core::convert::AsRef::<str>::as_ref(&self.#ident));)
            }
            _ => quote! {
                if let ::core::option::Option::Some(v) = &self.#ident {
                    w.attr(#xml, ::core::convert::AsRef::<str>::as_ref(v));
                }
            },
        });
    let overflow_attrs = overflow.map(|o| quote!(self.#o.write_attributes(w);));
    let before = |o: Option<&syn::Ident>| match o {
        Some(o) => quote!(self.#o.write_elements(w, __known);),
        None => quote!(),
    };
    let b = before(overflow);
    let write_children = children.iter().map(|c| match c {
        Child::Fixed { xml, value } => quote! {
            #b
            w.value_element(#xml, #value);
            __known += 1;
        },
        Child::Field {
            ident,
            xml,
            container,
            choice,
            ..
        } => {
            let one = if *choice {
                quote!(#rt::FhirChoice::write_choice(v, w);)
            } else {
                quote!(#rt::FhirElement::write_element(v, w, #xml);)
            };
            let own = match container {
                Container::One => quote! {
                    { let v = &self.#ident; #b #one __known += 1; }
                },
                Container::Option => quote! {
                    if let ::core::option::Option::Some(v) = &self.#ident { #b #one __known += 1; }
                },
                Container::Vec | Container::NonEmpty => quote! {
                    for v in self.#ident.iter() { #b #one __known += 1; }
                },
            };
            // The field the caller writes instead (a message's entries, an
            // entry's resource), item by item.
            quote! {
                if field == #xml {
                    for __i in 0..count { #b each(w, __i); __known += 1; }
                } else {
                    #own
                }
            }
        }
    });
    let rest = overflow.map(|o| quote!(self.#o.write_rest(w, __known);));
    let known_decl = if overflow.is_some() {
        quote!(let mut __known = 0usize;)
    } else {
        quote!(#[allow(unused_mut, unused_variables)] let mut __known = 0usize;)
    };

    let json = crate::json::expand_struct(name, &children, &attributes, overflow);
    quote! {
        #json

        impl #rt::FhirElement for #name {
            fn read_element<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>) -> #rt::Result<Self> {
                #(#locals)*
                #(#attr_locals)*
                let mut __overflow = #rt::Overflow::default();
                for __attr in node.attributes() {
                    match __attr.name() {
                        #(#attr_arms)*
                        _ => r.unknown_attribute(node, __attr, &mut __overflow)?,
                    }
                }
                let mut __stage = 0usize;
                let mut __known = 0usize;
                for child in node.children() {
                    let ::core::option::Option::Some(child) = r.element(child)? else {
                        continue;
                    };
                    match child.tag_name().name() {
                        #(#arms)*
                        #(#choice_arms)*
                        _ => {
                            r.unknown_element(child, __known, &mut __overflow)?;
                            continue;
                        }
                    }
                    __known += 1;
                }
                let _ = __stage;
                #overflow_end
                #build
            }

            fn write_element(&self, w: &mut #rt::Writer, name: &str) {
                self.__write_element_with(w, name, "", 0, &mut |_, _| {});
            }
        }

        impl #name {
            /// Writes the element with the child elements called `field`
            /// written by `each` (`count` of them, in their place) instead of
            /// from the field: how a message writes its entries and their
            /// resources without copying them into a bundle.
            #[doc(hidden)]
            #[allow(unused_variables)]
            pub fn __write_element_with(
                &self,
                w: &mut #rt::Writer,
                name: &str,
                field: &str,
                count: usize,
                each: &mut dyn FnMut(&mut #rt::Writer, usize),
            ) {
                w.start(name);
                #(#write_attrs)*
                #overflow_attrs
                #known_decl
                #(#write_children)*
                #rest
                w.end();
            }
        }
    }
}

fn expand_enum(cx: &mut Ctxt, input: &DeriveInput, data: &syn::DataEnum) -> TokenStream {
    let name = &input.ident;
    let rt = quote!(_fgm::xml);
    let enum_attrs = attr::parse(cx, &input.attrs, keys::ENUM, "an enum");
    if data.variants.is_empty() {
        cx.error(name, "FhirXml needs at least one variant");
        return TokenStream::new();
    }
    let all_unit = data
        .variants
        .iter()
        .all(|v| matches!(v.fields, Fields::Unit));
    if all_unit {
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
        let json = crate::json::expand_code(name);
        return quote! {
            #json

            impl #rt::FhirElement for #name {
                fn read_element<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>) -> #rt::Result<Self> {
                    #rt::read_code::<#name>(r, node)
                }
                fn write_element(&self, w: &mut #rt::Writer, name: &str) {
                    w.value_element(name, _fgm::ValueSetCode::code(*self));
                }
            }
        };
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
    if enum_attrs.resources.is_some() {
        expand_resources(cx, name, &variants)
    } else {
        expand_choice(cx, name, &variants)
    }
}

fn expand_choice(
    cx: &mut Ctxt,
    name: &syn::Ident,
    variants: &[(&syn::Ident, &Type, attr::Attrs)],
) -> TokenStream {
    let rt = quote!(_fgm::xml);
    let mut elements = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut json = Vec::new();
    for (ident, ty, a) in variants {
        if a.resource.is_some() || a.profile.is_some() {
            cx.error(
                ident,
                "`resource`/`profile` need `#[fhir(resources)]` on the enum",
            );
        }
        let Some(element) = &a.element else {
            cx.error(
                ident,
                "a choice variant needs `#[fhir(element = \"valueString\")]`",
            );
            continue;
        };
        let xml = &element.value;
        if elements.contains(xml) {
            cx.error_at(
                element.span,
                format!("element <{xml}> is named by two variants"),
            );
        }
        elements.push(xml.clone());
        let span = element.span;
        reads.push(quote_spanned! {span=>
            #xml => ::core::result::Result::Ok(#name::#ident(<#ty as #rt::FhirElement>::read_element(r, node)?)),
        });
        writes.push(quote!(#name::#ident(v) => #rt::FhirElement::write_element(v, w, #xml),));
        json.push((*ident, xml.clone(), *ty));
    }
    let json = crate::json::expand_choice(name, &json);
    let accepts = if elements.is_empty() {
        quote!(false)
    } else {
        quote!(::core::matches!(name, #(#elements)|*))
    };
    quote! {
        #json

        impl #rt::FhirChoice for #name {
            const ELEMENTS: &'static [&'static str] = &[#(#elements),*];
            fn accepts(name: &str) -> bool {
                #accepts
            }
            fn read_choice<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>) -> #rt::Result<Self> {
                match node.tag_name().name() {
                    #(#reads)*
                    other => r.fail(node, #rt::ErrorCode::UnknownElement, ::std::format!("<{other}> is not a choice of this element")),
                }
            }
            fn write_choice(&self, w: &mut #rt::Writer) {
                match self {
                    #(#writes)*
                }
            }
        }
    }
}

fn expand_resources(
    cx: &mut Ctxt,
    name: &syn::Ident,
    variants: &[(&syn::Ident, &Type, attr::Attrs)],
) -> TokenStream {
    let rt = quote!(_fgm::xml);
    let mut table = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut types = Vec::new();
    let mut profiles = Vec::new();
    let mut json = Vec::new();
    let mut nonconforming = None;
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
            if nonconforming.replace(*ident).is_some() {
                cx.error(ident, "only one variant may be `nonconforming`");
            }
            continue;
        }
        let (Some(resource), Some(profile)) = (&a.resource, &a.profile) else {
            cx.error(
                ident,
                "a resource variant needs `#[fhir(resource = \"Patient\", profile = \"http://…\")]`",
            );
            continue;
        };
        let (rtype, url) = (&resource.value, &profile.value);
        let i = table.len();
        table.push(quote!((#rtype, #url)));
        reads.push(quote!(#i => ::core::result::Result::Ok(#name::#ident(<#ty as #rt::FhirElement>::read_element(r, node)?)),));
        writes.push(quote!(#name::#ident(v) => #rt::FhirElement::write_element(v, w, #rtype),));
        types.push(quote!(#name::#ident(_) => #rtype,));
        json.push((*ident, rtype.clone(), *ty));
        profiles.push(quote!(#name::#ident(_) => ::core::option::Option::Some(#url),));
    }
    let (keep, kept_write, kept_type, kept_profile, conforming) = match nonconforming {
        Some(v) => (
            quote!(::core::option::Option::Some(#name::#v as fn(#rt::XmlTree) -> Self)),
            quote!(#name::#v(tree) => {
                w.nonconforming();
                tree.write(w, ::core::option::Option::None)
            }),
            quote!(#name::#v(tree) => &tree.name,),
            quote!(#name::#v(_) => ::core::option::Option::None,),
            quote!(!::core::matches!(self, #name::#v(_))),
        ),
        None => (
            quote!(::core::option::Option::None),
            quote!(),
            quote!(),
            quote!(),
            quote!(true),
        ),
    };
    let json = crate::json::expand_resources(name, &json, nonconforming);
    quote! {
        #json

        impl #name {
            /// (resource type, profile) of each typed variant, in order.
            pub const VARIANTS: &'static [(&'static str, &'static str)] = &[#(#table),*];

            fn read_variant<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>, index: usize) -> #rt::Result<Self> {
                match index {
                    #(#reads)*
                    _ => r.fail(node, #rt::ErrorCode::Profile, "no such variant"),
                }
            }

            /// The resource type (the XML element name).
            pub fn resource_type(&self) -> &str {
                match self {
                    #(#types)*
                    #kept_type
                }
            }

            /// The canonical URL of the profile (`None` for a resource that
            /// conforms to none).
            pub fn profile(&self) -> ::core::option::Option<&'static str> {
                match self {
                    #(#profiles)*
                    #kept_profile
                }
            }

            /// Whether the resource conforms to one of the profiles.
            pub fn is_conforming(&self) -> bool {
                #conforming
            }
        }

        impl #rt::FhirElement for #name {
            fn read_element<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>) -> #rt::Result<Self> {
                #rt::read_resource(r, node, #name::VARIANTS, #name::read_variant, #keep)
            }
            fn write_element(&self, w: &mut #rt::Writer, name: &str) {
                w.start(name);
                match self {
                    #(#writes)*
                    #kept_write
                }
                w.end();
            }
        }
    }
}
