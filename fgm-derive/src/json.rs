//! FHIR DSTU2 JSON (serde) for what `#[derive(FhirXml)]` derives, from the
//! same attributes: the impls are wrapped in `_fgm::if_json!`, so
//! that they exist only with fgm's `json` feature, in fgm-types and in
//! any crate deriving its own types. The runtime is `fgm::json`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Type};

use crate::shape::Container;
use crate::xml::Child;

fn rt() -> TokenStream {
    quote!(_fgm::json)
}

fn serde() -> TokenStream {
    quote!(_fgm::json::__serde)
}

/// Keeps `items` only with the `json` feature.
pub fn gated(items: TokenStream) -> TokenStream {
    quote!(_fgm::if_json! { #items })
}

/// The children sharing one JSON property, in canonical order.
struct Group {
    xml: String,
    members: Vec<usize>,
    array: bool,
}

fn groups(children: &[Child]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (i, c) in children.iter().enumerate() {
        let Child::Field {
            container,
            choice: false,
            slice,
            json_array,
            ..
        } = c
        else {
            continue;
        };
        let repeats = matches!(container, Container::Vec | Container::NonEmpty)
            || slice.is_some()
            || *json_array;
        match groups.iter_mut().find(|g| g.xml == c.xml()) {
            Some(g) => {
                g.members.push(i);
                g.array = true;
            }
            None => groups.push(Group {
                xml: c.xml().to_owned(),
                members: vec![i],
                array: repeats,
            }),
        }
    }
    groups
}

/// An attribute field: (field, XML name, container, type).
pub type Attribute<'a> = (&'a Ident, String, Container, &'a Type);

pub fn expand_struct(
    name: &Ident,
    children: &[Child],
    attributes: &[Attribute],
    overflow: Option<&Ident>,
) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let groups = groups(children);
    let entry = quote!(#serde::ser::SerializeMap::serialize_entry);

    // Writing.
    let overflow_check = overflow.map(|o| {
        let what = name.to_string();
        quote! {
            if !self.#o.is_empty() {
                return ::core::result::Result::Err(#rt::unrepresentable(#what));
            }
        }
    });
    let write_attrs = attributes
        .iter()
        .map(|(ident, xml, container, _)| match container {
            Container::One => quote!(#entry(map, #xml, &#rt::Field(#xml, &self.#ident))?;),
            _ => quote! {
                if let ::core::option::Option::Some(v) = &self.#ident {
                    #entry(map, #xml, &#rt::Field(#xml, v))?;
                }
            },
        });
    let mut write_children = Vec::new();
    let mut helpers = Vec::new();
    for (i, c) in children.iter().enumerate() {
        match c {
            Child::Fixed { xml, value } => {
                write_children.push(quote!(#entry(map, #xml, #value)?;));
            }
            Child::Field {
                ident,
                container,
                choice: true,
                ..
            } => {
                let one =
                    quote!(#entry(map, #rt::JsonChoice::json_name(v), &#rt::ChoiceValue(v))?;);
                write_children.push(match container {
                    Container::One => quote!({ let v = &self.#ident; #one }),
                    Container::Option => {
                        quote!(if let ::core::option::Option::Some(v) = &self.#ident { #one })
                    }
                    Container::Vec | Container::NonEmpty => {
                        quote!(for v in self.#ident.iter() { #one })
                    }
                });
            }
            Child::Field { .. } => {
                let Some((k, g)) = groups
                    .iter()
                    .enumerate()
                    .find(|(_, g)| g.members.first() == Some(&i))
                else {
                    continue; // written with its group's first member
                };
                let xml = &g.xml;
                let field = |m: usize| match &children[m] {
                    Child::Field {
                        ident, container, ..
                    } => (*ident, *container),
                    Child::Fixed { .. } => unreachable!("groups hold fields"),
                };
                if !g.array {
                    let (ident, container) = field(g.members[0]);
                    write_children.push(match container {
                        Container::One => {
                            quote!(#entry(map, #xml, &#rt::Field(#xml, &self.#ident))?;)
                        }
                        _ => quote! {
                            if let ::core::option::Option::Some(v) = &self.#ident {
                                #entry(map, #xml, &#rt::Field(#xml, v))?;
                            }
                        },
                    });
                    continue;
                }
                let helper = format_ident!("__Group{}", k);
                let empty = g.members.iter().map(|&m| {
                    let (ident, container) = field(m);
                    match container {
                        Container::One => quote!(false),
                        Container::Option => quote!(self.#ident.is_none()),
                        _ => quote!(self.#ident.is_empty()),
                    }
                });
                let items = g.members.iter().map(|&m| {
                    let (ident, container) = field(m);
                    let one = quote! {
                        #serde::ser::SerializeSeq::serialize_element(&mut seq, &#rt::Indexed(#xml, i, v))?;
                        i += 1;
                    };
                    match container {
                        Container::One => quote!({ let v = &self.0.#ident; #one }),
                        Container::Option => quote!(if let ::core::option::Option::Some(v) = &self.0.#ident { #one }),
                        _ => quote!(for v in self.0.#ident.iter() { #one }),
                    }
                });
                helpers.push(quote! {
                    struct #helper<'a>(&'a #name);
                    impl #serde::Serialize for #helper<'_> {
                        fn serialize<S: #serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                            let mut seq = s.serialize_seq(::core::option::Option::None)?;
                            #[allow(unused_mut, unused_variables, unused_assignments)]
                            let mut i = 0usize;
                            #(#items)*
                            #serde::ser::SerializeSeq::end(seq)
                        }
                    }
                });
                write_children.push(quote! {
                    if !(#(#empty)&&*) {
                        #entry(map, #xml, &#helper(self))?;
                    }
                });
            }
        }
    }

    // Reading.
    let slot = |i: usize| format_ident!("__c{}", i);
    let mut locals = Vec::new();
    for (i, c) in children.iter().enumerate() {
        let v = slot(i);
        locals.push(match c {
            Child::Field {
                container: Container::One | Container::Option,
                inner,
                ..
            } => quote!(let mut #v: ::core::option::Option<#inner> = ::core::option::Option::None;),
            Child::Field { inner, .. } => {
                quote!(let mut #v: ::std::vec::Vec<#inner> = ::std::vec::Vec::new();)
            }
            Child::Fixed { .. } => {
                quote!(let mut #v: ::core::option::Option<()> = ::core::option::Option::None;)
            }
        });
    }
    for (k, g) in groups.iter().enumerate() {
        if g.array {
            let seen = format_ident!("__g{}", k);
            locals.push(
                quote!(let mut #seen: ::core::option::Option<()> = ::core::option::Option::None;),
            );
        }
    }
    let attr_locals = attributes.iter().enumerate().map(|(i, (_, _, _, inner))| {
        let v = format_ident!("__a{}", i);
        quote!(let mut #v: ::core::option::Option<#inner> = ::core::option::Option::None;)
    });
    let mut arms = Vec::new();
    for (i, (_, xml, _, _)) in attributes.iter().enumerate() {
        let v = format_ident!("__a{}", i);
        arms.push(quote!(#xml => #rt::once::<_, A::Error>(&mut #v, #rt::field::<_, A>(&mut map, #xml)?, #xml)?,));
    }
    for (i, c) in children.iter().enumerate() {
        let v = slot(i);
        match c {
            Child::Fixed { xml, value } => arms.push(quote! {
                #xml => {
                    #rt::once::<_, A::Error>(&mut #v, (), #xml)?;
                    #rt::fixed(&mut map, #xml, #value)?;
                }
            }),
            Child::Field {
                inner,
                choice: true,
                ..
            } => arms.push(quote! {
                __n if <#inner as _fgm::xml::FhirChoice>::accepts(__n) => {
                    let __v = <#inner as #rt::JsonChoice>::read_choice(__n, &mut map)?;
                    #rt::once::<_, A::Error>(&mut #v, __v, __n)?;
                }
            }),
            Child::Field { .. } => {}
        }
    }
    for (k, g) in groups.iter().enumerate() {
        let xml = &g.xml;
        if !g.array {
            let v = slot(g.members[0]);
            arms.push(quote!(#xml => #rt::once::<_, A::Error>(&mut #v, #rt::field::<_, A>(&mut map, #xml)?, #xml)?,));
            continue;
        }
        let seen = format_ident!("__g{}", k);
        let sliced: Vec<(usize, &str, &str)> = g
            .members
            .iter()
            .filter_map(|&m| match &children[m] {
                Child::Field {
                    slice: Some((d, value)),
                    ..
                } => Some((m, d.as_str(), value.as_str())),
                _ => None,
            })
            .collect();
        let plain = g
            .members
            .iter()
            .copied()
            .find(|&m| matches!(&children[m], Child::Field { slice: None, .. }));
        if sliced.is_empty() {
            // One repeating element, or one of at most one value whose base
            // repeats.
            let m = g.members[0];
            let v = slot(m);
            let read = match &children[m] {
                Child::Field {
                    container: Container::One | Container::Option,
                    ..
                } => quote!(#rt::single(&mut map, #xml)?),
                _ => quote!(#rt::array(&mut map, #xml)?),
            };
            arms.push(quote! {
                #xml => {
                    #rt::once::<_, A::Error>(&mut #seen, (), #xml)?;
                    #v = #read;
                }
            });
            continue;
        }
        let assign = |m: usize| {
            let v = slot(m);
            let container = match &children[m] {
                Child::Field { container, .. } => *container,
                Child::Fixed { .. } => unreachable!("groups hold fields"),
            };
            let read = quote!(#rt::item::<_, A::Error>(__raw, #xml, __i)?);
            match container {
                Container::One | Container::Option => {
                    quote!(#rt::once::<_, A::Error>(&mut #v, #read, #xml)?)
                }
                _ => quote!(#v.push(#read)),
            }
        };
        let discriminator = sliced[0].1;
        let slice_arms = sliced.iter().map(|(m, _, value)| {
            let body = assign(*m);
            quote!(::core::option::Option::Some(#value) => { #body; })
        });
        let fallback = match plain {
            Some(m) => {
                let body = assign(m);
                quote!({ #body; })
            }
            None => quote! {
                return ::core::result::Result::Err(#rt::unknown_slice(#xml, #discriminator, __d.as_deref()))
            },
        };
        arms.push(quote! {
            #xml => {
                #rt::once::<_, A::Error>(&mut #seen, (), #xml)?;
                for (__i, __raw) in #rt::raw_array(&mut map, #xml)?.into_iter().enumerate() {
                    let __d = #rt::discriminator::<A::Error>(__raw, #discriminator)?;
                    match __d.as_deref() {
                        #(#slice_arms)*
                        _ => #fallback
                    }
                }
            }
        });
    }
    let mut inits = Vec::new();
    for (i, c) in children.iter().enumerate() {
        if let Child::Field {
            ident,
            xml,
            container,
            ..
        } = c
        {
            let v = slot(i);
            inits.push(match container {
                Container::One => quote!(#ident: #rt::required::<_, A::Error>(#v, #xml)?,),
                Container::Option | Container::Vec => quote!(#ident: #v,),
                Container::NonEmpty => quote!(#ident: #rt::non_empty::<_, A::Error>(#v, #xml)?,),
            });
        }
    }
    for (i, (ident, xml, container, _)) in attributes.iter().enumerate() {
        let v = format_ident!("__a{}", i);
        inits.push(match container {
            Container::One => quote!(#ident: #rt::required::<_, A::Error>(#v, #xml)?,),
            _ => quote!(#ident: #v,),
        });
    }
    if let Some(o) = overflow {
        inits.push(quote!(#o: ::core::default::Default::default(),));
    }

    gated(quote! {
        impl #rt::JsonObject for #name {
            fn write_fields<M: #serde::ser::SerializeMap>(&self, map: &mut M) -> ::core::result::Result<(), M::Error> {
                #(#helpers)*
                #overflow_check
                #(#write_attrs)*
                #(#write_children)*
                ::core::result::Result::Ok(())
            }

            fn read_fields<'de, A: #serde::de::MapAccess<'de>>(
                mut map: A,
                resource_type: ::core::option::Option<&str>,
            ) -> ::core::result::Result<Self, A::Error> {
                #(#locals)*
                #(#attr_locals)*
                while let ::core::option::Option::Some(__key) = #serde::de::MapAccess::next_key::<#rt::Key<'de>>(&mut map)? {
                    match __key.as_str() {
                        "resourceType" => #rt::resource_type(&mut map, resource_type)?,
                        #(#arms)*
                        __other => return ::core::result::Result::Err(#rt::unknown(__other)),
                    }
                }
                ::core::result::Result::Ok(#name { #(#inits)* })
            }
        }

        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                #rt::write_object(self, s, ::core::option::Option::None)
            }
        }

        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                #rt::read_object(d, ::core::option::Option::None)
            }
        }
    })
}

/// A value-set enum: its code string.
pub fn expand_code(name: &Ident) -> TokenStream {
    let rt = rt();
    let serde = serde();
    gated(quote! {
        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                #rt::write_code(*self, s)
            }
        }

        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                #rt::read_code(d)
            }
        }
    })
}

/// A choice enum: (variant, element name, type) of each variant.
pub fn expand_choice(name: &Ident, variants: &[(&Ident, String, &Type)]) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let names = variants
        .iter()
        .map(|(ident, xml, _)| quote!(#name::#ident(_) => #xml,));
    let writes = variants
        .iter()
        .map(|(ident, _, _)| quote!(#name::#ident(v) => #serde::Serialize::serialize(v, s),));
    let reads = variants.iter().map(|(ident, xml, _)| {
        quote!(#xml => ::core::result::Result::Ok(#name::#ident(#rt::field::<_, A>(map, #xml)?)),)
    });
    gated(quote! {
        impl #rt::JsonChoice for #name {
            fn json_name(&self) -> &'static str {
                match self {
                    #(#names)*
                }
            }

            fn write_value<S: #serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                match self {
                    #(#writes)*
                }
            }

            fn read_choice<'de, A: #serde::de::MapAccess<'de>>(
                name: &str,
                map: &mut A,
            ) -> ::core::result::Result<Self, A::Error> {
                match name {
                    #(#reads)*
                    other => ::core::result::Result::Err(#rt::unknown(other)),
                }
            }
        }

        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                #rt::write_choice(self, s)
            }
        }

        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                #rt::read_choice(d)
            }
        }
    })
}

/// A resource container: (variant, resource type, type) of each typed
/// variant, and the variant keeping a resource of no profile.
pub fn expand_resources(
    name: &Ident,
    variants: &[(&Ident, String, &Type)],
    nonconforming: Option<&Ident>,
) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let reads = variants.iter().enumerate().map(|(i, (ident, rtype, ty))| {
        quote!(#i => #rt::nested_resource::<#ty, E>(raw, #rtype).map(#name::#ident),)
    });
    let writes = variants.iter().map(|(ident, rtype, _)| {
        quote!(#name::#ident(v) => #rt::write_object(v, s, ::core::option::Option::Some(#rtype)),)
    });
    let kept = nonconforming.map(|v| {
        quote!(#name::#v(_) => ::core::result::Result::Err(#rt::unrepresentable("a resource that conforms to no profile")),)
    });
    gated(quote! {
        impl #name {
            /// Reads the `index`-th typed variant from held-back JSON.
            #[doc(hidden)]
            pub fn __json_variant<'de, E: #serde::de::Error>(
                raw: &'de #rt::serde_json::value::RawValue,
                index: usize,
            ) -> ::core::result::Result<Self, E> {
                match index {
                    #(#reads)*
                    _ => ::core::result::Result::Err(#rt::fail(_fgm::xml::ErrorCode::Profile, "no such variant")),
                }
            }
        }

        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                match self {
                    #(#writes)*
                    #kept
                }
            }
        }

        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                #rt::read_resource(d, #name::VARIANTS, #name::__json_variant::<D::Error>)
            }
        }
    })
}
