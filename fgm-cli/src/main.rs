//! `fgm`: the command line of fgm-rs.
//!
//! ```text
//! fgm generate [--definitions PATH]... --out DIR
//! fgm diff OLD NEW
//! ```
//!
//! Exit status: 0 success (for `diff`: no API change), 1 API changes found,
//! 2 usage, input or generation error (one line on stderr).
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use fgm_codegen::{Config, DefinitionFile};

const USAGE: &str = "\
fgm: typed Rust for the NHS Spine FGM RIS FHIR messaging API

USAGE:
    fgm generate [--definitions PATH]... --out DIR
        Generate the Rust types (DIR/fgm.rs) from definition folders or files,
        later ones overriding earlier ones by canonical URL (default: the
        definitions embedded in this build). Repairs are reported on stderr.
    fgm diff OLD NEW
        Print the public-API changes between two definition sets. Each side is
        a folder or file, or several joined with commas (PATH,PATH,...);
        `@embedded` stands for the embedded definitions.
        Exit 0: no changes; 1: changes printed.
    fgm help
        Print this help.
";

/// A usage or runtime failure: printed on one line, exit status 2.
struct Failure(String);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("fgm: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure("no command given (try `fgm help`)".to_owned()));
    };
    match command.as_str() {
        "generate" => generate(rest),
        "diff" => diff(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        "--version" | "-V" => {
            println!("fgm {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        other => Err(Failure(format!(
            "unknown command `{other}` (try `fgm help`)"
        ))),
    }
}

/// The definitions embedded in `fgm-types`.
fn embedded() -> Vec<DefinitionFile> {
    fgm_types::definitions::FILES
        .iter()
        .map(|(path, text)| DefinitionFile {
            path: PathBuf::from("definitions").join(path),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Adds one definition source (`@embedded`, or a path) to a run.
fn add_source(config: &mut Config, source: &str) -> Result<(), Failure> {
    if source.is_empty() {
        return Err(Failure("an empty definitions path".to_owned()));
    }
    if source == "@embedded" {
        config.definition_files(embedded());
    } else {
        config.definitions(source);
    }
    Ok(())
}

fn generate(args: &[String]) -> Result<ExitCode, Failure> {
    let mut config = Config::new();
    let mut out: Option<PathBuf> = None;
    let mut any = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Failure(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--definitions" => {
                add_source(&mut config, &value("--definitions")?)?;
                any = true;
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            other => {
                return Err(Failure(format!(
                    "generate: unexpected argument `{other}` (usage: fgm generate [--definitions PATH]... --out DIR)"
                )))
            }
        }
    }
    let out = out.ok_or_else(|| {
        Failure("generate: --out DIR is required (usage: fgm generate [--definitions PATH]... --out DIR)".to_owned())
    })?;
    if !any {
        config.definition_files(embedded());
    }
    let generated = config.generate().map_err(|e| Failure(e.to_string()))?;
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure(format!("cannot create {}: {e}", out.display())))?;
    let target = out.join(fgm_codegen::OUT_FILE);
    std::fs::write(&target, &generated.source)
        .map_err(|e| Failure(format!("cannot write {}: {e}", target.display())))?;
    eprint!("{}", generated.report);
    let profiles = generated.api.profiles.len();
    let enums = generated.api.value_sets.len();
    eprintln!(
        "fgm: wrote {} ({profiles} profiles, {enums} value-set enums, {} repairs)",
        target.display(),
        generated.report.repairs.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn api_of(side: &str) -> Result<fgm_codegen::api::Api, Failure> {
    let mut config = Config::new();
    for source in side.split(',') {
        add_source(&mut config, source)?;
    }
    config
        .plan()
        .map(|(api, _, _)| api)
        .map_err(|e| Failure(e.to_string()))
}

fn diff(args: &[String]) -> Result<ExitCode, Failure> {
    let [old, new] = args else {
        return Err(Failure(
            "diff: expected two definition sets (usage: fgm diff OLD NEW)".to_owned(),
        ));
    };
    let changes = fgm_codegen::diff::diff(&api_of(old)?, &api_of(new)?);
    for line in &changes {
        println!("{line}");
    }
    Ok(if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
