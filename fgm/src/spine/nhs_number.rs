//! NHS numbers: ten digits, the last a modulus-11 check digit.

use std::fmt;

/// A valid NHS number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(String);

/// Why a text is not an NHS number.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NhsNumberError {
    /// Not exactly ten ASCII digits.
    Format(String),
    /// The nine leading digits give remainder 1: no check digit exists.
    NoCheckDigit(String),
    /// The last digit is not the check digit of the nine before it.
    CheckDigit {
        /// The number given.
        number: String,
        /// The check digit the nine leading digits call for.
        expected: u8,
    },
}

impl fmt::Display for NhsNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NhsNumberError::Format(s) => write!(
                f,
                "`{s}` is not an NHS number: it must be exactly 10 digits"
            ),
            NhsNumberError::NoCheckDigit(s) => {
                write!(
                    f,
                    "`{s}` is not an NHS number: its first nine digits allow no check digit"
                )
            }
            NhsNumberError::CheckDigit { number, expected } => write!(
                f,
                "`{number}` is not an NHS number: its check digit should be {expected}"
            ),
        }
    }
}

impl std::error::Error for NhsNumberError {}

impl NhsNumber {
    /// The check digit of nine digits (weights 10 down to 2, modulus 11;
    /// 11 gives 0), or `None` when the remainder makes it 10 (no valid number).
    pub fn check_digit(first_nine: &[u8; 9]) -> Option<u8> {
        let sum: u32 = first_nine
            .iter()
            .zip((2..=10).rev())
            .map(|(d, w)| u32::from(*d) * w)
            .sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            d => Some(d as u8),
        }
    }

    /// Checks the format and the check digit.
    pub fn parse(text: &str) -> Result<NhsNumber, NhsNumberError> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(NhsNumberError::Format(text.to_owned()));
        }
        let digits: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
        let first: [u8; 9] = digits[..9].try_into().expect("nine digits");
        match NhsNumber::check_digit(&first) {
            None => Err(NhsNumberError::NoCheckDigit(text.to_owned())),
            Some(d) if d == digits[9] => Ok(NhsNumber(text.to_owned())),
            Some(expected) => Err(NhsNumberError::CheckDigit {
                number: text.to_owned(),
                expected,
            }),
        }
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NhsNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_numbers() {
        assert!(NhsNumber::parse("9999999999").is_ok());
        assert!(NhsNumber::parse("9434765919").is_ok());
        assert_eq!(
            NhsNumber::parse("1234567890"),
            Err(NhsNumberError::NoCheckDigit("1234567890".to_owned()))
        );
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit {
                number: "9434765918".to_owned(),
                expected: 9
            })
        );
        assert!(matches!(
            NhsNumber::parse("943476591"),
            Err(NhsNumberError::Format(_))
        ));
        assert!(matches!(
            NhsNumber::parse("94347659l9"),
            Err(NhsNumberError::Format(_))
        ));
    }
}
