//! FHIR DSTU2 JSON (serde) for what `#[derive(FhirXml)]` derives, from the
//! same [`Model`]: the impls are wrapped in `_fgm::if_json!`, so that they
//! exist only with fgm's `json` feature, in fgm-types and in any crate
//! deriving its own types. The runtime is `fgm::json`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use crate::model::{Child, Choice, Element, Model, Resources};
use crate::shape::Container;

/// The JSON runtime's path.
fn rt() -> TokenStream {
    quote!(_fgm::json)
}

/// The serde the runtime re-exports.
fn serde() -> TokenStream {
    quote!(_fgm::json::__serde)
}

/// Keeps `items` only with the `json` feature.
pub fn gated(items: TokenStream) -> TokenStream {
    quote!(_fgm::if_json! { #items })
}

/// The JSON impls of a type.
pub fn expand(model: &Model) -> TokenStream {
    match model {
        Model::Element(e) => expand_struct(e),
        Model::Code(name) => expand_code(name),
        Model::Choice(c) => expand_choice(c),
        Model::Resources(r) => expand_resources(r),
    }
}

/// The children sharing one JSON property, in canonical order.
struct Group {
    xml: String,
    members: Vec<usize>,
    array: bool,
}

/// The JSON properties of the named children (choices are named by
/// their values).
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

/// The field and container of a grouped child.
fn field<'a>(children: &[Child<'a>], m: usize) -> (&'a Ident, Container) {
    match &children[m] {
        Child::Field {
            ident, container, ..
        } => (*ident, *container),
        Child::Fixed { .. } => unreachable!("groups hold fields"),
    }
}

/// The local holding what was read of the `i`-th child.
fn slot(i: usize) -> Ident {
    format_ident!("__c{}", i)
}

/// The local holding what was read of the `i`-th attribute.
fn attr_slot(i: usize) -> Ident {
    format_ident!("__a{}", i)
}

/// The local recording that the `k`-th group's array was read.
fn group_seen(k: usize) -> Ident {
    format_ident!("__g{}", k)
}

/// `JsonObject`, `Serialize` and `Deserialize` for a struct.
fn expand_struct(e: &Element) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let name = e.name;
    let groups = groups(&e.children);
    let write = write_fields_body(e, &groups);
    let read = read_fields_body(e, &groups);
    gated(quote! {
        impl #rt::JsonObject for #name {
            fn write_fields<M: #serde::ser::SerializeMap>(&self, map: &mut M) -> ::core::result::Result<(), M::Error> {
                #write
            }

            fn read_fields<'de, A: #serde::de::MapAccess<'de>>(
                mut map: A,
                resource_type: ::core::option::Option<&str>,
            ) -> ::core::result::Result<Self, A::Error> {
                #read
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

/// The body of `write_fields`: no overflow, then the attributes and the
/// children as properties, a group of children as one array.
fn write_fields_body(e: &Element, groups: &[Group]) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let entry = quote!(#serde::ser::SerializeMap::serialize_entry);
    let overflow_check = e.overflow.map(|o| {
        let what = e.name.to_string();
        quote! {
            if !self.#o.is_empty() {
                return ::core::result::Result::Err(#rt::unrepresentable(#what));
            }
        }
    });
    let write_attrs = e.attributes.iter().map(|a| {
        let (ident, xml) = (a.ident, &a.xml);
        match a.container {
            Container::One => quote!(#entry(map, #xml, &#rt::Field(#xml, &self.#ident))?;),
            _ => quote! {
                if let ::core::option::Option::Some(v) = &self.#ident {
                    #entry(map, #xml, &#rt::Field(#xml, v))?;
                }
            },
        }
    });
    let mut write_children = Vec::new();
    let mut helpers = Vec::new();
    for (i, c) in e.children.iter().enumerate() {
        match c {
            Child::Fixed { xml, value } => {
                write_children.push(quote!(#entry(map, #xml, #value)?;));
            }
            Child::Field {
                ident,
                container,
                choice: true,
                ..
            } => write_children.push(write_choice(ident, *container)),
            Child::Field { .. } => {
                // A group is written with its first member.
                if let Some((k, g)) = groups
                    .iter()
                    .enumerate()
                    .find(|(_, g)| g.members.first() == Some(&i))
                {
                    let (helper, write) = write_group(e, k, g);
                    helpers.extend(helper);
                    write_children.push(write);
                }
            }
        }
    }
    quote! {
        #(#helpers)*
        #overflow_check
        #(#write_attrs)*
        #(#write_children)*
        ::core::result::Result::Ok(())
    }
}

/// Writes a choice field: each value under its own property name.
fn write_choice(ident: &Ident, container: Container) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let entry = quote!(#serde::ser::SerializeMap::serialize_entry);
    let one = quote!(#entry(map, #rt::JsonChoice::json_name(v), &#rt::ChoiceValue(v))?;);
    match container {
        Container::One => quote!({ let v = &self.#ident; #one }),
        Container::Option => {
            quote!(if let ::core::option::Option::Some(v) = &self.#ident { #one })
        }
        Container::Vec | Container::NonEmpty => {
            quote!(for v in self.#ident.iter() { #one })
        }
    }
}

/// Writes the `k`-th group: a single value, or an array through a helper
/// type serializing its members in order (the helper, and the write).
fn write_group(e: &Element, k: usize, g: &Group) -> (Option<TokenStream>, TokenStream) {
    let rt = rt();
    let serde = serde();
    let entry = quote!(#serde::ser::SerializeMap::serialize_entry);
    let xml = &g.xml;
    if !g.array {
        let (ident, container) = field(&e.children, g.members[0]);
        let write = match container {
            Container::One => {
                quote!(#entry(map, #xml, &#rt::Field(#xml, &self.#ident))?;)
            }
            _ => quote! {
                if let ::core::option::Option::Some(v) = &self.#ident {
                    #entry(map, #xml, &#rt::Field(#xml, v))?;
                }
            },
        };
        return (None, write);
    }
    let name = e.name;
    let helper = format_ident!("__Group{}", k);
    let empty = g.members.iter().map(|&m| {
        let (ident, container) = field(&e.children, m);
        match container {
            Container::One => quote!(false),
            Container::Option => quote!(self.#ident.is_none()),
            _ => quote!(self.#ident.is_empty()),
        }
    });
    let items = g.members.iter().map(|&m| {
        let (ident, container) = field(&e.children, m);
        let one = quote! {
            #serde::ser::SerializeSeq::serialize_element(&mut seq, &#rt::Indexed(#xml, i, v))?;
            i += 1;
        };
        match container {
            Container::One => quote!({ let v = &self.0.#ident; #one }),
            Container::Option => {
                quote!(if let ::core::option::Option::Some(v) = &self.0.#ident { #one })
            }
            _ => quote!(for v in self.0.#ident.iter() { #one }),
        }
    });
    let helper_type = quote! {
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
    };
    let write = quote! {
        if !(#(#empty)&&*) {
            #entry(map, #xml, &#helper(self))?;
        }
    };
    (Some(helper_type), write)
}

/// The body of `read_fields`: each property into its slot, then the struct.
fn read_fields_body(e: &Element, groups: &[Group]) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let name = e.name;
    let locals = read_locals(e, groups);
    let attr_locals = e.attributes.iter().enumerate().map(|(i, a)| {
        let (v, inner) = (attr_slot(i), a.inner);
        quote!(let mut #v: ::core::option::Option<#inner> = ::core::option::Option::None;)
    });
    let arms = read_arms(e, groups);
    let inits = read_inits(e);
    quote! {
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

/// One slot per child, and whether each array group was read.
fn read_locals(e: &Element, groups: &[Group]) -> Vec<TokenStream> {
    let mut locals = Vec::new();
    for (i, c) in e.children.iter().enumerate() {
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
            let seen = group_seen(k);
            locals.push(
                quote!(let mut #seen: ::core::option::Option<()> = ::core::option::Option::None;),
            );
        }
    }
    locals
}

/// The match arms by property name: attributes, fixed elements, choices,
/// then the groups.
fn read_arms(e: &Element, groups: &[Group]) -> Vec<TokenStream> {
    let rt = rt();
    let mut arms = Vec::new();
    for (i, a) in e.attributes.iter().enumerate() {
        let (v, xml) = (attr_slot(i), &a.xml);
        arms.push(quote!(#xml => #rt::once::<_, A::Error>(&mut #v, #rt::field::<_, A>(&mut map, #xml)?, #xml)?,));
    }
    for (i, c) in e.children.iter().enumerate() {
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
        arms.push(group_arm(&e.children, k, g));
    }
    arms
}

/// The arm of the `k`-th group: a single value, an array of one field, or
/// an array whose items go to their slices by discriminator.
fn group_arm(children: &[Child], k: usize, g: &Group) -> TokenStream {
    let rt = rt();
    let xml = &g.xml;
    if !g.array {
        let v = slot(g.members[0]);
        return quote!(#xml => #rt::once::<_, A::Error>(&mut #v, #rt::field::<_, A>(&mut map, #xml)?, #xml)?,);
    }
    let seen = group_seen(k);
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
    if sliced.is_empty() {
        // One repeating element, or one of at most one value whose base
        // repeats.
        let m = g.members[0];
        let v = slot(m);
        let read = match field(children, m).1 {
            Container::One | Container::Option => quote!(#rt::single(&mut map, #xml)?),
            _ => quote!(#rt::array(&mut map, #xml)?),
        };
        return quote! {
            #xml => {
                #rt::once::<_, A::Error>(&mut #seen, (), #xml)?;
                #v = #read;
            }
        };
    }
    let assign = |m: usize| {
        let v = slot(m);
        let read = quote!(#rt::item::<_, A::Error>(__raw, #xml, __i)?);
        match field(children, m).1 {
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
    let plain = g
        .members
        .iter()
        .copied()
        .find(|&m| !children[m].is_sliced());
    let fallback = match plain {
        Some(m) => {
            let body = assign(m);
            quote!({ #body; })
        }
        None => quote! {
            return ::core::result::Result::Err(#rt::unknown_slice(#xml, #discriminator, __d.as_deref()))
        },
    };
    quote! {
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
    }
}

/// The field initialisers: the required ones checked present.
fn read_inits(e: &Element) -> Vec<TokenStream> {
    let rt = rt();
    let mut inits = Vec::new();
    for (i, c) in e.children.iter().enumerate() {
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
    for (i, a) in e.attributes.iter().enumerate() {
        let (v, ident, xml) = (attr_slot(i), a.ident, &a.xml);
        inits.push(match a.container {
            Container::One => quote!(#ident: #rt::required::<_, A::Error>(#v, #xml)?,),
            _ => quote!(#ident: #v,),
        });
    }
    if let Some(o) = e.overflow {
        inits.push(quote!(#o: ::core::default::Default::default(),));
    }
    inits
}

/// `Serialize` and `Deserialize` for a value-set enum: its code string.
fn expand_code(name: &Ident) -> TokenStream {
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

/// `JsonChoice`, `Serialize` and `Deserialize` for a choice enum: each
/// variant under its element's name.
fn expand_choice(c: &Choice) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let name = c.name;
    let names = c.variants.iter().map(|v| {
        let (ident, xml) = (v.ident, &v.xml);
        quote!(#name::#ident(_) => #xml,)
    });
    let writes = c.variants.iter().map(|v| {
        let ident = v.ident;
        quote!(#name::#ident(v) => #serde::Serialize::serialize(v, s),)
    });
    let reads = c.variants.iter().map(|v| {
        let (ident, xml) = (v.ident, &v.xml);
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

/// `Serialize` and `Deserialize` for a resource container: each typed
/// variant as its resource; the `nonconforming` one is not representable.
fn expand_resources(res: &Resources) -> TokenStream {
    let rt = rt();
    let serde = serde();
    let name = res.name;
    let reads = res.variants.iter().enumerate().map(|(i, v)| {
        let (ident, rtype, ty) = (v.ident, &v.resource, v.ty);
        quote!(#i => #rt::nested_resource::<#ty, E>(raw, #rtype).map(#name::#ident),)
    });
    let writes = res.variants.iter().map(|v| {
        let (ident, rtype) = (v.ident, &v.resource);
        quote!(#name::#ident(v) => #rt::write_object(v, s, ::core::option::Option::Some(#rtype)),)
    });
    let kept = res.nonconforming.map(|v| {
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
