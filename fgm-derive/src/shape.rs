//! What a field's Rust type says about the element: its cardinality.

use syn::{GenericArgument, PathArguments, Type};

/// How a field's Rust type maps to a cardinality.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Container {
    One,
    Option,
    Vec,
    NonEmpty,
}

/// The container and the element type of a field type.
pub fn container(ty: &Type) -> (Container, &Type) {
    if let Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            let kind = match last.ident.to_string().as_str() {
                "Option" => Some(Container::Option),
                "Vec" => Some(Container::Vec),
                "NonEmpty" => Some(Container::NonEmpty),
                _ => None,
            };
            if let (Some(kind), PathArguments::AngleBracketed(args)) = (kind, &last.arguments) {
                if let Some(GenericArgument::Type(inner)) = args.args.first() {
                    return (kind, inner);
                }
            }
        }
    }
    (Container::One, ty)
}

/// Whether `ty` is the type `name` itself (or `Self`), boxed or not: a
/// field of a struct's own type.
pub fn is_own(ty: &Type, name: &syn::Ident) -> bool {
    let Type::Path(p) = ty else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    match &last.arguments {
        PathArguments::None => last.ident == *name || last.ident == "Self",
        PathArguments::AngleBracketed(args) if last.ident == "Box" => {
            matches!(args.args.first(), Some(GenericArgument::Type(inner)) if is_own(inner, name))
        }
        _ => false,
    }
}

/// A message entry's container: as [`container`], except that a
/// `NonEmpty<T>` entry is one value of that type (entries repeat only as
/// `Vec<T>`), so that it never gives [`Container::NonEmpty`].
pub fn entry_container(ty: &Type) -> (Container, &Type) {
    match container(ty) {
        (Container::NonEmpty, _) => (Container::One, ty),
        other => other,
    }
}
