//! proptest strategies (feature `proptest`): every primitive type yields
//! valid lexical forms, and `#[derive(FhirArbitrary)]` gives every generated
//! type an `Arbitrary` implementation built from these, yielding profile-valid
//! values (fixed values are not fields; required elements are always there;
//! extensions and `overflow` stay empty; resources claim their profile).

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use crate::code::{Open, ValueSetCode};
use crate::primitive::*;
use crate::xml::Overflow;
use crate::NonEmpty;

macro_rules! regex_primitive {
    ($($t:ident = $re:expr;)*) => {$(
        impl Arbitrary for $t {
            type Parameters = ();
            type Strategy = BoxedStrategy<Self>;
            fn arbitrary_with(_: ()) -> Self::Strategy {
                $re.prop_map(|s: String| $t::new(s).expect(concat!("a valid ", stringify!($t))))
                    .boxed()
            }
        }
    )*};
}

fn date() -> impl Strategy<Value = String> {
    (1900u32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn time() -> impl Strategy<Value = String> {
    (
        0u32..24,
        0u32..60,
        0u32..60,
        proptest::option::of(0u32..1000),
    )
        .prop_map(|(h, m, s, f)| match f {
            Some(f) => format!("{h:02}:{m:02}:{s:02}.{f:03}"),
            None => format!("{h:02}:{m:02}:{s:02}"),
        })
}

fn zone() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Z".to_owned()),
        (0u32..14, prop_oneof![Just(0u32), Just(30)], any::<bool>())
            .prop_map(|(h, m, plus)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' }))
    ]
}

regex_primitive! {
    FhirString = "\\PC{1,24}";
    Markdown = "\\PC{1,24}";
    Code = "[a-z][a-z0-9-]{0,8}";
    Uri = "(urn:[a-z]{1,5}:[a-z0-9]{1,10}|https?://[a-z]{1,8}\\.example/[A-Za-z0-9/_.-]{0,12})";
    Id = "[A-Za-z0-9.-]{1,20}";
    Decimal = "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?";
    Base64Binary = "([A-Za-z0-9+/]{4}){1,6}";
    Oid = "urn:oid:[0-2](\\.[1-9][0-9]{0,4}){1,5}";
    Boolean = prop_oneof![Just("true".to_owned()), Just("false".to_owned())];
    Integer = any::<i32>().prop_map(|i| i.to_string());
    UnsignedInt = (0..=i32::MAX).prop_map(|i| i.to_string());
    PositiveInt = (1..=i32::MAX).prop_map(|i| i.to_string());
    Uuid = any::<u128>().prop_map(|u| {
        let h = format!("{u:032x}");
        format!("urn:uuid:{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    });
    Date = prop_oneof![date(), date().prop_map(|d| d[..7].to_owned()), date().prop_map(|d| d[..4].to_owned())];
    Time = time();
    DateTime = prop_oneof![date(), (date(), time(), zone()).prop_map(|(d, t, z)| format!("{d}T{t}{z}"))];
    Instant = (date(), time(), zone()).prop_map(|(d, t, z)| format!("{d}T{t}{z}"));
    Xhtml = "[A-Za-z0-9 ]{1,20}".prop_map(|t| format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{t}</div>"));
}

impl<E: ValueSetCode + Arbitrary + 'static> Arbitrary for Open<E> {
    type Parameters = ();
    type Strategy = BoxedStrategy<Self>;
    /// Codes of the value set only: an `Unknown` holding a known code would
    /// not read back as itself.
    fn arbitrary_with(_: ()) -> Self::Strategy {
        any::<E>().prop_map(Open::Known).boxed()
    }
}

impl Arbitrary for Overflow {
    type Parameters = ();
    type Strategy = Just<Overflow>;
    /// Always empty: overflow holds only what lenient reading kept.
    fn arbitrary_with(_: ()) -> Self::Strategy {
        Just(Overflow::default())
    }
}

/// One to three values.
pub fn non_empty<S: Strategy + 'static>(element: S) -> BoxedStrategy<NonEmpty<S::Value>>
where
    S::Value: std::fmt::Debug,
{
    proptest::collection::vec(element, 1..3)
        .prop_map(|v| NonEmpty::from_vec(v).expect("at least one"))
        .boxed()
}

/// A resource as an entry of a generated message. `FhirArbitrary`
/// implements it for every struct with `#[fhir(resource = "…")]`: a
/// MessageHeader names the message's event; other resources stay as
/// generated.
pub trait MessageEntry {
    /// Makes the resource fit a message with this event code.
    fn for_event(&mut self, event: &str);
}
