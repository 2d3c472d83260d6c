//! Errors and warnings of reading and writing: a stable code, the FHIR path,
//! the line and column, and the Spine response code they map to.

use std::fmt;

/// What went wrong (or what was accepted with a warning), as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The input is not well-formed XML (or not UTF-8).
    Malformed,
    /// The input has a document type declaration (entities are never expanded).
    Doctype,
    /// The input is larger, deeper or has more nodes than the limits allow.
    Limit,
    /// An element is not in the FHIR namespace.
    Namespace,
    /// The root element is not what was expected.
    UnexpectedRoot,
    /// An element the type does not define.
    UnknownElement,
    /// An attribute the type does not define.
    UnknownAttribute,
    /// Text content where FHIR allows none.
    UnexpectedText,
    /// A required element or attribute is missing.
    Missing,
    /// An element that may appear once appears again.
    Repeated,
    /// An element is out of canonical order.
    Order,
    /// A value fails the lexical rule of its FHIR type.
    InvalidValue,
    /// A code is not in the required value set.
    UnknownCode,
    /// A fixed value differs.
    Fixed,
    /// A resource claims a profile the definitions do not have, or none fits.
    Profile,
    /// The MessageHeader event code names no interaction.
    UnknownEvent,
    /// The bundle is not a FHIR message as the interaction requires.
    Bundle,
    /// A reference does not resolve inside the message.
    DanglingReference,
    /// A reference points at a resource of a profile the element does not allow.
    ReferenceTarget,
    /// Something the library cannot represent (such as an extension on a primitive).
    Unsupported,
}

impl ErrorCode {
    /// The stable identifier (`FGM-XML-001`-style codes are avoided: these
    /// names are the contract).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Malformed => "malformed",
            ErrorCode::Doctype => "doctype",
            ErrorCode::Limit => "limit",
            ErrorCode::Namespace => "namespace",
            ErrorCode::UnexpectedRoot => "unexpected-root",
            ErrorCode::UnknownElement => "unknown-element",
            ErrorCode::UnknownAttribute => "unknown-attribute",
            ErrorCode::UnexpectedText => "unexpected-text",
            ErrorCode::Missing => "missing",
            ErrorCode::Repeated => "repeated",
            ErrorCode::Order => "order",
            ErrorCode::InvalidValue => "invalid-value",
            ErrorCode::UnknownCode => "unknown-code",
            ErrorCode::Fixed => "fixed-value",
            ErrorCode::Profile => "profile",
            ErrorCode::UnknownEvent => "unknown-event",
            ErrorCode::Bundle => "bundle",
            ErrorCode::DanglingReference => "dangling-reference",
            ErrorCode::ReferenceTarget => "reference-target",
            ErrorCode::Unsupported => "unsupported",
        }
    }

    /// The Spine response code a rejection with this code maps to: every
    /// reading error means the message is not well formed.
    pub fn spine_code(self) -> &'static str {
        "MESSAGE_NOT_WELL_FORMED"
    }

    /// The HTTP status Spine answers such a rejection with.
    pub fn http_status(self) -> u16 {
        400
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error, or (in lenient mode) a warning about something accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// What kind.
    pub code: ErrorCode,
    /// The FHIR path (`Bundle.entry[1].resource.Flag.status`); empty for the
    /// document as a whole.
    pub path: String,
    /// Line (from 1; 0 when unknown).
    pub line: u32,
    /// Column (from 1; 0 when unknown).
    pub column: u32,
    /// What, in one sentence.
    pub message: String,
}

impl Issue {
    /// The Spine response code (`MESSAGE_NOT_WELL_FORMED`).
    pub fn spine_code(&self) -> &'static str {
        self.code.spine_code()
    }

    /// The HTTP status for a rejection (400).
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.code)?;
        if !self.path.is_empty() {
            write!(f, " at {}", self.path)?;
        }
        write!(f, ": {} ({})", self.message, self.spine_code())
    }
}

impl std::error::Error for Issue {}

/// Serialized as its stable identifier ([`ErrorCode::as_str`]).
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Serialized as `{code, path, line, column, message, spine_code,
/// http_status}`: the fields, then the Spine response code and HTTP status
/// a rejection for it gets.
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl serde::Serialize for Issue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Issue", 7)?;
        s.serialize_field("code", &self.code)?;
        s.serialize_field("path", &self.path)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("column", &self.column)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("spine_code", self.spine_code())?;
        s.serialize_field("http_status", &self.http_status())?;
        s.end()
    }
}

/// The error of reading: the first problem that made the input unreadable,
/// an [`Issue`] behind one pointer.
///
/// Boxed so that a [`Result`] stays as small as its value: every `?` of a
/// reader passes one pointer, not the 64-byte issue (which took a sixth of
/// a derived reader's code, and is built only when reading fails). Its
/// fields are the issue's ([`Deref`](std::ops::Deref)); [`Error::into_issue`]
/// takes the issue out.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Issue>);

impl Error {
    /// The issue, out of its box.
    pub fn into_issue(self) -> Issue {
        *self.0
    }
}

impl From<Issue> for Error {
    #[inline]
    fn from(issue: Issue) -> Error {
        Error(Box::new(issue))
    }
}

impl From<Error> for Issue {
    fn from(error: Error) -> Issue {
        error.into_issue()
    }
}

impl std::ops::Deref for Error {
    type Target = Issue;

    fn deref(&self) -> &Issue {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Issue {
        &mut self.0
    }
}

/// Shown as the issue is.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for Error {}

/// Serialized as its issue.
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Result of reading.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A value read, with the departures lenient mode accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    /// The value.
    pub value: T,
    /// Warnings (empty in strict mode).
    pub warnings: Vec<Issue>,
}
