//! The message manifest: one struct per interaction, the `Message` enum,
//! the interaction table and the Spine response codes.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::api::*;
use crate::model::{Direction, Max};

use super::{doc_of, docs, ident, Emitter};

impl Emitter {
    pub(super) fn messages(&self, m: &Messages) -> TokenStream {
        let names: Vec<Ident> = m.interactions.iter().map(|i| ident(&i.name)).collect();
        let variants = m.interactions.iter().zip(&names).map(|(i, n)| {
            let mut d = i.doc.clone();
            d.add(Some(&format!("Event `{}`.", i.event_code)));
            let doc = docs(&d);
            quote!(#doc #n,)
        });
        let arms = |f: &dyn Fn(&InteractionDef) -> TokenStream| -> Vec<TokenStream> {
            m.interactions
                .iter()
                .zip(&names)
                .map(|(i, n)| {
                    let v = f(i);
                    quote!(Interaction::#n => #v,)
                })
                .collect()
        };
        let variant_names = arms(&|i| {
            let c = &i.name;
            quote!(#c)
        });
        let events = arms(&|i| {
            let c = &i.event_code;
            quote!(#c)
        });
        let systems = arms(&|i| {
            let c = &i.event_system;
            quote!(#c)
        });
        let directions = arms(&|i| match i.direction {
            Direction::Request => quote!(Direction::Request),
            Direction::Response => quote!(Direction::Response),
        });
        let endpoints = arms(&|i| {
            let c = &i.endpoint;
            quote!(#c)
        });
        let actions = arms(&|i| {
            let c = &i.soap_action;
            quote!(#c)
        });
        let statuses = arms(&|i| {
            let c = i.success_status;
            quote!(#c)
        });
        let responds = arms(&|i| match &i.responds_to {
            Some(r) => {
                let r = ident(r);
                quote!(Some(Interaction::#r))
            }
            None => quote!(None),
        });
        let entries = arms(&|i| {
            let list = i.entries.iter().map(entry_spec);
            quote!(&[#(#list),*])
        });
        let from_event = m.interactions.iter().zip(&names).map(|(i, n)| {
            let c = &i.event_code;
            quote!(#c => Some(Interaction::#n),)
        });
        let all = names.iter();
        let response_codes = m.code_enums.as_ref().map(|(severity, issue_type)| {
            let severity = ident(severity);
            let issue_type = ident(issue_type);
            let codes = m.response_codes.iter().map(|r| {
                let (code, system, status, display) =
                    (&r.code, &r.system, r.http_status, &r.display);
                let sev = ident(&r.severity);
                let it = ident(&r.issue_type);
                let legacy = match &r.legacy {
                    Some(l) => quote!(Some(#l)),
                    None => quote!(None),
                };
                quote! {
                    ResponseCodeInfo {
                        code: #code,
                        system: #system,
                        http_status: #status,
                        severity: super::valuesets::#severity::#sev,
                        issue_type: super::valuesets::#issue_type::#it,
                        display: #display,
                        legacy: #legacy,
                    }
                }
            });
            quote! {
                /// One row of the Spine response-code table.
                #[derive(Debug, Clone, Copy, PartialEq, Eq)]
                pub struct ResponseCodeInfo {
                    /// The code (`INVALID_NHS_NUMBER`).
                    pub code: &'static str,
                    /// Its code system.
                    pub system: &'static str,
                    /// The HTTP status Spine answers with.
                    pub http_status: u16,
                    /// The OperationOutcome issue severity.
                    pub severity: super::valuesets::#severity,
                    /// The OperationOutcome issue type.
                    pub issue_type: super::valuesets::#issue_type,
                    /// The display text.
                    pub display: &'static str,
                    /// The code it replaced, if any (`FGM-0002`).
                    pub legacy: Option<&'static str>,
                }

                /// The Spine response-code table.
                pub const RESPONSE_CODES: &[ResponseCodeInfo] = &[#(#codes),*];
            }
        });
        let rt = &self.rt;
        let bundle = {
            let module = ident(&m.bundle.module);
            let ty = ident(&m.bundle.type_name);
            quote!(super::profiles::#module::#ty)
        };
        let structs = m.interactions.iter().zip(&names).map(|(i, n)| {
            let mut d = i.doc.clone();
            d.add(Some(&format!(
                "The {} message (event `{}`), its entries typed.",
                i.name, i.event_code
            )));
            let doc = docs(&d);
            let event = &i.event_code;
            // The derive refuses empty values: a key left empty is left out.
            let event_system = (!i.event_system.is_empty()).then(|| {
                let v = &i.event_system;
                quote!(event_system = #v,)
            });
            let endpoint = (!i.endpoint.is_empty()).then(|| {
                let v = &i.endpoint;
                quote!(endpoint = #v,)
            });
            let success_status = i.success_status.to_string();
            let responds_to = i.responds_to.as_ref().map(|r| {
                let request = m
                    .interactions
                    .iter()
                    .find(|j| &j.name == r)
                    .map_or(r.as_str(), |j| j.event_code.as_str());
                quote!(responds_to = #request,)
            });
            // Spine's rules report under the table, where there is one.
            let response_codes = m
                .code_enums
                .is_some()
                .then(|| quote!(response_codes = "RESPONSE_CODES",));
            let mut profiles: Vec<&str> = Vec::new();
            for e in &i.entries {
                for url in std::iter::once(&e.profile).chain(e.contained.iter().map(|c| &c.profile))
                {
                    if !profiles.contains(&url.as_str()) {
                        profiles.push(url);
                    }
                }
            }
            let profiles = profiles.join(" ");
            let fields = i.entries.iter().map(|e| {
                let fname = ident(&e.name);
                let module = ident(&e.variant.module);
                let ty = ident(&e.variant.type_name);
                let variant = &e.variant.name;
                let (resource, profile) = (&e.variant.resource_type, &e.profile);
                let inner = quote!(super::profiles::#module::#ty);
                let ty = match (e.min, e.max) {
                    (1.., Max::N(1)) => inner,
                    (0, Max::N(1)) => quote!(Option<#inner>),
                    _ => quote!(Vec<#inner>),
                };
                let mut d = Doc::default();
                d.add(Some(&format!(
                    "Entry `{}`, {}..{}.",
                    e.profile, e.min, e.max
                )));
                for c in &e.contained {
                    d.add(Some(&format!(
                        "Contains `{}` ({}..{}) as `{}`.",
                        c.profile, c.min, c.max, c.name
                    )));
                }
                let fdoc = docs(&d);
                quote! {
                    #fdoc
                    #[fhir(entry = #variant, resource = #resource, profile = #profile)]
                    pub #fname: #ty,
                }
            });
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, Eq, #rt::FhirMessage)]
                #[derive(#rt::FhirArbitrary)]
                #[fhir(
                    event = #event,
                    #event_system
                    #endpoint
                    success_status = #success_status,
                    #responds_to
                    #response_codes
                    any_resource = "super::resources::AnyResource",
                    profiles = #profiles
                )]
                pub struct #n {
                    /// The Bundle: its id, meta and the envelope of each entry
                    /// (fullUrl, ...). The entries' resources are the fields below.
                    #[fhir(bundle)]
                    pub bundle: #bundle,
                    #(#fields)*
                }
            }
        });
        let enum_codes = m
            .code_enums
            .is_some()
            .then(|| quote!(#[fhir(response_codes = "RESPONSE_CODES")]));
        let message_variants = names.iter().map(|n| {
            let d = doc_of(&format!("A {n} message."));
            quote!(#d #n(#n),)
        });
        let message_arms = names
            .iter()
            .map(|n| quote!(Message::#n(_) => Interaction::#n,));
        quote! {
            /// The interactions and Spine response codes of the message manifest.
            pub mod messages {
                #(#structs)*

                /// Any FGM RIS message, chosen by its MessageHeader event code.
                #[derive(Debug, Clone, PartialEq, Eq, #rt::FhirMessage)]
                #[derive(#rt::FhirArbitrary)]
                #enum_codes
                pub enum Message {
                    #(#message_variants)*
                }

                impl Message {
                    /// The interaction of this message.
                    pub const fn interaction(&self) -> Interaction {
                        match self {
                            #(#message_arms)*
                        }
                    }
                }

                /// Whether a message goes to Spine or comes back.
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                pub enum Direction {
                    /// Client to Spine.
                    Request,
                    /// Spine to client.
                    Response,
                }

                /// One bundle entry (or contained resource) an interaction carries.
                #[derive(Debug, Clone, Copy, PartialEq, Eq)]
                pub struct EntrySpec {
                    /// Field-style name (`header`, `flag`).
                    pub name: &'static str,
                    /// The profile the resource conforms to.
                    pub profile: &'static str,
                    /// Minimum count.
                    pub min: u32,
                    /// Maximum count (`None`: unbounded).
                    pub max: Option<u32>,
                    /// Resources contained in this one.
                    pub contained: &'static [EntrySpec],
                }

                /// The FGM RIS interactions: one per message kind.
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                pub enum Interaction {
                    #(#variants)*
                }

                impl Interaction {
                    /// Every interaction, in manifest order.
                    pub const ALL: &'static [Interaction] = &[#(Interaction::#all),*];
                    /// The name of the interaction (`CreateRequest`), as its variant is named.
                    pub const fn name(self) -> &'static str { match self { #(#variant_names)* } }
                    /// The MessageHeader event code.
                    pub const fn event_code(self) -> &'static str { match self { #(#events)* } }
                    /// The code system of the event code.
                    pub const fn event_system(self) -> &'static str { match self { #(#systems)* } }
                    /// Request or response.
                    pub const fn direction(self) -> Direction { match self { #(#directions)* } }
                    /// The HTTP path requests are posted to.
                    pub const fn endpoint(self) -> &'static str { match self { #(#endpoints)* } }
                    /// The SOAPAction HTTP header.
                    pub const fn soap_action(self) -> &'static str { match self { #(#actions)* } }
                    /// The HTTP status of a successful response.
                    pub const fn success_status(self) -> u16 { match self { #(#statuses)* } }
                    /// For a response: the request it answers.
                    pub const fn responds_to(self) -> Option<Interaction> { match self { #(#responds)* } }
                    /// The bundle entries, in order.
                    pub const fn entries(self) -> &'static [EntrySpec] { match self { #(#entries)* } }
                    /// The interaction with this event code.
                    pub fn from_event_code(code: &str) -> Option<Interaction> {
                        match code {
                            #(#from_event)*
                            _ => None,
                        }
                    }
                }

                #response_codes
            }
        }
    }
}

fn entry_spec(e: &EntryDef) -> TokenStream {
    let (name, profile, min) = (&e.name, &e.profile, e.min);
    let max = match e.max {
        Max::N(n) => quote!(Some(#n)),
        Max::Many => quote!(None),
    };
    let contained = e.contained.iter().map(entry_spec);
    quote! {
        EntrySpec {
            name: #name,
            profile: #profile,
            min: #min,
            max: #max,
            contained: &[#(#contained),*],
        }
    }
}
