//! `fgm-build` turns FHIR DSTU2 profiles (StructureDefinition) and value
//! sets into strongly typed Rust, at build time.
//!
//! The flow is one-way: read the XML definitions → join them in a registry
//! (later folders override earlier ones by canonical URL) → resolve each
//! profile over the base types it names, dropping removed elements and
//! applying the named repairs ([`RepairKind`], reported in a [`Report`]) →
//! plan the Rust API ([`api::Api`]) → emit it through `syn::File` and
//! prettyplease. The stages are private; a build script drives them through
//! [`Config`], and [`diff`] compares the APIs of two definition sets.
//!
//! Use it from a `build.rs`, the way `prost-build` is used:
//!
//! ```no_run
//! // build.rs: the project's DSTU2 base, then NHS's newer profiles, which
//! // override the older ones with the same canonical URL.
//! let generated = fgm_build::Config::new()
//!     .definitions("definitions")
//!     .definitions("nhs-profiles-2026")
//!     .compile()
//!     .expect("FHIR definitions generate");
//! // Each repair of a defect in the definitions, one per line.
//! let report = generated.report.to_string();
//! std::fs::write(std::env::var("OUT_DIR").unwrap() + "/report.txt", report).unwrap();
//! ```
//!
//! and include the result where the types should live:
//!
//! ```ignore
//! include!(concat!(env!("OUT_DIR"), "/fgm.rs"));
//! ```
//!
//! The generated code refers to the runtime types (primitives, `Open`,
//! `NonEmpty`, ...) and derives of the `fgm` crate, at `::fgm` unless
//! [`Config::runtime_path`] says otherwise: a crate that generates its own
//! types depends on `fgm-rs` (library `fgm`; and on `fgm-build` to build).
#![forbid(unsafe_code)]
// On docs.rs: each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod api;
pub mod diff;
mod emit;
mod error;
mod model;
mod naming;
mod plan;
mod read;
mod repair;
mod resolve;

use std::path::{Path, PathBuf};

pub use error::{Error, Result};
pub use model::{Pos, Source};
pub use read::DefinitionFile;
pub use repair::{Repair, RepairKind, Report};

/// The name of the file [`Config::compile`] writes into `OUT_DIR`.
pub const OUT_FILE: &str = "fgm.rs";

/// What one source of definitions is: a path on disk, or text in memory.
#[derive(Debug, Clone)]
enum Input {
    Path(PathBuf),
    Files(Vec<DefinitionFile>),
}

/// A generator run: which definitions, and where the runtime lives.
#[derive(Debug, Clone)]
pub struct Config {
    inputs: Vec<Input>,
    runtime: String,
    out_dir: Option<PathBuf>,
    file_name: String,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

/// The result of a generation run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Generated {
    /// The planned API.
    pub api: api::Api,
    /// The formatted Rust source.
    pub source: String,
    /// Repairs, overrides and skipped files.
    pub report: Report,
    /// Every file read, for `rerun-if-changed`.
    pub files: Vec<PathBuf>,
}

impl Config {
    /// A run with no definitions yet and the runtime at `::fgm`.
    pub fn new() -> Config {
        Config {
            inputs: Vec::new(),
            runtime: "::fgm".to_owned(),
            out_dir: None,
            file_name: OUT_FILE.to_owned(),
        }
    }

    /// Adds a definitions folder (read recursively) or file. Later ones
    /// override earlier ones that define the same canonical URL.
    pub fn definitions(&mut self, path: impl AsRef<Path>) -> &mut Config {
        self.inputs.push(Input::Path(path.as_ref().to_path_buf()));
        self
    }

    /// Adds definitions held in memory (embedded in a binary, say).
    pub fn definition_files(
        &mut self,
        files: impl IntoIterator<Item = DefinitionFile>,
    ) -> &mut Config {
        self.inputs.push(Input::Files(files.into_iter().collect()));
        self
    }

    /// The Rust path of the runtime crate the generated code uses
    /// (default `::fgm`; `crate` inside `fgm` itself).
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Config {
        self.runtime = path.into();
        self
    }

    /// Where [`Config::compile`] writes (default: `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Config {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The file name [`Config::compile`] writes (default [`OUT_FILE`]).
    pub fn file_name(&mut self, name: impl Into<String>) -> &mut Config {
        self.file_name = name.into();
        self
    }

    /// Reads the definitions and plans the API, without emitting code.
    pub fn plan(&self) -> Result<(api::Api, Report, Vec<PathBuf>)> {
        self.read()?.plan()
    }

    /// Reads the definitions (each file's XML into its definition), without
    /// joining, resolving or planning them: see [`ReadDefinitions`].
    pub fn read(&self) -> Result<ReadDefinitions> {
        let mut files = Vec::new();
        for input in &self.inputs {
            match input {
                Input::Path(p) => files.extend(read::read_paths(std::slice::from_ref(p))?),
                Input::Files(f) => files.extend(f.iter().cloned()),
            }
        }
        if files.is_empty() {
            return Err(Error::new("no definition files given"));
        }
        let mut read = ReadDefinitions {
            defs: model::Definitions::default(),
            report: Report::default(),
            files: Vec::new(),
        };
        for file in &files {
            read.read_file(file)?;
        }
        Ok(read)
    }

    /// Reads, plans and emits.
    pub fn generate(&self) -> Result<Generated> {
        if syn::parse_str::<syn::Path>(&self.runtime).is_err() && self.runtime != "crate" {
            return Err(Error::new(format!(
                "runtime path `{}` is not a Rust path",
                self.runtime
            )));
        }
        let (api, report, files) = self.plan()?;
        let source = emit::emit(&api, &self.runtime);
        Ok(Generated {
            api,
            source,
            report,
            files,
        })
    }

    /// For `build.rs`: generates, writes the source into the output folder
    /// (default `$OUT_DIR`), and tells Cargo to rerun when a definition
    /// changes. Returns what was generated, with the report.
    pub fn compile(&self) -> Result<Generated> {
        let generated = self.generate()?;
        let dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| {
                Error::new(
                    "OUT_DIR is not set: call compile() from a build script, or set out_dir()",
                )
            })?),
        };
        let target = dir.join(&self.file_name);
        std::fs::write(&target, &generated.source)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", target.display())))?;
        for input in &self.inputs {
            if let Input::Path(p) = input {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
        for file in &generated.files {
            if file.exists() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
        Ok(generated)
    }
}

/// Definition files read, not yet joined, resolved or planned
/// ([`Config::read`]). Reading is most of the work of [`Config::plan`] for
/// the project's definitions: a tool that plans the same definitions many
/// times with one file more each (the `definitions` fuzz target) reads them
/// once, then clones these and reads the extra file into the clone.
#[derive(Debug, Clone)]
pub struct ReadDefinitions {
    defs: model::Definitions,
    report: Report,
    files: Vec<PathBuf>,
}

impl ReadDefinitions {
    /// Reads one more file, after (so overriding) those read already.
    /// Returns whether it holds a definition or the manifest: `false` for
    /// any other XML, which the report lists as skipped.
    pub fn read_file(&mut self, file: &DefinitionFile) -> Result<bool> {
        let definition = match read::parse_file(file)? {
            read::Parsed::Structure(sd) => {
                self.defs.structures.push(sd);
                true
            }
            read::Parsed::ValueSet(vs) => {
                self.defs.value_sets.push(vs);
                true
            }
            read::Parsed::Manifest(m) => {
                self.defs.manifests.push(m);
                true
            }
            read::Parsed::Other(root) => {
                self.report.skipped.push((file.path.clone(), root));
                false
            }
        };
        self.files.push(file.path.clone());
        Ok(definition)
    }

    /// Joins, resolves and plans what was read, as [`Config::plan`] does.
    pub fn plan(self) -> Result<(api::Api, Report, Vec<PathBuf>)> {
        let ReadDefinitions {
            defs,
            mut report,
            files,
        } = self;
        if defs.structures.is_empty() && defs.value_sets.is_empty() {
            return Err(Error::new(format!(
                "no StructureDefinition or ValueSet among the {} definition file{} given",
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            )));
        }
        let registry = resolve::Registry::new(defs, &mut report)?;
        let resolved = resolve::resolve(&registry, &mut report)?;
        let api = plan::plan(&resolved)?;
        Ok((api, report, files))
    }
}
