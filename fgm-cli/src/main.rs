//! `fgm`: the command line of fgm-rs.
//!
//! ```text
//! fgm generate [--definitions PATH]... --out DIR
//! fgm diff OLD NEW
//! fgm validate [--strict] [--json | --format text|json|outcome] FILE...
//! fgm roundtrip [--strict] [--pretty] FILE
//! fgm example INTERACTION | --list
//! fgm completions bash|zsh|fish|elvish|powershell
//! ```
//!
//! Exit status: 0 success (for `diff`: no API change; for `validate`: every
//! file accepted), 1 API changes found or a file rejected, 2 usage, input or
//! generation error. A usage error prints clap's message and usage; an input
//! or generation error prints one line, `fgm: ...`, on stderr. A standard
//! output closed by its reader (`fgm example CreateRequest | head -1`) ends
//! the output quietly; the status is the one the command would have had.
#![forbid(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use fgm_codegen::{Config, DefinitionFile};
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{respond, Outcome, ValidateOptions, ValidationIssue};

/// Typed Rust for the NHS Spine FGM RIS FHIR messaging API.
#[derive(Debug, Parser)]
#[command(name = "fgm", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the Rust types (DIR/fgm.rs) from FHIR definitions.
    ///
    /// Definition folders or files are read in order, later ones overriding
    /// earlier ones by canonical URL (default: the definitions embedded in
    /// this build; `@embedded` names them among others). Input holding no
    /// StructureDefinition or ValueSet is refused. Repairs are reported on
    /// stderr.
    Generate {
        /// A definitions folder (read recursively) or file; repeatable.
        #[arg(long, value_name = "PATH")]
        definitions: Vec<PathBuf>,
        /// The folder to write fgm.rs into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Print the public-API changes between two definition sets.
    ///
    /// Each side is a folder or file, or several joined with commas
    /// (PATH,PATH,...); `@embedded` stands for the embedded definitions.
    /// Exit 0: no changes; 1: changes printed.
    Diff {
        /// The older definition set.
        old: OsString,
        /// The newer definition set.
        new: OsString,
    },
    /// Read messages and check Spine's rules.
    ///
    /// Each file (`-` reads standard input) is read in lenient mode, or
    /// strict with --strict, and checked; every file is checked, and one
    /// that cannot be read is reported among the results. Prints the
    /// warnings, or why a message is rejected (Spine response code, HTTP
    /// status, FHIR path, line:column). Exit 0: all accepted; 1: any
    /// rejected; 2: any file could not be read.
    Validate {
        /// Read in strict mode: refuse what lenient mode warns about.
        #[arg(long)]
        strict: bool,
        /// Print one JSON object per file (the same as `--format json`).
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// What to print for each file.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The messages to check (`-`: standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Read a message and print it as this library writes it.
    Roundtrip {
        /// Read in strict mode.
        #[arg(long)]
        strict: bool,
        /// Indent the output.
        #[arg(long)]
        pretty: bool,
        /// The message (`-`: standard input).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print a valid sample message of an interaction, built with the builders.
    Example {
        /// The interaction (`fgm example --list` names the eight).
        #[arg(required_unless_present = "list", conflicts_with = "list")]
        interaction: Option<String>,
        /// List the interactions.
        #[arg(long)]
        list: bool,
    },
    /// Print a shell completion script (`fgm completions bash > /etc/bash_completion.d/fgm`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// What `fgm validate` prints for each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Lines of text: warnings, then accepted or each rejection.
    Text,
    /// One JSON object per file (schema in the README).
    Json,
    /// The HTTP status and the response Bundle Spine would answer a request with.
    Outcome,
}

/// An input, generation or output failure: printed on one line, exit status 2.
struct Failure(String);

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout, usage errors to stderr; either
            // may be closed, which is no reason to panic.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let mut out = Out::default();
    match run(cli.command, &mut out) {
        Ok(code) => code,
        Err(Failure(message)) => {
            let _ = writeln!(std::io::stderr(), "fgm: {message}");
            ExitCode::from(2)
        }
    }
}

/// Standard output. Once its reader has closed it, the rest of the output
/// is dropped and the command goes on to its usual status.
#[derive(Default)]
struct Out {
    closed: bool,
}

impl Out {
    /// Writes `text` (and flushes, so that a closed pipe shows at once).
    fn print(&mut self, text: &str) -> Result<(), Failure> {
        if self.closed {
            return Ok(());
        }
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(Failure(format!("cannot write to standard output: {e}"))),
        }
    }

    /// Writes `line` and a newline.
    fn line(&mut self, line: &str) -> Result<(), Failure> {
        self.print(&format!("{line}\n"))
    }
}

/// Writes a line on stderr; a closed stderr is ignored.
fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn run(command: Command, out: &mut Out) -> Result<ExitCode, Failure> {
    match command {
        Command::Generate {
            definitions,
            out: dir,
        } => generate(&definitions, &dir),
        Command::Diff { old, new } => diff(&old, &new, out),
        Command::Validate {
            strict,
            json,
            format,
            files,
        } => {
            let format = if json { Format::Json } else { format };
            validate(&files, strict, format, out)
        }
        Command::Roundtrip {
            strict,
            pretty,
            file,
        } => roundtrip(&file, strict, pretty, out),
        Command::Example { interaction, list } => example(interaction.as_deref(), list, out),
        Command::Completions { shell } => {
            // Generated into memory: clap_complete panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "fgm", &mut script);
            out.print(&String::from_utf8_lossy(&script))?;
            Ok(ExitCode::SUCCESS)
        }
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
fn add_source(config: &mut Config, source: &Path) -> Result<(), Failure> {
    if source.as_os_str().is_empty() {
        return Err(Failure("an empty definitions path".to_owned()));
    }
    if source.as_os_str() == "@embedded" {
        config.definition_files(embedded());
    } else {
        config.definitions(source);
    }
    Ok(())
}

fn generate(definitions: &[PathBuf], dir: &Path) -> Result<ExitCode, Failure> {
    let mut config = Config::new();
    for source in definitions {
        add_source(&mut config, source)?;
    }
    if definitions.is_empty() {
        config.definition_files(embedded());
    }
    let generated = config.generate().map_err(|e| Failure(e.to_string()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
    let target = dir.join(fgm_codegen::OUT_FILE);
    std::fs::write(&target, &generated.source)
        .map_err(|e| Failure(format!("cannot write {}: {e}", target.display())))?;
    let _ = write!(std::io::stderr(), "{}", generated.report);
    note(&format!(
        "fgm: wrote {} ({} profiles, {} value-set enums, {} repairs)",
        target.display(),
        generated.api.profiles.len(),
        generated.api.value_sets.len(),
        generated.report.repairs.len()
    ));
    Ok(ExitCode::SUCCESS)
}

/// The sources of one side of a diff: split at commas (a side that is not
/// UTF-8 is one path).
fn api_of(side: &OsStr) -> Result<fgm_codegen::api::Api, Failure> {
    let mut config = Config::new();
    match side.to_str() {
        Some(text) => {
            for source in text.split(',') {
                add_source(&mut config, Path::new(source))?;
            }
        }
        None => add_source(&mut config, Path::new(side))?,
    }
    config
        .plan()
        .map(|(api, _, _)| api)
        .map_err(|e| Failure(e.to_string()))
}

fn diff(old: &OsStr, new: &OsStr, out: &mut Out) -> Result<ExitCode, Failure> {
    let changes = fgm_codegen::diff::diff(&api_of(old)?, &api_of(new)?);
    for line in &changes {
        out.line(&line.to_string())?;
    }
    Ok(if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether a path names standard input.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a file is named in the output.
fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Reads a file, or standard input for `-`: no more than one byte past the
/// reader's size limit, so that an oversized input is refused by the reader
/// without being held in memory whole.
fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let limit = fgm_types::xml::ReadOptions::default().max_bytes as u64 + 1;
    let mut buf = Vec::new();
    let read = if is_stdin(path) {
        std::io::stdin().take(limit).read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut buf))
    };
    match read {
        Ok(_) => Ok(buf),
        Err(e) if is_stdin(path) => Err(format!("cannot read standard input: {e}")),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn options(strict: bool) -> fgm_types::xml::ReadOptions {
    if strict {
        fgm_types::xml::ReadOptions::strict()
    } else {
        fgm_types::xml::ReadOptions::default()
    }
}

/// What one file's validation came to.
enum Verdict {
    /// The file could not be read at all (missing, a folder, no permission).
    NoFile(String),
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

fn validate(
    files: &[PathBuf],
    strict: bool,
    format: Format,
    out: &mut Out,
) -> Result<ExitCode, Failure> {
    let (mut rejected, mut missing) = (false, false);
    for file in files {
        let name = display_name(file);
        let input = read_input(file);
        let verdict = match &input {
            Ok(input) => judge(input, strict),
            Err(e) => Verdict::NoFile(e.clone()),
        };
        missing |= matches!(verdict, Verdict::NoFile(_));
        rejected |= !matches!(verdict, Verdict::Accepted(..));
        match format {
            Format::Outcome => print_outcome(&name, input.as_deref().unwrap_or(&[]), &verdict, out),
            Format::Json => print_json(&name, &verdict, out),
            Format::Text => print_text(&name, &verdict, out),
        }?;
    }
    Ok(if missing {
        ExitCode::from(2)
    } else if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn interaction_name(i: Interaction) -> String {
    format!("{i:?}")
}

fn print_text(name: &str, verdict: &Verdict, out: &mut Out) -> Result<(), Failure> {
    match verdict {
        Verdict::NoFile(e) => out.line(&format!("{name}: error: {e}")),
        Verdict::Accepted(m, warnings) => {
            for w in warnings {
                out.line(&format!("{name}: warning: {w}"))?;
            }
            out.line(&format!(
                "{name}: accepted: {}, {} warning{}",
                interaction_name(m.interaction()),
                warnings.len(),
                if warnings.len() == 1 { "" } else { "s" }
            ))
        }
        Verdict::Unreadable(e) => out.line(&format!(
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
        )),
        Verdict::Rejected(_, errors, warnings) => {
            for w in warnings {
                out.line(&format!("{name}: warning: {w}"))?;
            }
            for (e, (line, column)) in errors {
                out.line(&format!(
                    "{name}: rejected: {} (HTTP {}) at {} {line}:{column}: {}",
                    e.spine_code, e.http_status, e.path, e.message
                ))?;
            }
            Ok(())
        }
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

fn print_json(name: &str, verdict: &Verdict, out: &mut Out) -> Result<(), Failure> {
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
        Verdict::NoFile(e) => (
            false,
            "null".to_owned(),
            String::new(),
            issue("no-file", "", 0, 0, e, "", 0),
        ),
        Verdict::Accepted(m, w) => (
            true,
            json_str(&interaction_name(m.interaction())),
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
            json_str(&interaction_name(m.interaction())),
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
    out.line(&format!(
        "{{\"file\":{},\"accepted\":{accepted},\"interaction\":{interaction},\"warnings\":[{warnings}],\"errors\":[{errors}]}}",
        json_str(name)
    ))
}

/// The response Spine would answer with: for a request that could not be
/// read, its header is taken leniently when possible.
fn print_outcome(
    name: &str,
    input: &[u8],
    verdict: &Verdict,
    out: &mut Out,
) -> Result<(), Failure> {
    let (request, code, diagnostics) = match verdict {
        Verdict::NoFile(e) => return out.line(&format!("{name}: error: {e}")),
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
        return out.line(&format!(
            "{name}: HTTP 400: no response can be addressed to a message that cannot be read: {e}"
        ));
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
            out.line(&format!("HTTP {}", reply.http_status))?;
            out.print(&reply.message.to_xml_with(&fgm_types::xml::WriteOptions {
                pretty: true,
                declaration: true,
            }))
        }
        Err(e) => out.line(&format!("{name}: no response: {e}")),
    }
}

fn example(name: Option<&str>, list: bool, out: &mut Out) -> Result<ExitCode, Failure> {
    let names: Vec<String> = Interaction::ALL
        .iter()
        .map(|&i| interaction_name(i))
        .collect();
    if list {
        for name in &names {
            out.line(name)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let name = name.unwrap_or_default();
    let Some(&interaction) = Interaction::ALL
        .iter()
        .find(|&&i| interaction_name(i) == name)
    else {
        return Err(Failure(format!(
            "example: unknown interaction `{name}` (one of: {})",
            names.join(", ")
        )));
    };
    let message = fgm_types::spine::build::example(interaction)
        .map_err(|e| Failure(format!("example: {e}")))?;
    out.print(&message.to_xml_with(&fgm_types::xml::WriteOptions {
        pretty: true,
        declaration: true,
    }))?;
    Ok(ExitCode::SUCCESS)
}

fn roundtrip(file: &Path, strict: bool, pretty: bool, out: &mut Out) -> Result<ExitCode, Failure> {
    let input = read_input(file).map_err(Failure)?;
    let name = display_name(file);
    match Message::parse_with(&input, &options(strict)) {
        Ok(parsed) => {
            for w in &parsed.warnings {
                note(&format!("{name}: warning: {w}"));
            }
            out.print(&parsed.value.to_xml_with(&fgm_types::xml::WriteOptions {
                pretty,
                declaration: true,
            }))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            out.line(&format!("{name}: rejected: {e}"))?;
            Ok(ExitCode::from(1))
        }
    }
}
