//! Structs: a datatype, a profiled resource or one of its backbone
//! elements, with its constants and constructor.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::*;

use super::{docs, ident, At, Emitter};

impl Emitter {
    pub(super) fn structure(&self, s: &StructDef, at: At) -> TokenStream {
        let name = ident(&s.name);
        let doc = docs(&s.doc);
        let fields = s.fields.iter().map(|f| {
            let fname = ident(&f.name);
            let fdoc = docs(&f.doc);
            let inner = self.ty(&f.ty, at);
            let direct = matches!(f.container(), Container::One | Container::Option);
            let inner = if direct && f.ty == Ty::Local(s.name.clone()) {
                quote!(Box<#inner>)
            } else {
                inner
            };
            let rt = &self.rt;
            let ty = match f.container() {
                Container::One => inner,
                Container::Option => quote!(Option<#inner>),
                Container::Vec => quote!(Vec<#inner>),
                Container::NonEmpty => quote!(#rt::NonEmpty<#inner>),
            };
            let mut keys = Vec::new();
            if f.xml_name != f.name {
                let x = &f.xml_name;
                keys.push(quote!(element = #x));
            }
            if f.attribute {
                keys.push(quote!(attribute));
            }
            if f.choice {
                keys.push(quote!(choice));
            }
            if f.json_array {
                keys.push(quote!(json = "array"));
            }
            if let Some(values) = &f.slice {
                let (d, v) = (&values[0].element, &values[0].value);
                keys.push(quote!(slice(discriminator = #d, value = #v)));
            }
            // Resources of any profile: the message supplies a bundle's; a
            // resource contains none unless the manifest names them.
            let any_empty = matches!(f.container(), Container::Option | Container::Vec);
            if f.ty == Ty::AnyResource && any_empty {
                keys.push(quote!(arbitrary = "empty"));
            }
            let attr = (!keys.is_empty()).then(|| quote!(#[fhir(#(#keys),*)]));
            quote! {
                #fdoc
                #attr
                pub #fname: #ty,
            }
        });
        let rt = &self.rt;
        let fixed_attrs = s.fixed.iter().map(|f| {
            let (e, v) = (&f.element, &f.value);
            match &f.after {
                Some(a) => quote!(#[fhir(fixed(element = #e, value = #v, after = #a))]),
                None => quote!(#[fhir(fixed(element = #e, value = #v))]),
            }
        });
        let mut params = Vec::new();
        let mut inits = Vec::new();
        for f in &s.fields {
            let fname = ident(&f.name);
            match f.container() {
                Container::One | Container::NonEmpty => {
                    let inner = self.ty(&f.ty, at);
                    let inner =
                        if f.container() == Container::One && f.ty == Ty::Local(s.name.clone()) {
                            quote!(Box<#inner>)
                        } else {
                            inner
                        };
                    let ty = match f.container() {
                        Container::NonEmpty => quote!(#rt::NonEmpty<#inner>),
                        _ => inner,
                    };
                    params.push(quote!(#fname: #ty));
                    inits.push(quote!(#fname,));
                }
                Container::Option => inits.push(quote!(#fname: ::core::option::Option::None,)),
                Container::Vec => inits.push(quote!(#fname: ::std::vec::Vec::new(),)),
            }
        }
        let all_optional = s
            .fields
            .iter()
            .all(|f| matches!(f.container(), Container::Option | Container::Vec));
        let default = all_optional.then(|| quote!(Default,));
        let path = &s.fhir_path;
        let fixed = s.fixed.iter().map(|f| {
            let (e, v) = (&f.element, &f.value);
            quote!((#e, #v))
        });
        let resource_attr = s
            .resource
            .as_ref()
            .map(|(ty, profile)| quote!(#[fhir(resource = #ty, profile = #profile)]));
        let resource = s.resource.as_ref().map(|(ty, profile)| {
            quote! {
                /// The resource type.
                pub const RESOURCE_TYPE: &'static str = #ty;
                /// The canonical URL of the profile.
                pub const PROFILE: &'static str = #profile;
            }
        });
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, #default #rt::FhirXml)]
            #[derive(#rt::FhirArbitrary)]
            #resource_attr
            #(#fixed_attrs)*
            pub struct #name {
                #(#fields)*
                /// What lenient reading kept that the profile does not define;
                /// written back as read.
                #[fhir(overflow)]
                pub overflow: #rt::xml::Overflow,
            }
            impl #name {
                /// The FHIR element this type models.
                pub const FHIR_PATH: &'static str = #path;
                /// Fixed child values, as (element, value): not fields; written
                /// by the writer, checked by the reader.
                pub const FIXED: &'static [(&'static str, &'static str)] = &[#(#fixed),*];
                #resource

                /// With its required elements; every optional element empty.
                #[allow(clippy::too_many_arguments)]
                pub fn new(#(#params),*) -> Self {
                    #name {
                        #(#inits)*
                        overflow: ::core::default::Default::default(),
                    }
                }
            }
        }
    }
}
