//! proptest strategies (feature `proptest`): every primitive type yields
//! valid lexical forms, reaching the edges of its rule (the characters
//! around the ranges XML 1.0 excludes, 29 February in leap years, the last
//! day of each month, 23:59:59, offsets of ±14:00, the ends of the 32-bit
//! ranges, long decimals, base64 padding), and `#[derive(FhirArbitrary)]`
//! gives every generated type an `Arbitrary` implementation built from
//! these, yielding profile-valid
//! values (fixed values are not fields; required elements are always there;
//! extensions and `overflow` stay empty; resources claim their profile).

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest::string::{string_regex, RegexGeneratorStrategy};

use crate::code::{Open, ValueSetCode};
use crate::primitive::*;
use crate::xml::Overflow;
use crate::NonEmpty;

/// The strings a regular expression matches, the expression compiled once,
/// here. (A `&str` is a strategy too, but compiles its expression again for
/// every value it yields: in a strategy built once and used many times, as
/// the `structured` fuzz target does, that compiling was most of the work.)
fn re(pattern: &str) -> RegexGeneratorStrategy<String> {
    string_regex(pattern).expect("a valid regular expression")
}

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

/// Text that reaches the edges of what XML 1.0 and the writer must handle:
/// the white space and markup characters the writer escapes, the last and
/// first characters around the excluded ranges (U+D7FF, U+E000, U+FFFD,
/// U+10000, U+10FFFF), C1 controls (allowed), and any printable character.
pub fn text() -> impl Strategy<Value = String> {
    // `select`, not `prop_oneof!` of `Just`s: the same choice, without a
    // lazily built tree (and a copy of the runner) for each code before it.
    let edge = proptest::sample::select(vec![
        '\t',
        '\n',
        '\r',
        ' ',
        '&',
        '<',
        '>',
        '"',
        '\'',
        '\u{7f}',
        '\u{85}',
        '\u{a0}',
        '\u{d7ff}',
        '\u{e000}',
        '\u{fffd}',
        '\u{10000}',
        '\u{10ffff}',
    ]);
    let any_char = re("\\PC").prop_map(|s: String| s.chars().next().expect("one character"));
    proptest::collection::vec(prop_oneof![2 => any_char, 1 => edge], 1..24)
        .prop_map(|chars| chars.into_iter().collect())
}

/// A year, month and day that exist: any year 0001–9999 (or, rarely,
/// negative), 29 February only in leap years, and often on the last day of
/// a month.
fn date() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        8 => 1900i32..2100,
        2 => 1i32..=9999,
        1 => -9999i32..=-1,
        // Leap years of the century rule, either way.
        1 => proptest::sample::select(vec![1900, 2000, 2100, 2400]),
    ];
    (year, 1u32..=12, any::<u32>(), any::<bool>()).prop_map(|(y, m, d, last)| {
        let days = match m {
            2 if is_leap_year(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let d = if last { days } else { 1 + d % days };
        let sign = if y < 0 { "-" } else { "" };
        format!("{sign}{:04}-{m:02}-{d:02}", y.unsigned_abs())
    })
}

/// A time of day, 00:00:00 to 23:59:59, often at a boundary, with up to
/// twelve fraction digits.
fn time() -> impl Strategy<Value = String> {
    let part = |max: u32| prop_oneof![Just(0), Just(max), 0..=max];
    (
        part(23),
        part(59),
        part(59),
        proptest::option::of(re("[0-9]{1,12}")),
    )
        .prop_map(|(h, m, s, f)| match f {
            Some(f) => format!("{h:02}:{m:02}:{s:02}.{f}"),
            None => format!("{h:02}:{m:02}:{s:02}"),
        })
}

/// A time zone: `Z` or an offset from -14:00 to +14:00, often at its ends.
fn zone() -> impl Strategy<Value = String> {
    let offset = prop_oneof![
        Just((14u32, 0u32)),
        Just((0, 0)),
        Just((13, 59)),
        (0u32..14, 0u32..60)
    ];
    prop_oneof![
        Just("Z".to_owned()),
        (offset, any::<bool>())
            .prop_map(|((h, m), plus)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' }))
    ]
}

/// A 32-bit integer, often at a boundary.
fn int32(low: i32) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(low),
        Just(i32::MAX),
        Just(low.saturating_add(1)),
        Just(i32::MAX - 1),
        low..=i32::MAX,
    ]
    .prop_map(|i| i.to_string())
}

/// base64 of any length: whole groups, then none, one or two `=` after a
/// character whose unused bits are zero, with XML white space between.
fn base64() -> impl Strategy<Value = String> {
    let tail = prop_oneof![
        Just(String::new()),
        (re("[A-Za-z0-9+/]{2}"), re("[AEIMQUYcgkosw048]")).prop_map(|(a, b)| format!("{a}{b}=")),
        (re("[A-Za-z0-9+/]"), re("[AQgw]")).prop_map(|(a, b)| format!("{a}{b}==")),
    ];
    (re("([A-Za-z0-9+/]{4}){0,6}"), tail, re("[ \t\r\n]{0,2}"))
        .prop_filter("not empty", |(body, tail, _)| {
            !body.is_empty() || !tail.is_empty()
        })
        .prop_map(|(body, tail, space)| format!("{body}{space}{tail}"))
}

regex_primitive! {
    FhirString = text();
    Markdown = text();
    Code = re("[a-z\u{e9}\u{10000}][a-z0-9-]{0,8}([ \t\n][A-Za-z0-9\u{a0}\u{d7ff}.]{1,4}){0,2}");
    Uri = prop_oneof![
        re("urn:[a-z]{1,5}:[a-z0-9]{1,10}"),
        re("https?://[a-z]{1,8}\\.example(:[0-9]{1,5})?/[A-Za-z0-9/_.~-]{0,12}(\\?([a-z=&:@/?]|%[0-9A-F]{2}){0,6})?(#[a-z0-9/?:@]{0,6})?"),
        re("urn:oid:[0-2](\\.[1-9][0-9]{0,4}){1,5}"),
        re("http://\\[::[0-9a-f]{1,4}\\](/[a-z\u{e9}\u{10ffff}<>\"{}|^`]{0,6})?"),
        re("[A-Za-z0-9_.~-]{1,8}(/[A-Za-z0-9:%@]{0,8}){0,2}")
            .prop_filter("well-formed %-escapes", |s: &String| Uri::new(s.as_str()).is_ok()),
    ];
    Id = re("[A-Za-z0-9.-]{1,64}");
    Decimal = re("-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,30})?");
    Base64Binary = base64();
    Oid = re("urn:oid:[0-2](\\.[1-9][0-9]{0,4}){1,5}");
    Boolean = prop_oneof![Just("true".to_owned()), Just("false".to_owned())];
    Integer = prop_oneof![int32(i32::MIN), Just("-0".to_owned())];
    UnsignedInt = int32(0);
    PositiveInt = int32(1);
    Uuid = any::<u128>().prop_map(|u| {
        let h = format!("{u:032x}");
        format!("urn:uuid:{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    });
    Date = prop_oneof![date(), date().prop_map(|d| d[..d.len() - 3].to_owned()), date().prop_map(|d| d[..d.len() - 6].to_owned())];
    Time = time();
    DateTime = prop_oneof![date(), (date(), time(), zone()).prop_map(|(d, t, z)| format!("{d}T{t}{z}"))];
    Instant = (date(), time(), zone()).prop_map(|(d, t, z)| format!("{d}T{t}{z}"));
    Xhtml = (re("[A-Za-z0-9 ]{1,20}"), text()).prop_map(|(t, u)| {
        let mut escaped = String::new();
        crate::xml::escape_into(&mut escaped, &u, false);
        format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{t}<p class=\"x\">{escaped}</p></div>")
    });
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
