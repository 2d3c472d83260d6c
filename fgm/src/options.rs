//! How to read: the mode and the limits.

/// How strictly to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// FHIR conformance: the FHIR namespace on every element, canonical
    /// element order, nothing the profile does not define.
    Strict,
    /// What Spine is documented to send: a missing or mixed namespace,
    /// elements out of order, content the profile does not define (kept, and
    /// written back) and profile URLs with stray white space, each reported
    /// as a warning.
    #[default]
    Lenient,
}

/// How to read: the mode and the limits that keep hostile input bounded.
///
/// Built from [`ReadOptions::default`] or [`ReadOptions::strict`] and the
/// `with_*` methods (it may gain fields, so it has no struct literal
/// outside this crate):
///
/// ```
/// use fgm::xml::ReadOptions;
///
/// let small = ReadOptions::strict().with_max_bytes(64 * 1024).with_check_references(false);
/// assert_eq!(small.max_bytes, 65_536);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Strict or lenient (default lenient: see docs/reading-and-writing.md).
    pub mode: Mode,
    /// Largest input accepted, in bytes (default 4 MiB; a real FGM message
    /// is a few kilobytes). Values above [`MAX_BYTES`] count as
    /// [`MAX_BYTES`]: the tree keeps positions in 31 bits.
    pub max_bytes: usize,
    /// Deepest element nesting accepted (default 64; FGM messages nest about
    /// 12 deep). Values above [`MAX_DEPTH`] count as [`MAX_DEPTH`]: the XML
    /// parser recurses per level.
    pub max_depth: usize,
    /// Most XML nodes accepted (default 100,000).
    pub max_nodes: u32,
    /// Whether every reference must resolve inside the message (default
    /// true).
    pub check_references: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mode: Mode::Lenient,
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
            max_nodes: 100_000,
            check_references: true,
        }
    }
}

impl ReadOptions {
    /// The defaults in strict mode.
    pub fn strict() -> Self {
        ReadOptions::default().with_mode(Mode::Strict)
    }

    /// With this mode.
    pub fn with_mode(self, mode: Mode) -> Self {
        ReadOptions { mode, ..self }
    }

    /// With this input size limit, in bytes.
    pub fn with_max_bytes(self, max_bytes: usize) -> Self {
        ReadOptions { max_bytes, ..self }
    }

    /// With this nesting limit (at most [`MAX_DEPTH`] counts).
    pub fn with_max_depth(self, max_depth: usize) -> Self {
        ReadOptions { max_depth, ..self }
    }

    /// With this XML node limit.
    pub fn with_max_nodes(self, max_nodes: u32) -> Self {
        ReadOptions { max_nodes, ..self }
    }

    /// Whether every reference must resolve inside the message.
    pub fn with_check_references(self, check_references: bool) -> Self {
        ReadOptions {
            check_references,
            ..self
        }
    }
}

/// The largest input any read accepts (2 GiB less a byte), whatever the
/// options say.
pub const MAX_BYTES: usize = (1 << 31) - 1;

/// The deepest nesting any read accepts, whatever the options say.
pub const MAX_DEPTH: usize = 256;
