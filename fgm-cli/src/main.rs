//! `fgm`: the command line of fgm-rs.
//!
//! ```text
//! fgm generate [--definitions PATH]... --out DIR
//! fgm diff OLD NEW
//! fgm validate [--strict] [--json | --format text|json|outcome] FILE...
//! fgm roundtrip [--strict] [--pretty] FILE
//! fgm convert --to json|xml [--strict] [--pretty] FILE
//! fgm example INTERACTION | --list
//! fgm serve spine|smsp ...
//! fgm send FILE --to URL [--log FILE]
//! fgm audit list|verify --store FILE
//! fgm report gp-practice|transactions --store FILE
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

#[cfg(feature = "serve")]
mod serve;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use fgm_build::{Config, DefinitionFile};
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
    /// Convert a message between FHIR XML and FHIR JSON.
    ///
    /// The input is read as JSON when it starts with `{` (after white
    /// space), else as XML; lenient mode, or strict with --strict. Content
    /// lenient XML reading keeps as XML (elements the profile does not
    /// define) has no JSON form: the message is then refused, not written
    /// without it. Exit 0: converted; 1: refused.
    Convert {
        /// The form to write.
        #[arg(long, value_enum)]
        to: Form,
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
        /// The interaction (`fgm example --list` names the eight; shell
        /// completion offers them).
        #[arg(
            required_unless_present = "list",
            conflicts_with = "list",
            value_parser = clap::builder::PossibleValuesParser::new(interaction_names()),
            hide_possible_values = true
        )]
        interaction: Option<String>,
        /// List the interactions.
        #[arg(long)]
        list: bool,
    },
    /// Serve a Spine FGM IS double or an SMSP until SIGINT or SIGTERM.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
    /// Send a request message and print what the answer means.
    ///
    /// Posts FILE to URL with its interaction's path, SOAPAction and
    /// content type, and reads the answer as a Spine response to it. Exit
    /// 0: a success or no record; 1: a Spine error or warning; 2: no Spine
    /// answer.
    #[cfg(feature = "serve")]
    Send(serve::SendArgs),
    /// List or verify an audit chain (the double's, an SMSP's, or a
    /// `send --log`).
    #[cfg(feature = "serve")]
    Audit(serve::AuditArgs),
    /// Aggregate figures from a store: active indicators by GP practice,
    /// transactions by organisation or month.
    #[cfg(feature = "serve")]
    Report(serve::ReportArgs),
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
    /// One JSON object per file (schema in docs/cli.md).
    Json,
    /// The HTTP status and the response Bundle Spine would answer a request with.
    Outcome,
}

/// What `fgm convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Form {
    /// FHIR DSTU2 JSON.
    Json,
    /// FHIR DSTU2 XML.
    Xml,
}

/// The interactions' names, for `fgm example` and its completion.
fn interaction_names() -> Vec<&'static str> {
    Interaction::ALL.iter().map(|i| i.name()).collect()
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

    /// Writes a document (XML or JSON), ending it with a newline.
    fn document(&mut self, text: &str) -> Result<(), Failure> {
        self.print(text)?;
        if text.ends_with('\n') {
            Ok(())
        } else {
            self.print("\n")
        }
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
        Command::Convert {
            to,
            strict,
            pretty,
            file,
        } => convert(&file, to, strict, pretty, out),
        Command::Example { interaction, list } => example(interaction.as_deref(), list, out),
        #[cfg(feature = "serve")]
        Command::Serve(args) => Ok(ExitCode::from(serve::run_serve(args))),
        #[cfg(feature = "serve")]
        Command::Send(args) => Ok(ExitCode::from(serve::run_send(args))),
        #[cfg(feature = "serve")]
        Command::Audit(args) => Ok(ExitCode::from(serve::run_audit(args))),
        #[cfg(feature = "serve")]
        Command::Report(args) => Ok(ExitCode::from(serve::run_report(args))),
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
    let target = dir.join(fgm_build::OUT_FILE);
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
fn api_of(side: &OsStr) -> Result<fgm_build::api::Api, Failure> {
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
    let changes = fgm_build::diff::diff(&api_of(old)?, &api_of(new)?);
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
    let limit = fgm::xml::ReadOptions::default().max_bytes as u64 + 1;
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

/// How messages are printed: with an XML declaration, compact or pretty.
fn document(pretty: bool) -> fgm::xml::WriteOptions {
    fgm::xml::WriteOptions::default()
        .with_pretty(pretty)
        .with_declaration(true)
}

fn options(strict: bool) -> fgm::xml::ReadOptions {
    if strict {
        fgm::xml::ReadOptions::strict()
    } else {
        fgm::xml::ReadOptions::default()
    }
}

/// What one file's validation came to.
struct Verdict {
    /// The message, when it could be read.
    message: Option<Message>,
    /// What was accepted with a warning.
    warnings: Vec<Finding>,
    /// Why the file is rejected: the reader's error, Spine's rules broken,
    /// or the file that could not be opened.
    errors: Vec<Finding>,
}

impl Verdict {
    fn accepted(&self) -> bool {
        self.message.is_some() && self.errors.is_empty()
    }

    fn unopened(&self) -> bool {
        self.errors.iter().any(|e| e.code == NO_FILE)
    }
}

/// The code of a finding of Spine's rules (beyond the reader's).
const SPINE_RULE: &str = "validation";
/// The code of a file that could not be opened.
const NO_FILE: &str = "no-file";

/// One warning or error, as text and JSON report it: from the reader, from
/// Spine's rules, or about a file that could not be opened.
#[derive(Debug, serde::Serialize)]
struct Finding {
    /// `fatal`, `error`, `warning` or `information`.
    severity: &'static str,
    /// The reader's error code (`unknown-element`), `validation` for
    /// Spine's rules, `no-file` for a file that could not be opened.
    code: &'static str,
    /// The FHIR path; empty for the document as a whole.
    path: String,
    /// Line (from 1; 0 when unknown).
    line: u32,
    /// Column (from 1; 0 when unknown).
    column: u32,
    /// What, in one sentence.
    message: String,
    /// The Spine response code (none for a file that could not be opened).
    spine_code: Option<&'static str>,
    /// The HTTP status Spine answers that code with.
    http_status: Option<u16>,
}

impl Finding {
    fn of_reader(issue: &fgm::xml::Issue, severity: &'static str) -> Finding {
        Finding {
            severity,
            code: issue.code.as_str(),
            path: issue.path.clone(),
            line: issue.line,
            column: issue.column,
            message: issue.message.clone(),
            spine_code: Some(issue.spine_code()),
            http_status: Some(issue.http_status()),
        }
    }

    fn of_rule(issue: ValidationIssue, (line, column): (u32, u32)) -> Finding {
        Finding {
            severity: issue.severity.code(),
            code: SPINE_RULE,
            path: issue.path,
            line,
            column,
            message: issue.message,
            spine_code: Some(issue.spine_code),
            http_status: Some(issue.http_status),
        }
    }

    fn of_file(error: String) -> Finding {
        Finding {
            severity: "error",
            code: NO_FILE,
            path: String::new(),
            line: 0,
            column: 0,
            message: error,
            spine_code: None,
            http_status: None,
        }
    }

    fn path(&self) -> &str {
        if self.path.is_empty() {
            "(document)"
        } else {
            &self.path
        }
    }

    /// The one text form of a finding, wherever it is printed (after
    /// `FILE: warning: ` or `FILE: rejected: `): `LINE:COLUMN: CODE at
    /// PATH: MESSAGE (SPINE_CODE, HTTP STATUS)`; the code is the reader's,
    /// or `validation` for Spine's rules.
    fn text(&self) -> String {
        let mut text = format!(
            "{}:{}: {} at {}: {}",
            self.line,
            self.column,
            self.code,
            self.path(),
            self.message
        );
        if let (Some(spine), Some(status)) = (self.spine_code, self.http_status) {
            text.push_str(&format!(" ({spine}, HTTP {status})"));
        }
        text
    }
}

/// Prints a message's reading warnings on stderr, each as a finding.
fn note_warnings(name: &str, warnings: &[fgm::xml::Issue]) {
    for w in warnings {
        note(&format!(
            "{name}: warning: {}",
            Finding::of_reader(w, "warning").text()
        ));
    }
}

/// Prints a rejection on stderr as a finding; exit status 1.
fn rejected(name: &str, finding: &Finding) -> Result<ExitCode, Failure> {
    note(&format!("{name}: rejected: {}", finding.text()));
    Ok(ExitCode::from(1))
}

fn judge(input: &[u8], strict: bool) -> Verdict {
    let parsed = match Message::parse_with(input, &options(strict)) {
        Ok(parsed) => parsed,
        Err(e) => {
            return Verdict {
                message: None,
                warnings: Vec::new(),
                errors: vec![Finding::of_reader(&e, "error")],
            }
        }
    };
    let mut warnings: Vec<Finding> = parsed
        .warnings
        .iter()
        .map(|w| Finding::of_reader(w, "warning"))
        .collect();
    let issues = fgm_types::spine::validate(&parsed.value, &ValidateOptions::default());
    // Findings are located on the XML, read again only when there are any.
    let doc = (!issues.is_empty())
        .then(|| fgm::xml::parse_document(input, &options(strict)).ok())
        .flatten();
    let mut errors = Vec::new();
    for issue in issues {
        let at = doc
            .as_ref()
            .and_then(|d| fgm::xml::locate(d, &issue.path))
            .unwrap_or((0, 0));
        if issue.is_error() {
            errors.push(Finding::of_rule(issue, at));
        } else {
            warnings.push(Finding::of_rule(issue, at));
        }
    }
    Verdict {
        message: Some(parsed.value),
        warnings,
        errors,
    }
}

fn validate(
    files: &[PathBuf],
    strict: bool,
    format: Format,
    out: &mut Out,
) -> Result<ExitCode, Failure> {
    let (mut rejected, mut unopened) = (false, false);
    for file in files {
        let name = display_name(file);
        let input = read_input(file);
        let verdict = match &input {
            Ok(input) => judge(input, strict),
            Err(e) => Verdict {
                message: None,
                warnings: Vec::new(),
                errors: vec![Finding::of_file(e.clone())],
            },
        };
        unopened |= verdict.unopened();
        rejected |= !verdict.accepted();
        match format {
            Format::Outcome => print_outcome(&name, input.as_deref().unwrap_or(&[]), &verdict, out),
            Format::Json => print_json(&name, &verdict, out),
            Format::Text => print_text(&name, &verdict, out),
        }?;
    }
    Ok(if unopened {
        ExitCode::from(2)
    } else if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(name: &str, verdict: &Verdict, out: &mut Out) -> Result<(), Failure> {
    for w in &verdict.warnings {
        out.line(&format!("{name}: warning: {}", w.text()))?;
    }
    for e in &verdict.errors {
        if e.code == NO_FILE {
            // Not a verdict on a message: an error of the command's input.
            note(&format!("fgm: {}", e.message));
        } else {
            out.line(&format!("{name}: rejected: {}", e.text()))?;
        }
    }
    match &verdict.message {
        Some(m) if verdict.accepted() => {
            let n = verdict.warnings.len();
            out.line(&format!(
                "{name}: accepted: {}, {n} warning{}",
                m.interaction().name(),
                if n == 1 { "" } else { "s" }
            ))
        }
        _ => Ok(()),
    }
}

/// One file's result, as `fgm validate --json` prints it (one object per
/// line; the schema is in docs/cli.md).
#[derive(serde::Serialize)]
struct FileRecord<'a> {
    /// The file as named on the command line; `<stdin>` for `-`.
    file: &'a str,
    /// Whether Spine would accept the message.
    accepted: bool,
    /// The interaction, when the message could be read.
    interaction: Option<&'static str>,
    /// What was accepted with a warning.
    warnings: &'a [Finding],
    /// Why it is rejected.
    errors: &'a [Finding],
}

fn print_json(name: &str, verdict: &Verdict, out: &mut Out) -> Result<(), Failure> {
    let record = FileRecord {
        file: name,
        accepted: verdict.accepted(),
        interaction: verdict.message.as_ref().map(|m| m.interaction().name()),
        warnings: &verdict.warnings,
        errors: &verdict.errors,
    };
    let json = serde_json::to_string(&record)
        .map_err(|e| Failure(format!("cannot write the JSON of {name}: {e}")))?;
    out.line(&json)
}

/// The response Spine would answer with: for a request that could not be
/// read, its header is taken leniently when possible.
fn print_outcome(
    name: &str,
    input: &[u8],
    verdict: &Verdict,
    out: &mut Out,
) -> Result<(), Failure> {
    let first = verdict.errors.first();
    if let Some(e) = first.filter(|e| e.code == NO_FILE) {
        note(&format!("fgm: {}", e.message));
        return Ok(());
    }
    // A rejection by the reader is answered with the whole issue as the
    // diagnostics; one of Spine's rules, with its message.
    let diagnostics = |e: &Finding| match e.code {
        SPINE_RULE => e.message.clone(),
        code => format!(
            "{}:{}: {code}{}: {}",
            e.line,
            e.column,
            if e.path.is_empty() {
                String::new()
            } else {
                format!(" at {}", e.path)
            },
            e.message
        ),
    };
    let request = match &verdict.message {
        Some(m) => Some(m.clone()),
        None => Message::parse(input).ok().map(|p| p.value),
    };
    let Some(request) = request else {
        note(&format!(
            "{name}: HTTP 400: no response can be addressed to a message that cannot be read: {}",
            first.map(diagnostics).unwrap_or_default()
        ));
        return Ok(());
    };
    let outcome = match first {
        Some(e) => Outcome::Error {
            code: e.spine_code.unwrap_or_default().to_owned(),
            diagnostics: Some(diagnostics(e)),
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
            out.document(&reply.message.to_xml_with(&document(true)))
        }
        Err(e) => {
            note(&format!("{name}: no response: {e}"));
            Ok(())
        }
    }
}

fn example(name: Option<&str>, list: bool, out: &mut Out) -> Result<ExitCode, Failure> {
    let names: Vec<&str> = Interaction::ALL.iter().map(|i| i.name()).collect();
    if list {
        for name in &names {
            out.line(name)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let name = name.unwrap_or_default();
    let Some(&interaction) = Interaction::ALL.iter().find(|i| i.name() == name) else {
        return Err(Failure(format!(
            "example: unknown interaction `{name}` (one of: {})",
            names.join(", ")
        )));
    };
    let message = fgm_types::spine::build::example(interaction)
        .map_err(|e| Failure(format!("example: {e}")))?;
    out.document(&message.to_xml_with(&document(true)))?;
    Ok(ExitCode::SUCCESS)
}

fn roundtrip(file: &Path, strict: bool, pretty: bool, out: &mut Out) -> Result<ExitCode, Failure> {
    let input = read_input(file).map_err(Failure)?;
    let name = display_name(file);
    match Message::parse_with(&input, &options(strict)) {
        Ok(parsed) => {
            note_warnings(&name, &parsed.warnings);
            out.document(&parsed.value.to_xml_with(&document(pretty)))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => rejected(&name, &Finding::of_reader(&e, "error")),
    }
}

fn convert(
    file: &Path,
    to: Form,
    strict: bool,
    pretty: bool,
    out: &mut Out,
) -> Result<ExitCode, Failure> {
    let input = read_input(file).map_err(Failure)?;
    let name = display_name(file);
    let is_json = input
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    let read = if is_json {
        Message::from_json_with(&input, &options(strict))
    } else {
        Message::parse_with(&input, &options(strict))
    };
    let parsed = match read {
        Ok(parsed) => parsed,
        Err(e) => return rejected(&name, &Finding::of_reader(&e, "error")),
    };
    note_warnings(&name, &parsed.warnings);
    let message = parsed.value;
    let written = match to {
        Form::Xml => message.to_xml_with(&document(pretty)),
        Form::Json => {
            let json = if pretty {
                message.to_json_pretty()
            } else {
                message.to_json()
            };
            match json {
                Ok(json) => json,
                Err(mut e) => {
                    // The JSON writer knows the element's FHIR path; a
                    // message read from XML knows where the element was.
                    if !is_json && e.line == 0 {
                        let doc = fgm::xml::parse_document(&input, &options(strict)).ok();
                        if let Some((line, column)) =
                            doc.as_ref().and_then(|d| fgm::xml::locate(d, &e.path))
                        {
                            (e.line, e.column) = (line, column);
                        }
                    }
                    note(&format!(
                        "{name}: no JSON form: {}",
                        Finding::of_reader(&e, "error").text()
                    ));
                    return Ok(ExitCode::from(1));
                }
            }
        }
    };
    out.document(&written)?;
    Ok(ExitCode::SUCCESS)
}
