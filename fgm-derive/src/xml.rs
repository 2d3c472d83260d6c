//! `#[derive(FhirXml)]`, the XML half: direct readers and writers for
//! structs (elements), choice enums, resource enums and code enums, from
//! their [`Model`].

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::model::{Attribute, Child, Choice, Element, Model, Resources};
use crate::shape::Container;

/// The XML runtime's path.
fn rt() -> TokenStream {
    quote!(_fgm::xml)
}

/// The XML impls of a type.
pub fn expand(model: &Model) -> TokenStream {
    match model {
        Model::Element(e) => expand_struct(e),
        Model::Code(name) => expand_code(name),
        Model::Choice(c) => expand_choice(c),
        Model::Resources(r) => expand_resources(r),
    }
}

/// The local holding what was read of the `i`-th child.
fn slot(i: usize) -> Ident {
    format_ident!("__f{}", i)
}

/// The local holding what was read of the `i`-th attribute.
fn attr_slot(i: usize) -> Ident {
    format_ident!("__a{}", i)
}

/// `FhirElement` for a struct, and the writer a message uses for its
/// bundle and entries.
fn expand_struct(e: &Element) -> TokenStream {
    let rt = rt();
    let name = e.name;
    let read = read_body(e);
    let write = write_body(e);
    quote! {
        impl #rt::FhirElement for #name {
            fn read_element<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>) -> #rt::Result<Self> {
                #read
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
            #[inline]
            pub fn __write_element_with(
                &self,
                w: &mut #rt::Writer,
                name: &str,
                field: &str,
                count: usize,
                each: &mut dyn FnMut(&mut #rt::Writer, usize),
            ) {
                #write
            }
        }
    }
}

/// The body of `read_element`: attributes, then children into their slots,
/// then the struct built from them.
fn read_body(e: &Element) -> TokenStream {
    let rt = rt();
    let locals = e.children.iter().enumerate().map(|(i, c)| slot_local(i, c));
    let attr_locals = e.attributes.iter().enumerate().map(|(i, a)| {
        let v = attr_slot(i);
        let inner = a.inner;
        quote!(let mut #v: ::core::option::Option<#inner> = ::core::option::Option::None;)
    });
    let attr_arms = e.attributes.iter().enumerate().map(|(i, a)| {
        let (v, xml, inner) = (attr_slot(i), &a.xml, a.inner);
        quote! {
            #xml => {
                #v = ::core::option::Option::Some(r.lexical(node, __attr.value().parse::<#inner>())?);
            }
        }
    });
    let arms = element_arms(&e.children);
    let choice_arms = choice_arms(&e.children);
    let construct = construct(e);
    quote! {
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
        #construct
    }
}

/// One slot per child: the value read, or whether a fixed element was seen.
fn slot_local(i: usize, c: &Child) -> TokenStream {
    let v = slot(i);
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
}

/// Reads the `i`-th child element (at stage `i`) into its slot.
fn read_into(i: usize, c: &Child) -> TokenStream {
    let rt = rt();
    let v = slot(i);
    match c {
        Child::Fixed { xml, value } => quote! {
            r.order(child, &mut __stage, #i)?;
            r.once(&mut #v, child, ())?;
            r.push(#xml);
            let __v = r.fixed(child, #value);
            r.pop();
            __v?;
        },
        Child::Field {
            xml,
            container,
            inner,
            choice,
            ..
        } => {
            let read = quote!(<#inner as #rt::FhirChoice>::read_choice(r, child));
            match (choice, container) {
                // Out of line, one copy per field type.
                (false, Container::One | Container::Option) => quote! {
                    r.__read_one(child, &mut #v, &mut __stage, #i, #xml)?;
                },
                (false, Container::Vec | Container::NonEmpty) => quote! {
                    r.__read_item(child, &mut #v, &mut __stage, #i, #xml)?;
                },
                // A choice: its path segment is the element's own name.
                (true, Container::One | Container::Option) => quote! {
                    r.order(child, &mut __stage, #i)?;
                    r.push(child.tag_name().name());
                    let __v = #read;
                    r.pop();
                    r.once(&mut #v, child, __v?)?;
                },
                (true, Container::Vec | Container::NonEmpty) => quote! {
                    r.order(child, &mut __stage, #i)?;
                    r.push_index(child.tag_name().name(), #v.len());
                    let __v = #read;
                    r.pop();
                    #v.push(__v?);
                },
            }
        }
    }
}

/// The match arms of the named children, one per element name; slices
/// first, by their discriminator.
fn element_arms(children: &[Child]) -> Vec<TokenStream> {
    let mut names: Vec<&str> = Vec::new();
    for c in children {
        if !c.is_choice() && !names.contains(&c.xml()) {
            names.push(c.xml());
        }
    }
    names
        .iter()
        .map(|xml| {
            let members: Vec<(usize, &Child)> = children
                .iter()
                .enumerate()
                .filter(|(_, c)| c.xml() == *xml && !c.is_choice())
                .collect();
            name_arm(xml, &members)
        })
        .collect()
}

/// The arm of one element name shared by `members`.
fn name_arm(xml: &str, members: &[(usize, &Child)]) -> TokenStream {
    let rt = rt();
    let sliced: Vec<&(usize, &Child)> = members.iter().filter(|(_, c)| c.is_sliced()).collect();
    let fallback = match members.iter().find(|(_, c)| !c.is_sliced()) {
        Some((i, c)) => read_into(*i, c),
        None => quote! {
            r.unknown_element(child, __known, &mut __overflow)?;
            continue;
        },
    };
    let Some(Child::Field {
        slice: Some((discriminator, _)),
        ..
    }) = sliced.first().map(|(_, c)| *c)
    else {
        return quote!(#xml => { #fallback });
    };
    let slice_arms = sliced.iter().map(|(i, c)| {
        let Child::Field {
            slice: Some((_, v)),
            ..
        } = c
        else {
            unreachable!("sliced members")
        };
        let body = read_into(*i, c);
        quote!(::core::option::Option::Some(#v) => { #body })
    });
    quote! {
        #xml => {
            match #rt::Reader::discriminator(child, #discriminator) {
                #(#slice_arms)*
                _ => { #fallback }
            }
        }
    }
}

/// The match arms of the choice children, by the names their enum accepts.
fn choice_arms(children: &[Child]) -> Vec<TokenStream> {
    let rt = rt();
    children
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Child::Field {
                choice: true,
                inner,
                ..
            } => {
                let body = read_into(i, c);
                Some(quote!(__n if <#inner as #rt::FhirChoice>::accepts(__n) => { #body }))
            }
            _ => None,
        })
        .collect()
}

/// A field that must be present: the value read, the name bound to it
/// once checked, and the error when missing.
type Checked = (TokenStream, Ident, TokenStream);

/// The end of `read_element`: the overflow, then the struct from its
/// slots. Those that must be present are checked together, in field order
/// (children, then attributes), in one `match`: one way out for every
/// missing one, not one drop of what was read for each.
fn construct(e: &Element) -> TokenStream {
    let rt = rt();
    let name = e.name;
    let (mut inits, checked) = inits(&e.children, &e.attributes);
    let overflow_end = match e.overflow {
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
    if checked.is_empty() {
        return quote!(#overflow_end ::core::result::Result::Ok(#name { #(#inits)* }));
    }
    let values = checked.iter().map(|(value, _, _)| value);
    let bound: Vec<_> = checked.iter().map(|(_, b, _)| b).collect();
    // The first missing, in field order: the last is missing when all
    // before it are present.
    let (last, rest) = checked.split_last().expect("not empty");
    let first_missing = rest.iter().rev().fold(
        last.2.clone(),
        |otherwise, (_, b, missing)| quote!(if #b.is_none() { #missing } else { #otherwise }),
    );
    quote! {
        #overflow_end
        match (#(#values,)*) {
            (#(::core::option::Option::Some(#bound),)*) => ::core::result::Result::Ok(#name { #(#inits)* }),
            (#(#bound,)*) => ::core::result::Result::Err(#first_missing),
        }
    }
}

/// The field initialisers, and the fields that must be checked present.
fn inits(children: &[Child], attributes: &[Attribute]) -> (Vec<TokenStream>, Vec<Checked>) {
    let mut inits = Vec::new();
    let mut checked: Vec<Checked> = Vec::new();
    for (i, c) in children.iter().enumerate() {
        if let Child::Field {
            ident,
            xml,
            container,
            ..
        } = c
        {
            let v = slot(i);
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
    for (i, a) in attributes.iter().enumerate() {
        let (v, ident, xml) = (attr_slot(i), a.ident, &a.xml);
        match a.container {
            Container::One => {
                let bound = format_ident!("__c{}", checked.len());
                let missing = quote!(r.__missing_attribute(node, #xml));
                checked.push((quote!(#v), bound.clone(), missing));
                inits.push(quote!(#ident: #bound,));
            }
            _ => inits.push(quote!(#ident: #v,)),
        }
    }
    (inits, checked)
}

/// The body of `__write_element_with`: the attributes, then the children
/// with the overflow's elements back where they were read.
fn write_body(e: &Element) -> TokenStream {
    let write_attrs = e.attributes.iter().map(|a| {
        let (ident, xml) = (a.ident, &a.xml);
        match a.container {
            Container::One => {
                quote!(w.attr(#xml, ::core::convert::AsRef::<str>::as_ref(&self.#ident));)
            }
            _ => quote! {
                if let ::core::option::Option::Some(v) = &self.#ident {
                    w.attr(#xml, ::core::convert::AsRef::<str>::as_ref(v));
                }
            },
        }
    });
    let overflow_attrs = e.overflow.map(|o| quote!(self.#o.write_attributes(w);));
    let before = match e.overflow {
        Some(o) => quote!(self.#o.write_elements(w, __known);),
        None => quote!(),
    };
    let write_children = e.children.iter().map(|c| write_child(c, &before));
    let rest = e.overflow.map(|o| quote!(self.#o.write_rest(w, __known);));
    let known_decl = if e.overflow.is_some() {
        quote!(let mut __known = 0usize;)
    } else {
        quote!(#[allow(unused_mut, unused_variables)] let mut __known = 0usize;)
    };
    quote! {
        w.start_element(name);
        #(#write_attrs)*
        #overflow_attrs
        #known_decl
        #(#write_children)*
        #rest
        w.end_element(name);
    }
}

/// Writes one child, after the overflow's elements read `before` it.
fn write_child(c: &Child, before: &TokenStream) -> TokenStream {
    let rt = rt();
    let b = before;
    match c {
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
    }
}

/// `FhirElement` for a code enum: its `ValueSetCode` as the `value`.
fn expand_code(name: &Ident) -> TokenStream {
    let rt = rt();
    quote! {
        impl #rt::FhirElement for #name {
            fn read_element<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>) -> #rt::Result<Self> {
                #rt::read_code::<#name>(r, node)
            }
            fn write_element(&self, w: &mut #rt::Writer, name: &str) {
                w.value_element(name, _fgm::ValueSetCode::code(*self));
            }
        }
    }
}

/// `FhirChoice` for a choice enum.
fn expand_choice(c: &Choice) -> TokenStream {
    let rt = rt();
    let name = c.name;
    let elements: Vec<&String> = c.variants.iter().map(|v| &v.xml).collect();
    let reads = c.variants.iter().map(|v| {
        let (ident, ty, xml, span) = (v.ident, v.ty, &v.xml, v.span);
        quote_spanned! {span=>
            #xml => ::core::result::Result::Ok(#name::#ident(<#ty as #rt::FhirElement>::read_element(r, node)?)),
        }
    });
    let writes = c.variants.iter().map(|v| {
        let (ident, xml) = (v.ident, &v.xml);
        quote!(#name::#ident(v) => #rt::FhirElement::write_element(v, w, #xml),)
    });
    let accepts = if elements.is_empty() {
        quote!(false)
    } else {
        quote!(::core::matches!(name, #(#elements)|*))
    };
    quote! {
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

/// A resource container: its variant table and accessors, and
/// `FhirElement` (the variant chosen by the resource's profile).
fn expand_resources(res: &Resources) -> TokenStream {
    let rt = rt();
    let name = res.name;
    let table = res.variants.iter().map(|v| {
        let (rtype, url) = (&v.resource, &v.profile);
        quote!((#rtype, #url))
    });
    let reads = res.variants.iter().enumerate().map(|(i, v)| {
        let (ident, ty) = (v.ident, v.ty);
        quote!(#i => ::core::result::Result::Ok(#name::#ident(<#ty as #rt::FhirElement>::read_element(r, node)?)),)
    });
    let types = res.variants.iter().map(|v| {
        let (ident, rtype) = (v.ident, &v.resource);
        quote!(#name::#ident(_) => #rtype,)
    });
    let profiles = res.variants.iter().map(|v| {
        let (ident, url) = (v.ident, &v.profile);
        quote!(#name::#ident(_) => ::core::option::Option::Some(#url),)
    });
    let kept = res
        .nonconforming
        .map(|v| quote!(#name::#v(tree) => &tree.name,));
    let kept_profile = res
        .nonconforming
        .map(|v| quote!(#name::#v(_) => ::core::option::Option::None,));
    let conforming = match res.nonconforming {
        Some(v) => quote!(!::core::matches!(self, #name::#v(_))),
        None => quote!(true),
    };
    let element = resources_element(res);
    quote! {
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
                    #kept
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

        #element
    }
}

/// `FhirElement` for a resource container: read by profile (kept as a tree
/// by the `nonconforming` variant), written as the resource's element.
fn resources_element(res: &Resources) -> TokenStream {
    let rt = rt();
    let name = res.name;
    let writes = res.variants.iter().map(|v| {
        let (ident, rtype) = (v.ident, &v.resource);
        quote!(#name::#ident(v) => #rt::FhirElement::write_element(v, w, #rtype),)
    });
    let (keep, kept_write) = match res.nonconforming {
        Some(v) => (
            quote!(::core::option::Option::Some(#name::#v as fn(#rt::XmlTree) -> Self)),
            quote!(#name::#v(tree) => {
                w.nonconforming();
                tree.write(w, ::core::option::Option::None)
            }),
        ),
        None => (quote!(::core::option::Option::None), quote!()),
    };
    quote! {
        impl #rt::FhirElement for #name {
            fn read_element<'a, 'i>(r: &mut #rt::Reader<'a, 'i>, node: #rt::Node<'a, 'i>) -> #rt::Result<Self> {
                #rt::read_resource(r, node, #name::VARIANTS, #name::read_variant, #keep)
            }
            fn write_element(&self, w: &mut #rt::Writer, name: &str) {
                w.start_element(name);
                match self {
                    #(#writes)*
                    #kept_write
                }
                w.end_element(name);
            }
        }
    }
}
