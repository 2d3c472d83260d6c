//! `fgm`: the command line of fgm-rs.
//!
//! ```text
//! fgm generate [--definitions PATH]... --out DIR
//! fgm diff OLD NEW
//! fgm validate [--strict] [--json] [--format outcome] FILE...
//! fgm roundtrip [--strict] [--pretty] FILE
//! fgm example INTERACTION | --list
//! ```
//!
//! Exit status: 0 success (for `diff`: no API change; for `validate`: every
//! file accepted), 1 API changes found or a file rejected, 2 usage, input or
//! generation error (one line on stderr).
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use fgm_codegen::{Config, DefinitionFile};
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{respond, Outcome, ValidateOptions, ValidationIssue};

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
    fgm validate [--strict] [--json] [--format outcome] FILE...
        Read each message (`-` reads standard input) in lenient mode, or
        strict with --strict, and check Spine's rules; print the warnings, or
        why it is rejected (Spine response code, HTTP status, FHIR path,
        line:column). --json prints one JSON object per file; --format outcome
        prints the HTTP status and the response Bundle Spine would answer a
        request with. Exit 0: all accepted; 1: any rejected.
    fgm roundtrip [--strict] [--pretty] FILE
        Read a message and print it as this library writes it.
    fgm example INTERACTION
        Print a valid sample message of an interaction, built with the
        builders (`fgm example --list` names the eight).
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
        "example" => example(rest),
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

/// Reads a file, or standard input for `-`: no more than one byte past the
/// reader's size limit, so that an oversized input is refused by the reader
/// without being held in memory whole.
fn read_input(path: &str) -> Result<Vec<u8>, Failure> {
    let limit = fgm_types::xml::ReadOptions::default().max_bytes as u64 + 1;
    let mut buf = Vec::new();
    let read = if path == "-" {
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin(), limit), &mut buf)
    } else {
        std::fs::File::open(path)
            .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, limit), &mut buf))
    };
    match read {
        Ok(_) => Ok(buf),
        Err(e) if path == "-" => Err(Failure(format!("cannot read standard input: {e}"))),
        Err(e) => Err(Failure(format!("cannot read {path}: {e}"))),
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

/// What one file's validation came to.
enum Verdict {
    /// Read, and nothing Spine would reject.
    Accepted(Message, Vec<String>),
    /// Refused by the reader.
    Unreadable(fgm_types::xml::Issue),
    /// Read, but Spine would reject it for these (each with the line and
    /// column its path leads to).
    Rejected(Message, Vec<(ValidationIssue, (u32, u32))>, Vec<String>),
}

fn judge(input: &[u8], strict: bool) -> Verdict {
    match Message::parse_with(input, &options(strict)) {
        Err(e) => Verdict::Unreadable(e),
        Ok(parsed) => {
            let mut warnings: Vec<String> = parsed
                .warnings
                .iter()
                .map(|w| {
                    format!(
                        "{}:{} {} at {}: {}",
                        w.line,
                        w.column,
                        w.code,
                        if w.path.is_empty() {
                            "(document)"
                        } else {
                            &w.path
                        },
                        w.message
                    )
                })
                .collect();
            let issues = fgm_types::spine::validate(&parsed.value, &ValidateOptions::default());
            let (errors, others): (Vec<ValidationIssue>, Vec<ValidationIssue>) =
                issues.into_iter().partition(ValidationIssue::is_error);
            // Findings are located on the XML, read again only when there are any.
            let doc = (!errors.is_empty() || !others.is_empty())
                .then(|| fgm_types::xml::parse_document(input, &options(strict)).ok())
                .flatten();
            let at = |i: &ValidationIssue| {
                doc.as_ref()
                    .and_then(|d| fgm_types::xml::locate(d, &i.path))
                    .unwrap_or((0, 0))
            };
            warnings.extend(others.iter().map(|i| {
                let (line, column) = at(i);
                format!("{line}:{column} {i}")
            }));
            let errors: Vec<_> = errors
                .into_iter()
                .map(|e| {
                    let p = at(&e);
                    (e, p)
                })
                .collect();
            if errors.is_empty() {
                Verdict::Accepted(parsed.value, warnings)
            } else {
                Verdict::Rejected(parsed.value, errors, warnings)
            }
        }
    }
}

fn validate(args: &[String]) -> Result<ExitCode, Failure> {
    let mut args = args.to_vec();
    let mut outcome_format = false;
    if let Some(i) = args.iter().position(|a| a == "--format") {
        match args.get(i + 1).map(String::as_str) {
            Some("outcome") => outcome_format = true,
            Some("text") => {}
            other => {
                return Err(Failure(format!(
                    "validate: --format takes `outcome` or `text`, not `{}`",
                    other.unwrap_or("")
                )))
            }
        }
        args.drain(i..i + 2);
    }
    let f = flags(&args, &["--strict", "--json"], "validate")?;
    if f.files.is_empty() {
        return Err(Failure(
            "validate: no file given (usage: fgm validate [--strict] [--json] [--format outcome] FILE...)".to_owned(),
        ));
    }
    let mut rejected = false;
    for file in &f.files {
        let input = read_input(file)?;
        let name = if file == "-" { "<stdin>" } else { file };
        let verdict = judge(&input, f.strict);
        rejected |= !matches!(verdict, Verdict::Accepted(..));
        if outcome_format {
            print_outcome(name, &input, &verdict);
        } else if f.json {
            print_json(name, &verdict);
        } else {
            print_text(name, &verdict);
        }
    }
    Ok(if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(name: &str, verdict: &Verdict) {
    match verdict {
        Verdict::Accepted(m, warnings) => {
            for w in warnings {
                println!("{name}: warning: {w}");
            }
            println!(
                "{name}: accepted: {:?}, {} warning{}",
                m.interaction(),
                warnings.len(),
                if warnings.len() == 1 { "" } else { "s" }
            );
        }
        Verdict::Unreadable(e) => println!(
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
        ),
        Verdict::Rejected(_, errors, warnings) => {
            for w in warnings {
                println!("{name}: warning: {w}");
            }
            for (e, (line, column)) in errors {
                println!(
                    "{name}: rejected: {} (HTTP {}) at {} {line}:{column}: {}",
                    e.spine_code, e.http_status, e.path, e.message
                );
            }
        }
    }
}

fn print_json(name: &str, verdict: &Verdict) {
    let issue = |code: &str,
                 path: &str,
                 line: u32,
                 column: u32,
                 message: &str,
                 spine: &str,
                 status: u16| {
        format!(
            "{{\"code\":{},\"path\":{},\"line\":{line},\"column\":{column},\"message\":{},\"spine_code\":{},\"http_status\":{status}}}",
            json_str(code),
            json_str(path),
            json_str(message),
            json_str(spine)
        )
    };
    let strings = |v: &[String]| v.iter().map(|s| json_str(s)).collect::<Vec<_>>().join(",");
    let (accepted, interaction, warnings, errors) = match verdict {
        Verdict::Accepted(m, w) => (
            true,
            json_str(&format!("{:?}", m.interaction())),
            strings(w),
            String::new(),
        ),
        Verdict::Unreadable(e) => (
            false,
            "null".to_owned(),
            String::new(),
            issue(
                e.code.as_str(),
                &e.path,
                e.line,
                e.column,
                &e.message,
                e.spine_code(),
                e.http_status(),
            ),
        ),
        Verdict::Rejected(m, errors, w) => (
            false,
            json_str(&format!("{:?}", m.interaction())),
            strings(w),
            errors
                .iter()
                .map(|(e, (line, column))| {
                    issue(
                        "validation",
                        &e.path,
                        *line,
                        *column,
                        &e.message,
                        e.spine_code,
                        e.http_status,
                    )
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
    };
    println!(
        "{{\"file\":{},\"accepted\":{accepted},\"interaction\":{interaction},\"warnings\":[{warnings}],\"errors\":[{errors}]}}",
        json_str(name)
    );
}

/// The response Spine would answer with: for a request that could not be
/// read, its header is taken leniently when possible.
fn print_outcome(name: &str, input: &[u8], verdict: &Verdict) {
    let (request, code, diagnostics) = match verdict {
        Verdict::Accepted(m, _) => (Some(m.clone()), None, None),
        Verdict::Rejected(m, errors, _) => (
            Some(m.clone()),
            Some(errors[0].0.spine_code),
            Some(errors[0].0.message.clone()),
        ),
        Verdict::Unreadable(e) => (
            Message::parse(input).ok().map(|p| p.value),
            Some(e.spine_code()),
            Some(e.to_string()),
        ),
    };
    let Some(request) = request else {
        let e = match verdict {
            Verdict::Unreadable(e) => e.to_string(),
            _ => String::new(),
        };
        println!(
            "{name}: HTTP 400: no response can be addressed to a message that cannot be read: {e}"
        );
        return;
    };
    let outcome = match code {
        Some(code) => Outcome::Error {
            code: code.to_owned(),
            diagnostics,
        },
        None => match request.interaction() {
            Interaction::CreateRequest => Outcome::Created,
            Interaction::DeleteRequest => Outcome::Deleted,
            _ => Outcome::NoRecord,
        },
    };
    match respond(&request, outcome) {
        Ok(reply) => {
            println!("HTTP {}", reply.http_status);
            print!(
                "{}",
                reply.message.to_xml_with(&fgm_types::xml::WriteOptions {
                    pretty: true,
                    declaration: true,
                })
            );
        }
        Err(e) => println!("{name}: no response: {e}"),
    }
}

fn example(args: &[String]) -> Result<ExitCode, Failure> {
    let names: Vec<String> = Interaction::ALL.iter().map(|i| format!("{i:?}")).collect();
    match args {
        [flag] if flag == "--list" => {
            for name in &names {
                println!("{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        [name] => {
            let Some(&interaction) = Interaction::ALL.iter().find(|i| format!("{i:?}") == *name)
            else {
                return Err(Failure(format!(
                    "example: unknown interaction `{name}` (one of: {})",
                    names.join(", ")
                )));
            };
            let message = fgm_types::spine::build::example(interaction)
                .map_err(|e| Failure(format!("example: {e}")))?;
            print!(
                "{}",
                message.to_xml_with(&fgm_types::xml::WriteOptions {
                    pretty: true,
                    declaration: true,
                })
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(Failure(
            "example: expected one interaction or --list (usage: fgm example INTERACTION | --list)"
                .to_owned(),
        )),
    }
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
