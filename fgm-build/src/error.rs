//! The one error type of the generator.

use std::fmt;
use std::path::PathBuf;

use crate::model::{Pos, Source};

/// Why generation failed: what, in which file, at which element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The definition file concerned, if any.
    pub file: Option<PathBuf>,
    /// Where in that file.
    pub pos: Option<Pos>,
    /// The FHIR element path (`Flag.code.coding`) or definition URL concerned.
    pub element: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Error {
    /// An error not tied to a file.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            file: None,
            pos: None,
            element: None,
            message: message.into(),
        }
    }

    /// An error at a place in a definition file.
    pub fn at(source: &Source, message: impl Into<String>) -> Self {
        Error {
            file: Some(source.file.clone()),
            pos: Some(source.pos),
            element: None,
            message: message.into(),
        }
    }

    /// The same error, naming the element (path or URL) it concerns.
    pub fn element(mut self, element: impl Into<String>) -> Self {
        self.element = Some(element.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(pos) = self.pos {
                write!(f, ":{pos}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(element) = &self.element {
            write!(f, "{element}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Result with the generator's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
