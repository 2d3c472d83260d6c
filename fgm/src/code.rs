//! What every generated value-set enum shares, and the open form used for
//! bindings that are not required.

use std::fmt;
use std::str::FromStr;

use crate::primitive::{Code, LexicalError};

/// A code of a value set, as every generated value-set enum implements it.
pub trait ValueSetCode: Copy + Eq + FromStr<Err = UnknownCode> + 'static {
    /// The canonical URL of the value set.
    const VALUE_SET: &'static str;
    /// The code.
    fn code(self) -> &'static str;
    /// Its display text.
    fn display(self) -> &'static str;
    /// Its code system.
    fn system(self) -> &'static str;
}

/// A code that is not in the value set it was read against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// The value set's canonical URL.
    pub value_set: &'static str,
    /// The code refused.
    pub code: String,
}

impl UnknownCode {
    /// The error for `code` read against `value_set`.
    pub fn new(value_set: &'static str, code: &str) -> Self {
        UnknownCode {
            value_set,
            code: code.to_owned(),
        }
    }
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a code of {}", self.code, self.value_set)
    }
}

impl std::error::Error for UnknownCode {}

/// A code under a binding that is not required (extensible, preferred,
/// example): a code of the value set, or any other code kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Open<E> {
    /// A code of the value set.
    Known(E),
    /// Any other code, as written: a valid FHIR `code`, so that it can be
    /// written (a code of the value set here reads back as `Known`).
    Unknown(Code),
}

impl<E: ValueSetCode> Open<E> {
    /// The code as written.
    pub fn code(&self) -> &str {
        match self {
            Open::Known(e) => e.code(),
            Open::Unknown(c) => c.as_str(),
        }
    }

    /// The value-set code, if it is one.
    pub fn known(&self) -> Option<E> {
        match self {
            Open::Known(e) => Some(*e),
            Open::Unknown(_) => None,
        }
    }
}

impl<E: ValueSetCode> From<E> for Open<E> {
    fn from(e: E) -> Self {
        Open::Known(e)
    }
}

impl<E: ValueSetCode> FromStr for Open<E> {
    type Err = LexicalError;
    /// The value-set code, or any other valid `code` as `Unknown`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<E>() {
            Ok(e) => Ok(Open::Known(e)),
            Err(_) => Code::new(s).map(Open::Unknown),
        }
    }
}

impl<E: ValueSetCode> fmt::Display for Open<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::{Open, UnknownCode, ValueSetCode};

    /// A value set of two codes, as a generated enum implements it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Severity {
        Fatal,
        Error,
    }

    impl std::str::FromStr for Severity {
        type Err = UnknownCode;
        fn from_str(code: &str) -> Result<Self, UnknownCode> {
            match code {
                "fatal" => Ok(Severity::Fatal),
                "error" => Ok(Severity::Error),
                _ => Err(UnknownCode::new(Self::VALUE_SET, code)),
            }
        }
    }

    impl ValueSetCode for Severity {
        const VALUE_SET: &'static str = "http://hl7.org/fhir/ValueSet/issue-severity";
        fn code(self) -> &'static str {
            match self {
                Severity::Fatal => "fatal",
                Severity::Error => "error",
            }
        }
        fn display(self) -> &'static str {
            self.code()
        }
        fn system(self) -> &'static str {
            "http://hl7.org/fhir/issue-severity"
        }
    }

    #[test]
    fn an_unknown_code_is_a_valid_code() {
        let parse = |s: &str| s.parse::<Open<Severity>>();
        assert_eq!(parse("fatal"), Ok(Open::Known(Severity::Fatal)));
        let other = parse("FGM-0002").unwrap();
        assert_eq!((other.code(), other.known()), ("FGM-0002", None));
        let err = parse("bad\u{1}").unwrap_err();
        assert_eq!((err.fhir_type, err.value.as_str()), ("code", "bad\u{1}"));
        assert!(parse(" padded").is_err());
    }
}
