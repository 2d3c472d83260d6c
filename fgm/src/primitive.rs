//! The DSTU2 primitive types. Each keeps its lexical form exactly as written
//! (a decimal is never turned into a float, an instant never into a clock
//! time) and can only be built from text that is both valid for its DSTU2
//! type — the FHIR regex and the XSD type of the DSTU2 schema, where they
//! differ the stricter — and representable in XML 1.0 (the `Char`
//! production: no control character but tab, line feed and carriage return,
//! no U+FFFE or U+FFFF). The reader builds every value through the same
//! constructors, so what can be built is exactly what can be read.
//!
//! Dates, date-times, instants and times are calendar-valid: months of
//! their length (29 February only in leap years of the Gregorian rule,
//! applied to the year as written, as libxml2 and XSD 1.1 do), hours 00–23
//! (XSD 1.0 allows `24:00:00`; the DSTU2 regexes, and the pattern the DSTU2
//! schema puts on `dateTime` and `time`, do not), minutes and seconds 00–59
//! (no leap second: the DSTU2 regexes), time-zone offsets from -14:00 to
//! +14:00 inclusive (XSD 1.0 and the DSTU2 regexes agree), and no year 0000
//! (XSD 1.0). `integer`, `unsignedInt` and `positiveInt` are 32-bit: DSTU2
//! defines the latter two as constraints on `integer`, which is `xs:int`.
//!
//! The one exception is lenient reading, which accepts a value
//! that passes once the white space around it is trimmed (Spine sends a
//! profile URL with a trailing space), keeps it as written, and warns.

use std::fmt;
use std::str::FromStr;

/// How a primitive keeps its lexical form: inline up to 24 bytes.
type Text = compact_str::CompactString;

/// The longest text a primitive keeps inline, without allocating.
pub(crate) const INLINE: usize = std::mem::size_of::<Text>();

/// Text that is not a valid lexical form of a FHIR primitive type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexicalError {
    /// The FHIR type (`dateTime`).
    pub fhir_type: &'static str,
    /// The text refused.
    pub value: String,
    /// The rule it breaks (`February 2023 has 28 days`).
    pub rule: String,
}

impl LexicalError {
    /// The value as Rust would write it in a string literal (control
    /// characters escaped), cut after 100 characters.
    pub fn escaped_value(&self) -> String {
        let mut out = String::new();
        self.write_escaped_value(&mut out)
            .expect("writing to a String");
        out
    }

    /// The error `value` of `fhir_type` breaking `rule` would be, as a
    /// sentence, `more` added, written in one allocation without making the
    /// error (no copy of the value): what the XML reader says.
    pub(crate) fn sentence_of(fhir_type: &str, value: &str, rule: &str, more: &str) -> String {
        let mut out = String::with_capacity(value.len() + rule.len() + more.len() + 48);
        write_error(&mut out, fhir_type, value, rule).expect("writing to a String");
        out.push_str(more);
        out
    }

    /// Writes the error (what `Display` shows), piece by piece.
    fn write_to(&self, out: &mut impl fmt::Write) -> fmt::Result {
        write_error(out, self.fhir_type, &self.value, &self.rule)
    }

    /// Writes [`LexicalError::escaped_value`].
    fn write_escaped_value(&self, out: &mut impl fmt::Write) -> fmt::Result {
        write_escaped(out, &self.value)
    }
}

/// Writes a lexical error: the value, its type and the rule it breaks.
fn write_error(out: &mut impl fmt::Write, fhir_type: &str, value: &str, rule: &str) -> fmt::Result {
    out.write_str("`")?;
    write_escaped(out, value)?;
    for part in ["` is not a valid FHIR ", fhir_type, ": ", rule] {
        out.write_str(part)?;
    }
    Ok(())
}

/// Writes `value` as Rust would write it in a string literal (control
/// characters escaped), cut after 100 characters.
fn write_escaped(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    const SHOWN: usize = 100;
    // Printable ASCII other than a backslash or quote is written as is.
    let plain = |b: &u8| (0x20..0x7F).contains(b) && !matches!(b, b'\\' | b'\'' | b'"');
    // Without stopping early, so that the test vectorises.
    if value.len() <= SHOWN && value.as_bytes().iter().fold(true, |all, b| all & plain(b)) {
        return out.write_str(value);
    }
    for c in value.chars().take(SHOWN).flat_map(char::escape_debug) {
        out.write_char(c)?;
    }
    let total = value.chars().count();
    if total > SHOWN {
        write!(out, "… ({total} characters)")?;
    }
    Ok(())
}

impl fmt::Display for LexicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

impl std::error::Error for LexicalError {}

macro_rules! primitive {
    ($(#[$doc:meta])* $name:ident = $fhir:literal, $check:expr) => {
        primitive!($(#[$doc])* $name = $fhir, $check, |value: Text| value);
    };
    ($(#[$doc:meta])* $name:ident = $fhir:literal, $check:expr, $canonical:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Text);

        impl $name {
            /// The FHIR type code.
            pub const FHIR_TYPE: &'static str = $fhir;

            /// The rule `value` breaks, if any: XML 1.0 characters, then
            /// the type's own.
            fn check(value: &str) -> Result<(), String> {
                lex::xml_chars(value).and_then(|()| $name::rule(value))
            }

            /// The type's own rule alone.
            fn rule(value: &str) -> Result<(), String> {
                let rule: fn(&str) -> lex::Check = $check;
                rule(value)
            }

            /// Checks `value` against the DSTU2 lexical rule and keeps it as written.
            pub fn new(value: impl Into<String>) -> Result<Self, LexicalError> {
                let value = value.into();
                match $name::check(&value) {
                    Ok(()) => Ok($name::kept(Text::from(value))),
                    Err(rule) => Err(LexicalError { fhir_type: $fhir, value, rule }),
                }
            }

            /// [`Self::new`] on borrowed text: a short value is kept inline,
            /// with no allocation (what the readers call).
            pub fn from_text(value: &str) -> Result<Self, LexicalError> {
                $name::borrowed(value, $name::check(value))
            }

            /// [`Self::from_text`] on text read from an XML document, whose
            /// characters the parser has checked already: only the type's
            /// own rule is checked, and the rule broken is the error (the
            /// value is the reader's to quote). `known`, text equal to
            /// `value`, is kept instead of a copy.
            #[allow(dead_code)] // unused for `xhtml`, which is read as XML
            pub(crate) fn from_xml(value: &str, known: Option<&'static str>) -> Result<Self, String> {
                $name::rule(value)?;
                Ok($name::kept(known.map_or_else(|| Text::new(value), Text::const_new)))
            }

            /// `value`, kept (short, inline) when `checked` passed.
            fn borrowed(value: &str, checked: Result<(), String>) -> Result<Self, LexicalError> {
                match checked {
                    Ok(()) => Ok($name::kept(Text::new(value))),
                    Err(rule) => Err(LexicalError { fhir_type: $fhir, value: value.to_owned(), rule }),
                }
            }

            /// A checked value, in its canonical form.
            fn kept(value: Text) -> Self {
                let canonical: fn(Text) -> Text = $canonical;
                $name(canonical(value))
            }

            /// A value that is valid once the white space around it is
            /// trimmed, kept as written: what lenient reading accepts.
            #[allow(dead_code)] // unused for `xhtml`, which is read as XML
            pub(crate) fn padded(value: &str) -> Option<Self> {
                // The trimmed value's characters are among the value's.
                lex::xml_chars(value).ok().and_then(|()| $name::padded_xml(value))
            }

            /// [`Self::padded`] on text read from an XML document, whose
            /// characters the parser has checked already.
            #[allow(dead_code)] // unused for `xhtml`, which is read as XML
            pub(crate) fn padded_xml(value: &str) -> Option<Self> {
                (value != value.trim() && $name::rule(value.trim()).is_ok())
                    .then(|| $name(Text::new(value)))
            }

            /// The lexical form.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The lexical form, owned.
            pub fn into_string(self) -> String {
                self.0.into_string()
            }
        }

        impl FromStr for $name {
            type Err = LexicalError;
            fn from_str(s: &str) -> Result<Self, LexicalError> {
                $name::from_text(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = LexicalError;
            fn try_from(s: &str) -> Result<Self, LexicalError> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = LexicalError;
            fn try_from(s: String) -> Result<Self, LexicalError> {
                $name::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

primitive!(
    /// FHIR `boolean`: `true` or `false`.
    Boolean = "boolean",
    |s| lex::rule(s == "true" || s == "false", "it is `true` or `false`")
);
primitive!(
    /// FHIR `integer`: a signed 32-bit whole number, no leading zeros.
    Integer = "integer",
    |s| lex::int32(s, s.strip_prefix('-').unwrap_or(s), true, "-?(0|[1-9][0-9]*)")
);
primitive!(
    /// FHIR `decimal`, kept as written (`1.50` stays `1.50`), of any length.
    Decimal = "decimal", lex::decimal
);
primitive!(
    /// FHIR `base64Binary`: `xs:base64Binary` (white space allowed between
    /// the characters), not empty.
    Base64Binary = "base64Binary", lex::base64
);
primitive!(
    /// FHIR `instant`: a calendar-valid timestamp to the second or finer,
    /// with a time zone.
    Instant = "instant", lex::instant
);
primitive!(
    /// FHIR `string`: any non-empty text of XML 1.0 characters.
    FhirString = "string", lex::not_empty
);
primitive!(
    /// FHIR `uri`: an `xs:anyURI` (an RFC 3986 URI reference once the
    /// characters it does not allow are %-escaped) without white space.
    Uri = "uri", lex::uri
);
primitive!(
    /// FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, calendar-valid.
    Date = "date", lex::date
);
primitive!(
    /// FHIR `dateTime`: a date, or a calendar-valid date and time with a
    /// time zone.
    DateTime = "dateTime", lex::date_time
);
primitive!(
    /// FHIR `time`: `hh:mm:ss`, optionally with fractions, 00:00:00 to
    /// 23:59:59.
    Time = "time", lex::time_of_day
);
primitive!(
    /// FHIR `code`: no leading, trailing or doubled white space.
    Code = "code", lex::code
);
primitive!(
    /// FHIR `oid`: `urn:oid:` and a dotted OID.
    Oid = "oid", lex::oid
);
primitive!(
    /// FHIR `uuid`: `urn:uuid:` and a lower-case UUID.
    Uuid = "uuid", lex::uuid
);
primitive!(
    /// FHIR `id`: 1 to 64 of `A-Z a-z 0-9 - .`.
    Id = "id", lex::id
);
primitive!(
    /// FHIR `unsignedInt`: 0 to 2,147,483,647.
    UnsignedInt = "unsignedInt",
    |s| lex::int32(s, s, true, "0|[1-9][0-9]*")
);
primitive!(
    /// FHIR `positiveInt`: 1 to 2,147,483,647 (no plus sign: the DSTU2
    /// schema's pattern has none).
    PositiveInt = "positiveInt",
    |s| lex::int32(s, s, false, "[1-9][0-9]*")
);
primitive!(
    /// FHIR `markdown`: non-empty text.
    Markdown = "markdown", lex::not_empty
);
primitive!(
    /// FHIR `xhtml`: the narrative, one well-formed `div` element in the
    /// XHTML namespace, kept in the canonical form the writer writes and
    /// the reader reads (as compact XML: the form it was given in, quoting
    /// and character references, is not kept).
    Xhtml = "xhtml", crate::markup::check_xhtml, |value: Text| Text::from(crate::markup::canonical_xhtml(&value).expect("checked"))
);

/// Calls the macro `$m` with the primitive types whose lexical form is
/// plain text in both XML and JSON (all but `boolean`, the numbers and
/// `xhtml`), and any more types given: the one list the formats' impls
/// are made from.
macro_rules! text_primitives {
    ($m:ident $(, $more:ty)*) => {
        $m!(Base64Binary, Instant, FhirString, Uri, Date, DateTime, Time, Code, Oid, Uuid, Id, Markdown $(, $more)*);
    };
}
pub(crate) use text_primitives;

/// Calls the macro `$m` with the numeric primitive types (JSON numbers).
macro_rules! number_primitives {
    ($m:ident) => {
        $m!(Integer, UnsignedInt, PositiveInt, Decimal);
    };
}
pub(crate) use number_primitives;

pub use crate::markup::is_xml_char;

/// The lexical rules, written out by hand (no regex engine). Each returns
/// the rule broken, in words.
mod lex {
    pub type Check = Result<(), String>;

    /// `Err(rule)` unless `ok`.
    pub fn rule(ok: bool, rule: &str) -> Check {
        if ok {
            Ok(())
        } else {
            Err(rule.to_owned())
        }
    }

    /// `Err(rule())` unless `ok`: the rule written only when broken.
    pub fn rule_with(ok: bool, rule: impl FnOnce() -> String) -> Check {
        if ok {
            Ok(())
        } else {
            Err(rule())
        }
    }

    /// Every character is an XML 1.0 `Char`.
    pub fn xml_chars(s: &str) -> Check {
        // Only bytes below 0x20 and the lead byte of U+F000..U+FFFF can start
        // a character outside `Char`.
        // Without stopping early, so that the scan vectorises.
        if !s
            .bytes()
            .fold(false, |found, b| found | (b < 0x20) | (b == 0xEF))
        {
            return Ok(());
        }
        match s.chars().enumerate().find(|(_, c)| !super::is_xml_char(*c)) {
            None => Ok(()),
            Some((i, c)) => Err(format!(
                "U+{:04X} (character {}) is not an XML 1.0 character",
                u32::from(c),
                i + 1
            )),
        }
    }

    /// The bytes of an `id`: `A-Z a-z 0-9 - .`.
    static ID_BYTE: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
            b += 1;
        }
        t
    };

    /// 1 to 64 of `A-Z a-z 0-9 - .`: every byte looked up, with no branch
    /// on each (the bytes of a UUID, mixed, make such branches guesses).
    pub fn id(s: &str) -> Check {
        rule(
            (1..=64).contains(&s.len())
                && s.bytes().fold(true, |ok, b| ok & ID_BYTE[usize::from(b)]),
            "it is 1 to 64 of A-Z a-z 0-9 - .",
        )
    }

    pub fn not_empty(s: &str) -> Check {
        rule(!s.is_empty(), "it is empty")
    }

    /// XML white space: what `\s` means in the DSTU2 (XSD) regexes.
    fn is_xml_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    }

    /// `digits` matches `[0]|[1-9][0-9]*` (without `[0]` unless `zero`),
    /// and `s` is a 32-bit integer.
    pub fn int32(s: &str, digits: &str, zero: bool, form: &str) -> Check {
        let lexical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" && zero || !digits.starts_with('0'));
        if !lexical {
            return Err(format!("the form is {form}"));
        }
        let low = if s.starts_with('-') {
            "-2147483648"
        } else if zero {
            "0"
        } else {
            "1"
        };
        rule_with(s.parse::<i32>().is_ok(), || {
            format!("it is outside {low} to 2147483647 (32 bits)")
        })
    }

    pub fn decimal(s: &str) -> Check {
        let s = s.strip_prefix('-').unwrap_or(s);
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        let int_ok = int == "0"
            || (!int.is_empty()
                && !int.starts_with('0')
                && int.bytes().all(|b| b.is_ascii_digit()));
        let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
        rule(int_ok && frac_ok, "the form is -?(0|[1-9][0-9]*)(.[0-9]+)?")
    }

    /// `xs:base64Binary` (XSD 1.0): groups of four of `A-Z a-z 0-9 + /`,
    /// the last ending in `=` or `==` whose character before carries no
    /// unused bits; white space anywhere, not empty (FHIR).
    pub fn base64(s: &str) -> Check {
        let data: Vec<u8> = s.bytes().filter(|&b| !is_xml_space(b)).collect();
        if data.is_empty() {
            return Err("it is empty".to_owned());
        }
        let body = data.iter().take_while(|&&b| b != b'=').count();
        let alphabet = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
        if !(data[..body].iter().all(alphabet) && data[body..].iter().all(|&b| b == b'=')) {
            return Err(
                "it has characters other than A-Z a-z 0-9 + / and a final = or ==".to_owned(),
            );
        }
        let padding = data.len() - body;
        if !data.len().is_multiple_of(4) || padding > 2 {
            return Err("it is not whole groups of four characters".to_owned());
        }
        // The last character before the padding: with `=` its 2 low bits,
        // with `==` its 4 low bits are unused and must be zero.
        let last = data[body - 1];
        let ok = match padding {
            1 => b"AEIMQUYcgkosw048".contains(&last),
            2 => b"AQgw".contains(&last),
            _ => true,
        };
        rule_with(ok, || {
            format!(
                "`{}` before the padding `{}` has unused bits set",
                char::from(last),
                "=".repeat(padding)
            )
        })
    }

    const DATE: &str = "the form is YYYY, YYYY-MM or YYYY-MM-DD";
    const DATE_TIME: &str =
        "the form is YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.s+) and a time zone (Z or +hh:mm or -hh:mm)";
    const INSTANT: &str =
        "the form is YYYY-MM-DDThh:mm:ss(.s+) and a time zone (Z or +hh:mm or -hh:mm)";
    const TIME: &str = "the form is hh:mm:ss(.s+)";

    /// A position in the text being checked, and the form it must have.
    struct Cursor<'a> {
        rest: &'a [u8],
        form: &'static str,
    }

    impl<'a> Cursor<'a> {
        fn new(s: &'a str, form: &'static str) -> Self {
            Cursor {
                rest: s.as_bytes(),
                form,
            }
        }

        fn wrong(&self) -> String {
            self.form.to_owned()
        }

        fn eat(&mut self, b: u8) -> bool {
            if self.rest.first() == Some(&b) {
                self.rest = &self.rest[1..];
                true
            } else {
                false
            }
        }

        fn expect(&mut self, b: u8) -> Check {
            rule(self.eat(b), self.form)
        }

        /// Exactly `n` digits, as a number.
        fn digits(&mut self, n: usize) -> Result<u32, String> {
            if self.rest.len() < n || !self.rest[..n].iter().all(u8::is_ascii_digit) {
                return Err(self.wrong());
            }
            let v = self.rest[..n]
                .iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            self.rest = &self.rest[n..];
            Ok(v)
        }

        /// `(.[0-9]+)?`
        fn fraction(&mut self) -> Check {
            if self.eat(b'.') {
                let n = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
                self.rest = &self.rest[n..];
                return rule(n > 0, self.form);
            }
            Ok(())
        }

        fn end(&self) -> Check {
            rule(self.rest.is_empty(), self.form)
        }
    }

    /// Whether `year` (as written, so `-0004` is -4) is a Gregorian leap year.
    pub fn is_leap(year: i32) -> bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days of `month` (1–12) in `year`.
    pub fn days_in_month(year: i32, month: u32) -> u32 {
        match month {
            2 if is_leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];

    /// `-?YYYY(-MM(-DD)?)?`: how many parts were given (1 to 3).
    fn year_month_day(c: &mut Cursor) -> Result<usize, String> {
        let negative = c.eat(b'-');
        let y = c.digits(4)?;
        if y == 0 {
            return Err("there is no year 0000 (XSD 1.0)".to_owned());
        }
        let year = if negative { -(y as i32) } else { y as i32 };
        if !c.eat(b'-') {
            return Ok(1);
        }
        let month = c.digits(2)?;
        if !(1..=12).contains(&month) {
            return Err(format!("month {month:02} is not 01 to 12"));
        }
        if !c.eat(b'-') {
            return Ok(2);
        }
        let day = c.digits(2)?;
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            let written = if negative {
                format!("-{y:04}")
            } else {
                format!("{y:04}")
            };
            return Err(format!(
                "day {day:02} is not 01 to {last}: {} {written} has {last} days",
                MONTHS[month as usize - 1]
            ));
        }
        Ok(3)
    }

    /// `hh:mm:ss(.s+)`, from 00:00:00 to 23:59:59.
    fn time(c: &mut Cursor) -> Check {
        let h = c.digits(2)?;
        c.expect(b':')?;
        let m = c.digits(2)?;
        c.expect(b':')?;
        let s = c.digits(2)?;
        c.fraction()?;
        if h > 23 {
            return Err(format!(
                "hour {h:02} is not 00 to 23 (DSTU2 has no 24:00:00)"
            ));
        }
        if m > 59 {
            return Err(format!("minute {m:02} is not 00 to 59"));
        }
        if s > 59 {
            return Err(format!(
                "second {s:02} is not 00 to 59 (DSTU2 has no leap second)"
            ));
        }
        Ok(())
    }

    /// `Z` or `±hh:mm`, from -14:00 to +14:00.
    fn zone(c: &mut Cursor) -> Check {
        if c.eat(b'Z') {
            return Ok(());
        }
        let sign = if c.eat(b'+') {
            '+'
        } else if c.eat(b'-') {
            '-'
        } else {
            return Err(c.wrong());
        };
        let h = c.digits(2)?;
        c.expect(b':')?;
        let m = c.digits(2)?;
        if m > 59 {
            return Err(format!("the time-zone minute {m:02} is not 00 to 59"));
        }
        rule_with(h < 14 || (h, m) == (14, 0), || {
            format!("the time-zone offset {sign}{h:02}:{m:02} is outside -14:00 to +14:00")
        })
    }

    pub fn date(s: &str) -> Check {
        let mut c = Cursor::new(s, DATE);
        year_month_day(&mut c)?;
        c.end()
    }

    pub fn date_time(s: &str) -> Check {
        let mut c = Cursor::new(s, DATE_TIME);
        if year_month_day(&mut c)? == 3 && c.eat(b'T') {
            time(&mut c)?;
            zone(&mut c)?;
        }
        c.end()
    }

    pub fn instant(s: &str) -> Check {
        let mut c = Cursor::new(s, INSTANT);
        if year_month_day(&mut c)? != 3 {
            return Err(c.wrong());
        }
        c.expect(b'T')?;
        time(&mut c)?;
        zone(&mut c)?;
        c.end()
    }

    pub fn time_of_day(s: &str) -> Check {
        let mut c = Cursor::new(s, TIME);
        time(&mut c)?;
        c.end()
    }

    /// `[^\s]+(\s[^\s]+)*`, `\s` being XML white space.
    pub fn code(s: &str) -> Check {
        let b = s.as_bytes();
        rule(
            !b.is_empty()
                && !is_xml_space(b[0])
                && !is_xml_space(b[b.len() - 1])
                && !b
                    .windows(2)
                    .any(|w| is_xml_space(w[0]) && is_xml_space(w[1])),
            "it is not empty and has no white space at either end or twice in a row",
        )
    }

    /// A byte allowed in every part of a URI: unreserved, a sub-delimiter,
    /// or one that escaping makes legal (non-ASCII, controls and
    /// `<>"{}|\^` and the backtick).
    const URI_ANYWHERE: u8 = 1;
    /// `:`, allowed in some parts.
    const COLON: u8 = 2;
    /// `@`, allowed in some parts.
    const AT: u8 = 4;
    /// `/`, allowed in some parts.
    const SLASH: u8 = 8;
    /// `?`, allowed in some parts.
    const QUESTION: u8 = 16;
    /// `#`, which starts the fragment.
    const HASH: u8 = 32;
    /// White space as `char::is_whitespace` has it in ASCII: tab to carriage
    /// return, and space.
    const WHITE: u8 = 64;
    /// A byte that needs the full check: `%`, `[`, `]`, and any byte no
    /// part allows.
    const OTHER: u8 = 128;

    /// The class bits of each byte, for [`uri`].
    static URI_CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            let escaped = c < 0x20
                || c >= 0x7F
                || matches!(
                    c,
                    b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`'
                );
            let unreserved = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
            let sub_delim = matches!(
                c,
                b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
            );
            if escaped || unreserved || sub_delim {
                t[b] = URI_ANYWHERE;
            }
            t[b] |= match c {
                b':' => COLON,
                b'@' => AT,
                b'/' => SLASH,
                b'?' => QUESTION,
                b'#' => HASH,
                _ => 0,
            };
            if matches!(c, b'\t'..=b'\r' | b' ') {
                t[b] |= WHITE;
            }
            if t[b] == 0 || matches!(c, b'%' | b'[' | b']') {
                t[b] |= OTHER;
            }
            b += 1;
        }
        t
    };

    /// An RFC 3986 URI reference once every character it does not allow
    /// (non-ASCII, controls, `<>"{}|\^`'` and space) is %-escaped, as
    /// `xs:anyURI` is (XSD 1.0, after XLink); no white space (FHIR).
    pub fn uri(s: &str) -> Check {
        if s.is_empty() {
            return Err("it is empty".to_owned());
        }
        // The classes of all the bytes, in one pass.
        let seen = s
            .bytes()
            .fold(0, |seen, b| seen | URI_CLASS[usize::from(b)]);
        let white = if s.is_ascii() {
            seen & WHITE != 0
        } else {
            s.chars().any(char::is_whitespace)
        };
        if white {
            return Err("it has white space".to_owned());
        }
        // Each part as a run of allowed bytes and %HH escapes; `extra` is
        // the class bits (`COLON`, `AT`, ...) the part allows besides
        // `URI_ANYWHERE`.
        // With nothing but bytes allowed anywhere, `:` and `/` (the usual
        // URL), every part the checks below split off is such a run.
        let plain = seen & (AT | QUESTION | HASH | OTHER) == 0;
        let run = |part: &[u8], extra: u8| -> bool {
            if plain {
                return true;
            }
            let allowed = URI_ANYWHERE | extra;
            let mut i = 0;
            while i < part.len() {
                let b = part[i];
                if b == b'%' {
                    if !(part.len() > i + 2
                        && part[i + 1].is_ascii_hexdigit()
                        && part[i + 2].is_ascii_hexdigit())
                    {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                if URI_CLASS[usize::from(b)] & allowed == 0 {
                    return false;
                }
                i += 1;
            }
            true
        };
        let bytes = s.as_bytes();
        // The first `class` byte of `part`, looked for only when present.
        let first = |part: &[u8], class: u8, byte: u8| {
            (seen & class != 0)
                .then(|| part.iter().position(|&b| b == byte))
                .flatten()
        };
        let (rest, fragment) = match first(bytes, HASH, b'#') {
            Some(i) => (&bytes[..i], Some(&bytes[i + 1..])),
            None => (bytes, None),
        };
        let (rest, query) = match first(rest, QUESTION, b'?') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let colon = first(rest, COLON, b':');
        let broken = |what: &str| Err(format!("it is not a URI reference (RFC 3986): {what}"));
        for (part, what) in [(fragment, "the fragment"), (query, "the query")] {
            if part.is_some_and(|p| !run(p, COLON | AT | SLASH | QUESTION)) {
                return broken(&format!(
                    "{what} has a character that is not allowed there or a broken %-escape"
                ));
            }
        }
        // A colon before the first slash ends a scheme.
        let hier = match colon {
            Some(c) if first(&rest[..c], SLASH, b'/').is_none() => {
                let scheme = &rest[..c];
                let ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
                    && scheme
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
                if !ok {
                    return broken("what comes before the first `:` is not a scheme");
                }
                &rest[c + 1..]
            }
            _ => rest,
        };
        let path = match hier.strip_prefix(b"//") {
            Some(after) => {
                let end = after.iter().position(|&b| b == b'/').unwrap_or(after.len());
                let authority = &after[..end];
                let (userinfo, host_port) = match first(authority, AT, b'@') {
                    Some(i) => (&authority[..i], &authority[i + 1..]),
                    None => (&authority[..0], authority),
                };
                let (host, port) = if host_port.first() == Some(&b'[') {
                    let Some(close) = host_port.iter().position(|&b| b == b']') else {
                        return broken("an IP literal has no `]`");
                    };
                    let literal = &host_port[1..close];
                    if literal.is_empty() || !run(literal, COLON) || literal.contains(&b'%') {
                        return broken("the IP literal");
                    }
                    (&host_port[..0], &host_port[close + 1..])
                } else {
                    match host_port.iter().position(|&b| b == b':') {
                        Some(i) => (&host_port[..i], &host_port[i..]),
                        None => (host_port, &host_port[..0]),
                    }
                };
                let port_ok = port.is_empty()
                    || (port[0] == b':' && port[1..].iter().all(u8::is_ascii_digit));
                if !run(userinfo, COLON) || !run(host, 0) || !port_ok {
                    return broken("the authority (user@host:port)");
                }
                &after[end..]
            }
            None => hier,
        };
        if !run(path, COLON | AT | SLASH) {
            return broken(
                "the path has a character that is not allowed there or a broken %-escape",
            );
        }
        Ok(())
    }

    pub fn oid(s: &str) -> Check {
        let form = "the form is urn:oid:[0-2](.[1-9][0-9]*)+";
        let Some(rest) = s.strip_prefix("urn:oid:") else {
            return Err(form.to_owned());
        };
        let mut parts = rest.split('.');
        let first_ok = matches!(parts.next(), Some("0" | "1" | "2"));
        let mut count = 0;
        let rest_ok = parts.all(|p| {
            count += 1;
            !p.is_empty() && !p.starts_with('0') && p.bytes().all(|b| b.is_ascii_digit())
        });
        rule(first_ok && rest_ok && count > 0, form)
    }

    pub fn uuid(s: &str) -> Check {
        let form = "the form is urn:uuid: and a lower-case UUID (8-4-4-4-12 hexadecimal digits)";
        let Some(rest) = s.strip_prefix("urn:uuid:") else {
            return Err(form.to_owned());
        };
        let groups: Vec<&str> = rest.split('-').collect();
        rule(
            groups.len() == 5
                && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
                    g.len() == n
                        && g.bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                }),
            form,
        )
    }
}

/// Whether `year` is a leap year of the Gregorian calendar, applied to the
/// year as written (`-0004` is a leap year), as the date types check it.
pub fn is_leap_year(year: i32) -> bool {
    lex::is_leap(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_published_examples_use() {
        assert!(Instant::new("2015-07-04T09:10:14+00:00").is_ok());
        assert!(DateTime::new("2015-02-04").is_ok());
        assert!(Date::new("2005-01-01").is_ok());
        assert!(Id::new("13daadee-26e1-4d6a-9e6a-7f4af9b58877").is_ok());
        assert!(Uri::new("urn:nhs:addressing:asid:047192794544").is_ok());
        assert!(Code::new("fatal-error").is_ok());
    }

    #[test]
    fn keeps_the_lexical_form() {
        assert_eq!(Decimal::new("1.50").unwrap().as_str(), "1.50");
        assert_eq!(
            Instant::new("2015-07-04T09:10:14.1230Z")
                .unwrap()
                .to_string(),
            "2015-07-04T09:10:14.1230Z"
        );
    }

    #[test]
    fn refuses_invalid_forms_with_the_type_named() {
        for (bad, ty) in [
            (Instant::new("2015-07-04").map(|_| ()), "instant"),
            (Instant::new("2015-07-04T09:10:14").map(|_| ()), "instant"),
            (DateTime::new("2015-13-01").map(|_| ()), "dateTime"),
            (DateTime::new("2015-02-04T10:00").map(|_| ()), "dateTime"),
            (Date::new("15-01-01").map(|_| ()), "date"),
            (Decimal::new("01.5").map(|_| ()), "decimal"),
            (Decimal::new("1.").map(|_| ()), "decimal"),
            (Integer::new("2147483648").map(|_| ()), "integer"),
            (PositiveInt::new("0").map(|_| ()), "positiveInt"),
            (Id::new("has space").map(|_| ()), "id"),
            (Id::new("x".repeat(65)).map(|_| ()), "id"),
            (Uri::new("http://x/y ").map(|_| ()), "uri"),
            (Code::new(" ok").map(|_| ()), "code"),
            (Code::new("a  b").map(|_| ()), "code"),
            (FhirString::new("").map(|_| ()), "string"),
            (Boolean::new("True").map(|_| ()), "boolean"),
            (Oid::new("urn:oid:3.1").map(|_| ()), "oid"),
            (Base64Binary::new("abc").map(|_| ()), "base64Binary"),
        ] {
            let err = bad.expect_err(ty);
            assert_eq!(err.fhir_type, ty);
        }
    }

    #[test]
    fn boundaries() {
        assert!(Integer::new("-2147483648").is_ok());
        assert!(Integer::new("0").is_ok());
        assert!(Integer::new("-0").is_ok());
        assert!(UnsignedInt::new("0").is_ok());
        assert!(UnsignedInt::new("00").is_err());
        assert!(Decimal::new("-0.001").is_ok());
        assert!(Time::new("23:59:59.5").is_ok());
        assert!(Time::new("23:59:60").is_err());
        assert!(Time::new("24:00:00").is_err());
        assert!(DateTime::new("2015-02-04T10:00:00+14:00").is_ok());
        assert!(DateTime::new("2015-02-04T10:00:00+14:30").is_err());
        assert!(Oid::new("urn:oid:2.16.840.1.113883").is_ok());
        assert!(Uuid::new("urn:uuid:a76d9bbf-f293-4fb7-ad4c-2851cac77162").is_ok());
        assert!(Base64Binary::new("aGk=").is_ok());
    }

    /// `Ok` or the rule, for each value of one type.
    fn verdicts<T: FromStr<Err = LexicalError>>(values: &[&str]) -> Vec<String> {
        values
            .iter()
            .map(|v| match v.parse::<T>() {
                Ok(_) => format!("{v}: ok"),
                Err(e) => format!("{v}: {}", e.rule),
            })
            .collect()
    }

    #[test]
    fn no_character_outside_xml_1_0() {
        for bad in [
            "Trust\u{1}\u{0}",
            "\u{b}",
            "\u{c}",
            "a\u{1f}",
            "\u{fffe}",
            "x\u{ffff}",
        ] {
            for err in [
                FhirString::new(bad).unwrap_err(),
                Markdown::new(bad).unwrap_err(),
                Code::new(bad).unwrap_err(),
                Uri::new(bad).unwrap_err(),
            ] {
                assert!(err.rule.contains("is not an XML 1.0 character"), "{err}");
            }
        }
        let err = FhirString::new("Trust\u{1}\u{0}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`Trust\\u{1}\\0` is not a valid FHIR string: U+0001 (character 6) is not an XML 1.0 character"
        );
        for good in [
            "\t\n\r",
            "\u{7f}\u{85}",
            "\u{d7ff}",
            "\u{e000}",
            "\u{fffd}",
            "\u{10000}",
            "\u{10ffff}",
        ] {
            assert!(FhirString::new(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn long_values_are_shown_cut() {
        let err = FhirString::new(format!("{}\u{0}", "a".repeat(200))).unwrap_err();
        assert_eq!(err.value.len(), 201, "the value itself is kept whole");
        assert!(err
            .to_string()
            .starts_with(&format!("`{}… (201 characters)`", "a".repeat(100))));
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert_eq!(
            verdicts::<Date>(&[
                "2023-02-31",
                "2023-02-29",
                "2024-02-29",
                "1900-02-29",
                "2000-02-29",
                "2023-04-31",
                "2023-12-31",
                "2023-00",
                "2023-13",
                "0000",
                "-0001",
                "-0004-02-29",
                "-0001-02-29",
                "2023-01-00"
            ]),
            [
                "2023-02-31: day 31 is not 01 to 28: February 2023 has 28 days",
                "2023-02-29: day 29 is not 01 to 28: February 2023 has 28 days",
                "2024-02-29: ok",
                "1900-02-29: day 29 is not 01 to 28: February 1900 has 28 days",
                "2000-02-29: ok",
                "2023-04-31: day 31 is not 01 to 30: April 2023 has 30 days",
                "2023-12-31: ok",
                "2023-00: month 00 is not 01 to 12",
                "2023-13: month 13 is not 01 to 12",
                "0000: there is no year 0000 (XSD 1.0)",
                "-0001: ok",
                "-0004-02-29: ok",
                "-0001-02-29: day 29 is not 01 to 28: February -0001 has 28 days",
                "2023-01-00: day 00 is not 01 to 31: January 2023 has 31 days",
            ]
        );
        let err = Date::new("2023-02-31").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`2023-02-31` is not a valid FHIR date: day 31 is not 01 to 28: February 2023 has 28 days"
        );
    }

    #[test]
    fn times_and_zones_are_in_range() {
        assert_eq!(
            verdicts::<Instant>(&[
                "2024-02-29T23:59:59.999+14:00",
                "2024-02-29T00:00:00-14:00",
                "2023-02-29T00:00:00Z",
                "2024-01-01T24:00:00Z",
                "2024-01-01T23:60:00Z",
                "2024-01-01T23:59:60Z",
                "2024-01-01T10:00:00+14:01",
                "2024-01-01T10:00:00-15:00",
                "2024-01-01T10:00:00+05:60",
                "2024-01-01T10:00:00",
                "2024-01-01T10:00Z",
            ]),
            [
                "2024-02-29T23:59:59.999+14:00: ok",
                "2024-02-29T00:00:00-14:00: ok",
                "2023-02-29T00:00:00Z: day 29 is not 01 to 28: February 2023 has 28 days",
                "2024-01-01T24:00:00Z: hour 24 is not 00 to 23 (DSTU2 has no 24:00:00)",
                "2024-01-01T23:60:00Z: minute 60 is not 00 to 59",
                "2024-01-01T23:59:60Z: second 60 is not 00 to 59 (DSTU2 has no leap second)",
                "2024-01-01T10:00:00+14:01: the time-zone offset +14:01 is outside -14:00 to +14:00",
                "2024-01-01T10:00:00-15:00: the time-zone offset -15:00 is outside -14:00 to +14:00",
                "2024-01-01T10:00:00+05:60: the time-zone minute 60 is not 00 to 59",
                "2024-01-01T10:00:00: the form is YYYY-MM-DDThh:mm:ss(.s+) and a time zone (Z or +hh:mm or -hh:mm)",
                "2024-01-01T10:00Z: the form is YYYY-MM-DDThh:mm:ss(.s+) and a time zone (Z or +hh:mm or -hh:mm)",
            ]
        );
        assert!(DateTime::new("2023-02-29T10:00:00Z").is_err());
        assert!(DateTime::new("2023-02-29").is_err());
        assert!(DateTime::new("2024-02-29T10:00:00Z").is_ok());
        assert!(Time::new("00:00:00").is_ok());
        assert!(Time::new("23:59:59.123456789").is_ok());
    }

    #[test]
    fn whole_numbers_in_their_32_bit_ranges() {
        assert_eq!(
            verdicts::<Integer>(&[
                "2147483647",
                "2147483648",
                "-2147483648",
                "-2147483649",
                "+1",
                "007"
            ]),
            [
                "2147483647: ok",
                "2147483648: it is outside 0 to 2147483647 (32 bits)",
                "-2147483648: ok",
                "-2147483649: it is outside -2147483648 to 2147483647 (32 bits)",
                "+1: the form is -?(0|[1-9][0-9]*)",
                "007: the form is -?(0|[1-9][0-9]*)",
            ]
        );
        assert!(UnsignedInt::new("2147483647").is_ok());
        assert!(UnsignedInt::new("2147483648").is_err());
        assert!(UnsignedInt::new("-0").is_err());
        assert!(PositiveInt::new("1").is_ok());
        assert!(PositiveInt::new("2147483647").is_ok());
        assert!(PositiveInt::new("2147483648").is_err());
        assert!(
            PositiveInt::new("+1").is_err(),
            "the DSTU2 schema's pattern has no plus"
        );
    }

    #[test]
    fn base64_as_the_schema_has_it() {
        assert_eq!(
            verdicts::<Base64Binary>(&[
                "aGk=",
                "aGl=",
                "aQ==",
                "aR==",
                "a G k =",
                "\taGk=\n",
                "aGk",
                "",
                " ",
                "a\u{c}Gk="
            ]),
            [
                "aGk=: ok",
                "aGl=: `l` before the padding `=` has unused bits set",
                "aQ==: ok",
                "aR==: `R` before the padding `==` has unused bits set",
                "a G k =: ok",
                "\taGk=\n: ok",
                "aGk: it is not whole groups of four characters",
                ": it is empty",
                " : it is empty",
                "a\u{c}Gk=: U+000C (character 2) is not an XML 1.0 character",
            ]
        );
    }

    #[test]
    fn values_are_escaped_as_rust_escapes_them() {
        let escaped = |v: String| {
            LexicalError {
                fhir_type: "string",
                value: v,
                rule: String::new(),
            }
            .escaped_value()
        };
        for c in (0u8..0x80)
            .map(char::from)
            .chain(['é', '\u{7f}', '\u{300}'])
        {
            let v = format!("a{c}b");
            let expected: String = v.chars().flat_map(char::escape_debug).collect();
            assert_eq!(escaped(v), expected, "{c:?}");
        }
        assert_eq!(escaped("x".repeat(100)), "x".repeat(100));
        assert_eq!(
            escaped("x".repeat(101)),
            format!("{}… (101 characters)", "x".repeat(100))
        );
    }

    #[test]
    fn uris_are_uri_references() {
        for good in [
            "urn:nhs:addressing:asid:047192794544",
            "http://fhir.nhs.net/StructureDefinition/spine-message-bundle-1-0",
            "https://user:pw@host.example:8443/a/b?c=d&e#f/g?h",
            "http://[::1]:80/x",
            "#local",
            "relative/path:with-colon",
            "é%C3%A9",
            "a:",
            "a/b:c",
            "http://host:/p",
            "mailto:a@b",
        ] {
            assert!(Uri::new(good).is_ok(), "{good}");
        }
        for bad in [
            "%zz",
            "a#b#c",
            "12:34",
            "http://a:b:c",
            "x[y]",
            "a b",
            "",
            "http://[::1/x",
            // Plain bytes only (the quick path): the structure still counts.
            "http://host:8x/p",
            "1http://x",
            "-a:b",
            "a\u{b}b",
            "a\u{2003}b",
        ] {
            assert!(Uri::new(bad).is_err(), "{bad}");
        }
        let rule = |s: &str| Uri::new(s).unwrap_err().rule;
        assert_eq!(
            rule("http://host:8x/p"),
            "it is not a URI reference (RFC 3986): the authority (user@host:port)"
        );
        assert_eq!(
            rule("1http://x"),
            "it is not a URI reference (RFC 3986): what comes before the first `:` is not a scheme"
        );
        assert_eq!(rule("a\tb"), "it has white space");
    }

    #[test]
    fn codes_use_xml_white_space() {
        assert!(Code::new("a b").is_ok());
        assert!(Code::new("a\tb").is_ok());
        assert!(
            Code::new("\u{a0}x").is_ok(),
            "no-break space is not XML white space"
        );
        assert!(Code::new("a \tb").is_err());
        assert!(Code::new("a\n").is_err());
    }

    #[test]
    fn xhtml_is_one_div_kept_canonical() {
        let div =
            Xhtml::new("<div xmlns='http://www.w3.org/1999/xhtml'><p>a &amp; b</p></div>").unwrap();
        assert_eq!(
            div.as_str(),
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>a &amp; b</p></div>"
        );
        assert_eq!(
            Xhtml::new(div.as_str()).unwrap(),
            div,
            "the canonical form is its own"
        );
        for bad in [
            "<div>",
            "<div xmlns=\"http://www.w3.org/1999/xhtml\">&nbsp;</div>",
            "<p xmlns=\"http://www.w3.org/1999/xhtml\"/>",
            "<div/>",
            "text",
        ] {
            assert!(Xhtml::new(bad).is_err(), "{bad}");
        }
    }
}
