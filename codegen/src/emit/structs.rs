//! Structs: a datatype, a profiled resource or one of its backbone
//! elements, with its constants and constructor.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::*;

use super::{docs, ident, nested_tuples, At, Emitter};

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
            if let Some(values) = &f.slice {
                let (d, v) = (&values[0].element, &values[0].value);
                keys.push(quote!(slice(discriminator = #d, value = #v)));
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
        let arbitrary = self.arbitrary_struct(s, at);
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
            #arbitrary
        }
    }

    /// `Arbitrary` for a struct (feature `proptest` of the runtime):
    /// profile-valid values, with extensions, resources inside resources and
    /// self-references left empty, and a resource claiming its profile.
    pub(super) fn arbitrary_struct(&self, s: &StructDef, at: At) -> TokenStream {
        let rt = &self.rt;
        let up = at.up();
        let name = ident(&s.name);
        let mut strategies = Vec::new();
        let mut names = Vec::new();
        for f in &s.fields {
            let fname = ident(&f.name);
            let inner = self.ty(&f.ty, at);
            let empty = f.ty == Ty::AnyResource
                || f.ty == Ty::Datatype("Extension".to_owned())
                || f.ty == Ty::Local(s.name.clone());
            let one = quote!(#rt::proptest::arbitrary::any::<#inner>());
            let strategy = match (f.container(), empty) {
                (Container::Vec, true) => {
                    quote!(#rt::proptest::strategy::Just(::std::vec::Vec::new()).boxed())
                }
                (Container::Option, true) => {
                    quote!(#rt::proptest::strategy::Just(::core::option::Option::None).boxed())
                }
                _ if f.name == "meta" && s.resource.is_some() => {
                    let (_, profile) = s.resource.as_ref().expect("checked");
                    quote!(#rt::proptest::strategy::Just(::core::option::Option::Some({
                        let mut meta = #up::datatypes::Meta::new();
                        meta.profile.push(#rt::primitive::Uri::new(#profile).expect("a profile URL"));
                        meta
                    }))
                    .boxed())
                }
                (Container::One, _) => quote!(#one.boxed()),
                (Container::Option, false) => quote!(#rt::proptest::option::of(#one).boxed()),
                (Container::Vec, false) => {
                    quote!(#rt::proptest::collection::vec(#one, 0..3).boxed())
                }
                (Container::NonEmpty, _) => quote!(#rt::strategy::non_empty(#one)),
            };
            strategies.push(strategy);
            names.push(fname);
        }
        let (pattern, tuple) = nested_tuples(&names, &strategies);
        self.arbitrary(
            &name,
            quote!(),
            quote! {
                #tuple
                    .prop_map(|#pattern| #name {
                        #(#names,)*
                        overflow: ::core::default::Default::default(),
                    })
                    .boxed()
            },
        )
    }
}
