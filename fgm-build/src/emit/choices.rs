//! Choice elements (`value[x]`): one enum of the allowed types.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::*;

use super::{doc_of, docs, ident, At, Emitter};

impl Emitter {
    pub(super) fn choice(&self, c: &ChoiceDef, at: At) -> TokenStream {
        let rt = &self.rt;
        let name = ident(&c.name);
        let doc = docs(&c.doc);
        // Complex variants are boxed: an enum is as large as its largest
        // variant, and most values are small primitives.
        let variant_ty = |v: &ChoiceVariant| {
            let ty = self.ty(&v.ty, at);
            match v.ty {
                Ty::Datatype(_) | Ty::Local(_) => quote!(::std::boxed::Box<#ty>),
                _ => ty,
            }
        };
        let variants = c.variants.iter().map(|v| {
            let vname = ident(&v.name);
            let vdoc = doc_of(&format!("`{}`", v.xml_name));
            let ty = variant_ty(v);
            let xml = &v.xml_name;
            quote! {
                #vdoc
                #[fhir(element = #xml)]
                #vname(#ty),
            }
        });
        let arms = c.variants.iter().map(|v| {
            let vname = ident(&v.name);
            let xml = &v.xml_name;
            quote!(#name::#vname(_) => #xml,)
        });
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, #rt::FhirXml)]
            #[derive(#rt::FhirArbitrary)]
            pub enum #name {
                #(#variants)*
            }
            impl #name {
                /// The XML element name of the chosen type.
                pub fn xml_name(&self) -> &'static str {
                    match self {
                        #(#arms)*
                    }
                }
            }
        }
    }
}
