//! proptest `Arbitrary` implementations (feature `proptest` of the runtime).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::Emitter;

impl Emitter {
    /// `Arbitrary` for an enum, from one strategy per variant.
    pub(super) fn arbitrary_union(&self, name: &Ident, variants: Vec<TokenStream>) -> TokenStream {
        let rt = &self.rt;
        self.arbitrary(
            name,
            quote!(),
            quote!(#rt::proptest::strategy::Union::new(::std::vec![#(#variants.boxed()),*]).boxed()),
        )
    }

    /// `Arbitrary` for `name` (when the `proptest` feature is on): `body`
    /// builds the strategy, with `Strategy`'s methods in scope; `doc`
    /// documents it.
    pub(super) fn arbitrary(
        &self,
        name: &Ident,
        doc: TokenStream,
        body: TokenStream,
    ) -> TokenStream {
        let rt = &self.rt;
        quote! {
            #rt::if_proptest! {
                impl #rt::proptest::arbitrary::Arbitrary for #name {
                    type Parameters = ();
                    type Strategy = #rt::proptest::strategy::BoxedStrategy<Self>;
                    #doc
                    fn arbitrary_with(_: ()) -> Self::Strategy {
                        use #rt::proptest::strategy::Strategy as _;
                        #body
                    }
                }
            }
        }
    }
}

/// A pattern and a strategy tuple for many fields: chunks of eight, since
/// proptest's tuples stop at twelve.
pub(super) fn nested_tuples(
    names: &[Ident],
    strategies: &[TokenStream],
) -> (TokenStream, TokenStream) {
    let chunks: Vec<(Vec<&Ident>, Vec<&TokenStream>)> = names
        .chunks(8)
        .zip(strategies.chunks(8))
        .map(|(n, s)| (n.iter().collect(), s.iter().collect()))
        .collect();
    let patterns = chunks.iter().map(|(n, _)| quote!((#(#n,)*)));
    let tuples = chunks.iter().map(|(_, s)| quote!((#(#s,)*)));
    (quote!((#(#patterns,)*)), quote!((#(#tuples,)*)))
}
