//! The DSTU2 primitive types. Each keeps its lexical form exactly as written
//! (a decimal is never turned into a float, an instant never into a clock
//! time) and can only be built from text that passes the DSTU2 lexical rule
//! for its type. The one exception is lenient reading, which accepts a value
//! that passes once the white space around it is trimmed (Spine sends a
//! profile URL with a trailing space), keeps it as written, and warns.

use std::fmt;
use std::str::FromStr;

/// Text that is not a valid lexical form of a FHIR primitive type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexicalError {
    /// The FHIR type (`dateTime`).
    pub fhir_type: &'static str,
    /// The text refused.
    pub value: String,
}

impl fmt::Display for LexicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a valid FHIR {}", self.value, self.fhir_type)
    }
}

impl std::error::Error for LexicalError {}

macro_rules! primitive {
    ($(#[$doc:meta])* $name:ident = $fhir:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The FHIR type code.
            pub const FHIR_TYPE: &'static str = $fhir;

            /// Checks `value` against the DSTU2 lexical rule and keeps it as written.
            pub fn new(value: impl Into<String>) -> Result<Self, LexicalError> {
                let value = value.into();
                let check: fn(&str) -> bool = $check;
                if check(&value) {
                    Ok($name(value))
                } else {
                    Err(LexicalError { fhir_type: $fhir, value })
                }
            }

            /// A value that is valid once the white space around it is
            /// trimmed, kept as written: what lenient reading accepts.
            #[allow(dead_code)] // unused for `xhtml`, which is read as XML
            pub(crate) fn padded(value: &str) -> Option<Self> {
                let check: fn(&str) -> bool = $check;
                (value != value.trim() && check(value.trim())).then(|| $name(value.to_owned()))
            }

            /// The lexical form.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The lexical form, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = LexicalError;
            fn from_str(s: &str) -> Result<Self, LexicalError> {
                $name::new(s)
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
    Boolean = "boolean", |s| s == "true" || s == "false"
);
primitive!(
    /// FHIR `integer`: a signed 32-bit whole number, no leading zeros.
    Integer = "integer",
    |s| lex::whole(s.strip_prefix('-').unwrap_or(s), true) && s.parse::<i32>().is_ok()
);
primitive!(
    /// FHIR `decimal`, kept as written (`1.50` stays `1.50`).
    Decimal = "decimal", lex::decimal
);
primitive!(
    /// FHIR `base64Binary`.
    Base64Binary = "base64Binary", lex::base64
);
primitive!(
    /// FHIR `instant`: a timestamp to the second or finer, with a time zone.
    Instant = "instant", lex::instant
);
primitive!(
    /// FHIR `string`: any non-empty text.
    FhirString = "string", |s| !s.is_empty()
);
primitive!(
    /// FHIR `uri`: non-empty, without white space.
    Uri = "uri", |s| !s.is_empty()
        && (s.bytes().all(|b| b.is_ascii_graphic()) || !s.chars().any(char::is_whitespace))
);
primitive!(
    /// FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    Date = "date", lex::date
);
primitive!(
    /// FHIR `dateTime`: a date, or a date and time with a time zone.
    DateTime = "dateTime", lex::date_time
);
primitive!(
    /// FHIR `time`: `hh:mm:ss`, optionally with fractions.
    Time = "time", |s| lex::time(&mut lex::Cursor::new(s)).is_some_and(|c| c.done())
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
    Id = "id", |s| (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
);
primitive!(
    /// FHIR `unsignedInt`: 0 to 2,147,483,647.
    UnsignedInt = "unsignedInt", |s| lex::whole(s, true) && s.parse::<i32>().is_ok()
);
primitive!(
    /// FHIR `positiveInt`: 1 to 2,147,483,647.
    PositiveInt = "positiveInt",
    |s| lex::whole(s.strip_prefix('+').unwrap_or(s), false) && s.parse::<i32>().is_ok()
);
primitive!(
    /// FHIR `markdown`: non-empty text.
    Markdown = "markdown", |s| !s.is_empty()
);
primitive!(
    /// FHIR `xhtml`: the narrative `div`, kept as XML text.
    Xhtml = "xhtml", |s| !s.is_empty()
);

/// The lexical rules, written out by hand (no regex engine).
mod lex {
    /// A position in the text being checked.
    pub struct Cursor<'a> {
        rest: &'a [u8],
    }

    impl<'a> Cursor<'a> {
        pub fn new(s: &'a str) -> Self {
            Cursor { rest: s.as_bytes() }
        }

        pub fn done(&self) -> bool {
            self.rest.is_empty()
        }

        fn peek(&self) -> Option<u8> {
            self.rest.first().copied()
        }

        fn eat(&mut self, b: u8) -> bool {
            if self.peek() == Some(b) {
                self.rest = &self.rest[1..];
                true
            } else {
                false
            }
        }

        /// Exactly `n` digits, as a number.
        fn digits(&mut self, n: usize) -> Option<u32> {
            if self.rest.len() < n || !self.rest[..n].iter().all(u8::is_ascii_digit) {
                return None;
            }
            let v = self.rest[..n]
                .iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            self.rest = &self.rest[n..];
            Some(v)
        }

        /// One or more digits.
        fn some_digits(&mut self) -> bool {
            let n = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
            self.rest = &self.rest[n..];
            n > 0
        }
    }

    fn in_range(v: Option<u32>, lo: u32, hi: u32) -> Option<()> {
        v.filter(|v| (lo..=hi).contains(v)).map(|_| ())
    }

    /// `[0]|[1-9][0-9]*` (without `[0]` when `zero` is false).
    pub fn whole(s: &str, zero: bool) -> bool {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" && zero || !s.starts_with('0'))
    }

    pub fn decimal(s: &str) -> bool {
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
        int_ok && frac_ok
    }

    pub fn base64(s: &str) -> bool {
        let data: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let body = data.iter().take_while(|&&b| b != b'=').count();
        !data.is_empty()
            && data.len().is_multiple_of(4)
            && data.len() - body <= 2
            && data[..body]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
            && data[body..].iter().all(|&b| b == b'=')
    }

    fn year_month_day(c: &mut Cursor, need: usize) -> Option<usize> {
        c.eat(b'-');
        c.digits(4)?;
        if !c.eat(b'-') {
            return (need <= 1).then_some(1);
        }
        in_range(c.digits(2), 1, 12)?;
        if !c.eat(b'-') {
            return (need <= 2).then_some(2);
        }
        in_range(c.digits(2), 1, 31)?;
        Some(3)
    }

    /// `hh:mm:ss(.s+)?`.
    pub fn time<'a, 'b>(c: &'b mut Cursor<'a>) -> Option<&'b mut Cursor<'a>> {
        in_range(c.digits(2), 0, 23)?;
        c.eat(b':').then_some(())?;
        in_range(c.digits(2), 0, 59)?;
        c.eat(b':').then_some(())?;
        in_range(c.digits(2), 0, 60)?;
        if c.eat(b'.') && !c.some_digits() {
            return None;
        }
        Some(c)
    }

    fn zone(c: &mut Cursor) -> Option<()> {
        if c.eat(b'Z') {
            return Some(());
        }
        if !(c.eat(b'+') || c.eat(b'-')) {
            return None;
        }
        let h = c.digits(2)?;
        c.eat(b':').then_some(())?;
        let m = c.digits(2)?;
        (h < 14 && m < 60 || h == 14 && m == 0).then_some(())
    }

    pub fn date(s: &str) -> bool {
        let mut c = Cursor::new(s);
        year_month_day(&mut c, 1).is_some() && c.done()
    }

    pub fn date_time(s: &str) -> bool {
        let mut c = Cursor::new(s);
        match year_month_day(&mut c, 1) {
            Some(3) if c.eat(b'T') => time(&mut c).and_then(zone).is_some() && c.done(),
            Some(_) => c.done(),
            None => false,
        }
    }

    pub fn instant(s: &str) -> bool {
        let mut c = Cursor::new(s);
        year_month_day(&mut c, 3).is_some()
            && c.eat(b'T')
            && time(&mut c).and_then(zone).is_some()
            && c.done()
    }

    pub fn code(s: &str) -> bool {
        !s.is_empty()
            && !s.starts_with(char::is_whitespace)
            && !s.ends_with(char::is_whitespace)
            && !s
                .as_bytes()
                .windows(2)
                .any(|w| w[0].is_ascii_whitespace() && w[1].is_ascii_whitespace())
    }

    pub fn oid(s: &str) -> bool {
        let Some(rest) = s.strip_prefix("urn:oid:") else {
            return false;
        };
        let mut parts = rest.split('.');
        let first_ok = matches!(parts.next(), Some("0" | "1" | "2"));
        let mut count = 0;
        let rest_ok = parts.all(|p| {
            count += 1;
            !p.is_empty() && !p.starts_with('0') && p.bytes().all(|b| b.is_ascii_digit())
        });
        first_ok && rest_ok && count > 0
    }

    pub fn uuid(s: &str) -> bool {
        let Some(rest) = s.strip_prefix("urn:uuid:") else {
            return false;
        };
        let groups: Vec<&str> = rest.split('-').collect();
        groups.len() == 5
            && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
                g.len() == n
                    && g.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
    }
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
        assert!(Time::new("23:59:60.5").is_ok());
        assert!(Time::new("24:00:00").is_err());
        assert!(DateTime::new("2015-02-04T10:00:00+14:00").is_ok());
        assert!(DateTime::new("2015-02-04T10:00:00+14:30").is_err());
        assert!(Oid::new("urn:oid:2.16.840.1.113883").is_ok());
        assert!(Uuid::new("urn:uuid:a76d9bbf-f293-4fb7-ad4c-2851cac77162").is_ok());
        assert!(Base64Binary::new("aGk=").is_ok());
    }
}
