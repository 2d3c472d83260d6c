//! Value sets: one code enum each.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::api::*;

use super::{docs, ident, Emitter};

impl Emitter {
    pub(super) fn code_enum(&self, e: &CodeEnum) -> TokenStream {
        let rt = &self.rt;
        let name = ident(&e.name);
        let doc = docs(&e.doc);
        let url = &e.url;
        let names: Vec<Ident> = e.variants.iter().map(|v| ident(&v.name)).collect();
        let variants = e.variants.iter().zip(&names).map(|(v, n)| {
            let mut d = Doc::default();
            d.add(Some(&format!("`{}` ({}): {}", v.code, v.system, v.display)));
            for p in &v.doc.paragraphs {
                d.add(Some(p));
            }
            let vdoc = docs(&d);
            quote!(#vdoc #n,)
        });
        let codes = e.variants.iter().map(|v| &v.code);
        let codes2 = codes.clone();
        let displays = e.variants.iter().map(|v| &v.display);
        let systems = e.variants.iter().map(|v| &v.system);
        let n1 = names.iter();
        let n2 = names.iter();
        let n3 = names.iter();
        let n4 = names.iter();
        let n5 = names.iter();
        quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, #rt::FhirXml)]
            #[derive(#rt::FhirArbitrary)]
            pub enum #name {
                #(#variants)*
            }
            impl #name {
                /// The canonical URL of the value set.
                pub const VALUE_SET: &'static str = #url;
                /// Every code, in value-set order.
                pub const ALL: &'static [#name] = &[#(#name::#n1),*];
                /// The code.
                pub const fn code(self) -> &'static str {
                    match self { #(#name::#n2 => #codes,)* }
                }
                /// The display text.
                pub const fn display(self) -> &'static str {
                    match self { #(#name::#n3 => #displays,)* }
                }
                /// The code system.
                pub const fn system(self) -> &'static str {
                    match self { #(#name::#n4 => #systems,)* }
                }
            }
            impl ::core::str::FromStr for #name {
                type Err = #rt::UnknownCode;
                fn from_str(code: &str) -> Result<Self, Self::Err> {
                    match code {
                        #(#codes2 => Ok(#name::#n5),)*
                        _ => Err(#rt::UnknownCode::new(Self::VALUE_SET, code)),
                    }
                }
            }
            impl ::core::fmt::Display for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(self.code())
                }
            }
            impl #rt::ValueSetCode for #name {
                const VALUE_SET: &'static str = #url;
                fn code(self) -> &'static str { #name::code(self) }
                fn display(self) -> &'static str { #name::display(self) }
                fn system(self) -> &'static str { #name::system(self) }
            }
        }
    }
}
