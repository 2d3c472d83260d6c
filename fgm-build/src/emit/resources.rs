//! Enums of resources: `contained` and `AnyResource`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::*;

use super::{doc_of, docs, ident, Emitter};

impl Emitter {
    /// The content of the `resources` module: `AnyResource`, and the
    /// reference targets of each profile.
    pub(super) fn any_resource(&self, api: &Api) -> TokenStream {
        let any = self.resource_enum(&api.any_resource, quote!(super::profiles), false);
        let targets = api.profiles.iter().flat_map(|p| {
            p.reference_targets.iter().map(move |(path, urls)| {
                let url = &p.url;
                quote!((#url, #path) => ::core::option::Option::Some(&[#(#urls),*]),)
            })
        });
        quote! {
            #any

            impl AnyResource {
                /// The profiles a reference element (`MessageHeader.author`) of a
                /// resource of `profile` may point at.
                pub fn reference_targets(profile: &str, path: &str) -> ::core::option::Option<&'static [&'static str]> {
                    match (profile, path) {
                        #(#targets)*
                        _ => ::core::option::Option::None,
                    }
                }
            }
        }
    }

    /// An enum of resources; a `contained` one (not `AnyResource`, whose
    /// entries must each be typed) also keeps, leniently, a resource that
    /// fits none of its profiles.
    pub(super) fn resource_enum(
        &self,
        r: &ResourceEnum,
        profiles: TokenStream,
        contained: bool,
    ) -> TokenStream {
        let name = ident(&r.name);
        let doc = docs(&r.doc);
        let variants = r.variants.iter().map(|v| {
            let vname = ident(&v.name);
            let module = ident(&v.module);
            let ty = ident(&v.type_name);
            let vdoc = doc_of(&format!(
                "A {} conforming to `{}`.",
                v.resource_type, v.profile
            ));
            let (rtype, url) = (&v.resource_type, &v.profile);
            quote! {
                #vdoc
                #[fhir(resource = #rtype, profile = #url)]
                #vname(Box<#profiles::#module::#ty>),
            }
        });
        let rt = &self.rt;
        let nonconforming = contained.then(|| {
            quote! {
                /// A resource that conforms to none of the profiles above, kept
                /// as read (lenient reading only, with a warning).
                #[fhir(nonconforming)]
                NonConforming(#rt::xml::XmlTree),
            }
        });
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, #rt::FhirXml)]
            #[derive(#rt::FhirArbitrary)]
            #[fhir(resources)]
            pub enum #name {
                #(#variants)*
                #nonconforming
            }
        }
    }
}
