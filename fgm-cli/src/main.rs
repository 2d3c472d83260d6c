//! `fgm`: the command line of fgm-rs.
//!
//! ```text
//! fgm generate [--definitions PATH]... --out DIR
//! fgm diff OLD NEW
//! fgm validate [--strict] [--json] FILE...
//! fgm roundtrip [--strict] [--pretty] FILE
//! ```
//!
//! Exit status: 0 success (for `diff`: no API change; for `validate`: every
//! file accepted), 1 API changes found or a file rejected, 2 usage, input or
//! generation error (one line on stderr).
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
    fgm validate [--strict] [--json] FILE...
        Read each message (`-` reads standard input) in lenient mode, or
        strict with --strict; print its warnings, or why it is rejected (Spine
        response code, HTTP status, FHIR path, line:column). --json prints one
        JSON object per file. Exit 0: all accepted; 1: any rejected.
    fgm roundtrip [--strict] [--pretty] FILE
        Read a message and print it as this library writes it.
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
        "validate" => validate(rest),
        "roundtrip" => roundtrip(rest),
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

/// Reads a file, or standard input for `-`.
fn read_input(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| Failure(format!("cannot read standard input: {e}")))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| Failure(format!("cannot read {path}: {e}")))
    }
}

/// `--strict`, `--json`, `--pretty` and the remaining arguments.
struct Flags {
    strict: bool,
    json: bool,
    pretty: bool,
    files: Vec<String>,
}

fn flags(args: &[String], allowed: &[&str], command: &str) -> Result<Flags, Failure> {
    let mut f = Flags {
        strict: false,
        json: false,
        pretty: false,
        files: Vec::new(),
    };
    for arg in args {
        match arg.as_str() {
            a if a.starts_with("--") && !allowed.contains(&a) => {
                return Err(Failure(format!("{command}: unknown option `{a}`")))
            }
            "--strict" => f.strict = true,
            "--json" => f.json = true,
            "--pretty" => f.pretty = true,
            file => f.files.push(file.to_owned()),
        }
    }
    Ok(f)
}

fn options(strict: bool) -> fgm_types::xml::ReadOptions {
    if strict {
        fgm_types::xml::ReadOptions::strict()
    } else {
        fgm_types::xml::ReadOptions::default()
    }
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_issue(i: &fgm_types::xml::Issue) -> String {
    format!(
        "{{\"code\":{},\"path\":{},\"line\":{},\"column\":{},\"message\":{},\"spine_code\":{},\"http_status\":{}}}",
        json_str(i.code.as_str()),
        json_str(&i.path),
        i.line,
        i.column,
        json_str(&i.message),
        json_str(i.spine_code()),
        i.http_status()
    )
}

fn validate(args: &[String]) -> Result<ExitCode, Failure> {
    let f = flags(args, &["--strict", "--json"], "validate")?;
    if f.files.is_empty() {
        return Err(Failure(
            "validate: no file given (usage: fgm validate [--strict] [--json] FILE...)".to_owned(),
        ));
    }
    let mut rejected = false;
    for file in &f.files {
        let input = read_input(file)?;
        let name = if file == "-" { "<stdin>" } else { file };
        match fgm_types::messages::Message::parse_with(&input, &options(f.strict)) {
            Ok(parsed) => {
                let interaction = format!("{:?}", parsed.value.interaction());
                if f.json {
                    let warnings: Vec<String> = parsed.warnings.iter().map(json_issue).collect();
                    println!(
                        "{{\"file\":{},\"accepted\":true,\"interaction\":{},\"warnings\":[{}],\"error\":null}}",
                        json_str(name),
                        json_str(&interaction),
                        warnings.join(",")
                    );
                } else {
                    for w in &parsed.warnings {
                        println!(
                            "{name}: warning: {}:{} {} at {}: {}",
                            w.line,
                            w.column,
                            w.code,
                            if w.path.is_empty() {
                                "(document)"
                            } else {
                                &w.path
                            },
                            w.message
                        );
                    }
                    println!(
                        "{name}: accepted: {interaction}, {} warning{}",
                        parsed.warnings.len(),
                        if parsed.warnings.len() == 1 { "" } else { "s" }
                    );
                }
            }
            Err(e) => {
                rejected = true;
                if f.json {
                    println!(
                        "{{\"file\":{},\"accepted\":false,\"interaction\":null,\"warnings\":[],\"error\":{}}}",
                        json_str(name),
                        json_issue(&e)
                    );
                } else {
                    println!(
                        "{name}: rejected: {} (HTTP {}) at {} {}:{}: {}: {}",
                        e.spine_code(),
                        e.http_status(),
                        if e.path.is_empty() {
                            "(document)"
                        } else {
                            &e.path
                        },
                        e.line,
                        e.column,
                        e.code,
                        e.message
                    );
                }
            }
        }
    }
    Ok(if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn roundtrip(args: &[String]) -> Result<ExitCode, Failure> {
    let f = flags(args, &["--strict", "--pretty"], "roundtrip")?;
    let [file] = f.files.as_slice() else {
        return Err(Failure(
            "roundtrip: expected one file (usage: fgm roundtrip [--strict] [--pretty] FILE)"
                .to_owned(),
        ));
    };
    let input = read_input(file)?;
    match fgm_types::messages::Message::parse_with(&input, &options(f.strict)) {
        Ok(parsed) => {
            for w in &parsed.warnings {
                eprintln!("{file}: warning: {w}");
            }
            print!(
                "{}",
                parsed.value.to_xml_with(&fgm_types::xml::WriteOptions {
                    pretty: f.pretty,
                    declaration: true,
                })
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("{file}: rejected: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
