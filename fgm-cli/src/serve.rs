//! `fgm serve spine|smsp`, `fgm send`, `fgm audit` and `fgm report`: the
//! commands on top of `fgm-spine` (feature `serve`, on by default), their
//! arguments (clap derive) and what runs them.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};
use fgm_types::messages::Message;
use fgm_types::spine::SpineReply;

use fgm_spine::audit::{self, AuditFilter};
use fgm_spine::client::{Answer, Client, ClientOptions};
use fgm_spine::clock::Clock;
use fgm_spine::double::{Spine, SpineOptions};
use fgm_spine::identity::IdentityMap;
use fgm_spine::report::{self, GroupBy, TransactionRow};
use fgm_spine::server::{self, Handler, ServerOptions};
use fgm_spine::smsp::{Smsp, SmspOptions};
use fgm_spine::store::{BoxFuture, Store};

/// `fgm serve`: run the Spine double or an SMSP.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// What to serve.
    #[command(subcommand)]
    pub what: Serve,
}

/// The servers.
#[derive(Debug, Subcommand)]
pub enum Serve {
    /// A Spine FGM IS double: query v1 and v2, create and delete, records
    /// and the audit kept in a SQLite file.
    Spine(SpineArgs),
    /// A Spine Mini Service Provider in front of a Spine.
    Smsp(SmspArgs),
}

/// The server's own TLS: with a certificate and key it serves HTTPS; with
/// a client CA too, clients must present a certificate it signed.
#[derive(Debug, Clone, Args)]
pub struct ServerTlsArgs {
    /// The server certificate chain (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The server private key (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The CA client certificates must be signed by (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
}

/// How long clients may take and how many may hold a connection.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Seconds a client may take to send a request head or finish the TLS
    /// handshake (and a kept-alive connection may idle).
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client may take to send a request body.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub body_timeout: u64,
    /// The most connections held open at once: past it, a connection is
    /// answered 503 (Retry-After, Connection: close) and closed.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
}

/// How `fgm serve` writes its log on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One line per event: time, level, target, message and fields.
    Human,
    /// One JSON object per line.
    Json,
}

/// `fgm serve`'s log.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// How the log is written on stderr: one line per event (`human`) or
    /// one JSON object per line (`json`). What is logged is filtered as
    /// `RUST_LOG` says (default `info`: one event per request).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "human")]
    pub log_format: LogFormat,
}

/// `fgm serve spine`.
#[derive(Debug, Args)]
pub struct SpineArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where the records and the audit are kept: a SQLite file (created if
    /// absent), or a `postgres://user@host:port/database` URL, which
    /// several servers may share (migrated at start).
    #[arg(long, value_name = "STORE")]
    pub store: String,
    /// TLS.
    #[command(flatten)]
    pub tls: ServerTlsArgs,
    /// This Spine's own ASID: a message addressed to another is refused.
    #[arg(long, value_name = "ASID", default_value = fgm_spine::double::SPINE_ASID)]
    pub asid: String,
    /// The sender ASIDs accepted, comma-separated (default: any).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub asid_allow: Option<Vec<String>>,
    /// The ASIDs each client certificate may send as: one line per
    /// certificate, its CN (quoted when it has spaces) or a DNS name, then
    /// its ASIDs; `#` starts a comment. Needs --client-ca.
    #[arg(long, value_name = "FILE", requires = "client_ca")]
    pub asid_map: Option<PathBuf>,
    /// The service's date (YYYY-MM-DD) instead of the system clock's, to
    /// cross a birthday in a test.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Time limits and connections.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// The log.
    #[command(flatten)]
    pub log: LogArgs,
}

/// `fgm serve smsp`.
#[derive(Debug, Args)]
pub struct SmspArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// The Spine to forward to (`https://host:port`).
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Where the SMSP's audit is kept (it keeps no FGM data): a SQLite file
    /// (created if absent), or a `postgres://` URL several SMSPs may share.
    #[arg(long, value_name = "STORE")]
    pub store: String,
    /// TLS towards local systems.
    #[command(flatten)]
    pub tls: ServerTlsArgs,
    /// The certificate and key towards Spine, and Spine's CA.
    #[command(flatten)]
    pub upstream_tls: ClientTlsArgs,
    /// The authors (SDS user ids) accepted, comma-separated (default: any
    /// that is named).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub author_allow: Option<Vec<String>>,
    /// What each local system's client certificate may act for: one line
    /// per certificate, its CN (quoted when it has spaces) or a DNS name,
    /// then organisation ODS codes and SDS user ids. Needs --client-ca.
    #[arg(long, value_name = "FILE", requires = "client_ca")]
    pub author_map: Option<PathBuf>,
    /// Forward creates and deletes too (an FGM SMSP is query only).
    #[arg(long)]
    pub allow_updates: bool,
    /// The service's date (YYYY-MM-DD) instead of the system clock's.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Seconds connecting to Spine (TCP and TLS) may take.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub upstream_connect_timeout: u64,
    /// Seconds Spine may take to answer, connection included.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub upstream_timeout: u64,
    /// Time limits and connections.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// The log.
    #[command(flatten)]
    pub log: LogArgs,
}

/// A client's TLS: the server's CA, and this system's certificate and key.
#[derive(Debug, Clone, Args)]
pub struct ClientTlsArgs {
    /// This system's certificate (PEM), for TLS mutual authentication.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// This system's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// The CA the server's certificate must chain to (PEM).
    #[arg(long, value_name = "PEM")]
    pub ca: Option<PathBuf>,
}

/// `fgm send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The request message (FHIR XML; `-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The Spine, SMSP or double (`http://127.0.0.1:8080`).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// TLS.
    #[command(flatten)]
    pub tls: ClientTlsArgs,
    /// Print the answer's body too.
    #[arg(long)]
    pub body: bool,
    /// Log the exchange in this SQLite file's audit chain (a local system's
    /// record of every interaction, LSIR §6; created if absent).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// `fgm audit`: read an audit chain.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: Audit,
}

/// The audit commands.
#[derive(Debug, Subcommand)]
pub enum Audit {
    /// List the entries, oldest first, one per line.
    List(AuditListArgs),
    /// Check the chain: exit 0 when it holds, 1 naming the first entry
    /// that breaks it.
    Verify(StoreArg),
}

/// A store to read (the double's, an SMSP's or a client's log).
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The SQLite file, or the `postgres://` URL.
    #[arg(long, value_name = "STORE")]
    pub store: String,
}

/// `fgm audit list`.
#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArg,
    /// Only entries about this NHS number.
    #[arg(long, value_name = "N")]
    pub nhs_number: Option<String>,
    /// Only entries by this author (SDS user id or local identifier).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
    /// Only the entry of this request or response MessageHeader id.
    #[arg(long, value_name = "ID")]
    pub message_id: Option<String>,
    /// Only entries at or after this instant or date.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only entries at or before this instant or date (a date takes in
    /// its whole day).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `fgm report`: aggregate figures from a store.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    #[command(subcommand)]
    pub what: Report,
}

/// The reports.
#[derive(Debug, Subcommand)]
pub enum Report {
    /// Girls with an active indicator on a date, by current GP practice.
    GpPractice(GpPracticeArgs),
    /// Creates, deletes (by reason) and queries (by result), from the audit.
    Transactions(TransactionsArgs),
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// Comma-separated, with a header line.
    Csv,
    /// A JSON array.
    Json,
}

/// `fgm report gp-practice`.
#[derive(Debug, Args)]
pub struct GpPracticeArgs {
    /// The double's store.
    #[command(flatten)]
    pub store: StoreArg,
    /// The date (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// How to print it.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Print `*` for counts from 1 to N−1.
    #[arg(long, value_name = "N")]
    pub suppress_below: Option<u64>,
}

/// How the transactions report groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// By the requesting organisation's ODS code.
    Organisation,
    /// By month.
    Month,
}

/// `fgm report transactions`.
#[derive(Debug, Args)]
pub struct TransactionsArgs {
    /// The store (the double's or an SMSP's).
    #[command(flatten)]
    pub store: StoreArg,
    /// From this date (inclusive).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// To this date (inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Group by organisation or month (default: one row).
    #[arg(long, value_enum)]
    pub by: Option<By>,
    /// How to print it.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| format!("standard input: {e}"))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn server_options(tls: &ServerTlsArgs, limits: &LimitArgs) -> Result<ServerOptions, String> {
    let mut options = ServerOptions {
        header_timeout: std::time::Duration::from_secs(limits.header_timeout),
        body_timeout: std::time::Duration::from_secs(limits.body_timeout),
        max_connections: limits.max_connections,
        ..ServerOptions::default()
    };
    if let (Some(cert), Some(key)) = (&tls.tls_cert, &tls.tls_key) {
        let ca = tls.client_ca.as_deref().map(read).transpose()?;
        options.tls = Some(
            fgm_spine::tls::server_config(&read(cert)?, &read(key)?, ca.as_deref())
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(options)
}

/// The client options from the TLS arguments.
pub fn client_options(tls: &ClientTlsArgs) -> Result<ClientOptions, String> {
    let mut options = ClientOptions {
        ca_pem: tls.ca.as_deref().map(read).transpose()?,
        ..ClientOptions::default()
    };
    if let (Some(cert), Some(key)) = (&tls.cert, &tls.key) {
        let mut identity = read(cert)?;
        identity.push(b'\n');
        identity.extend(read(key)?);
        options.identity_pem = Some(identity);
    }
    Ok(options)
}

/// The process's runtime: a store's connections live on the runtime that
/// opened it, so the server runs on the same one.
fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    Ok(RUNTIME.get_or_init(|| runtime))
}

fn serve_until_signal<H: Handler>(
    name: &str,
    listen: SocketAddr,
    handler: Arc<H>,
    options: ServerOptions,
) -> Result<(), String> {
    let scheme = if options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(target: "fgm::serve", "{name} listening on {scheme}://{addr}");
        server::serve(listener, handler, options, server::shutdown_signal()).await;
        tracing::info!(target: "fgm::serve", "{name} stopped");
        Ok(())
    })
}

fn clock(today: &Option<String>) -> Result<Clock, String> {
    match today {
        Some(today) => Clock::on(today).map_err(|e| format!("--today {e}")),
        None => Ok(Clock::system()),
    }
}

/// Opens (creating or migrating) the store a `--store` value names.
fn open_store(spec: &str) -> Result<Arc<dyn Store>, String> {
    runtime()?
        .block_on(fgm_spine::store::open(spec))
        .map_err(|e| format!("{spec}: {e}"))
}

/// Opens a store that must exist already (the reading commands never
/// create a SQLite file).
fn existing_store(arg: &StoreArg) -> Result<Arc<dyn Store>, String> {
    if !fgm_spine::store::is_postgres(&arg.store) && !Path::new(&arg.store).is_file() {
        return Err(format!("{}: no such store", arg.store));
    }
    open_store(&arg.store)
}

/// Waits for a store call.
fn wait<T>(call: BoxFuture<'_, fgm_spine::store::Result<T>>) -> Result<T, String> {
    runtime()?.block_on(call).map_err(|e| e.to_string())
}

/// Says where the audit chain's head is, for the operator to anchor.
fn announce_head(name: &str, store: &dyn Store) -> Result<(), String> {
    match verify_chain(store)? {
        (_, Ok(head)) => {
            tracing::info!(target: "fgm::serve", "{name}: audit chain holds, head {head}")
        }
        (_, Err(broken)) => tracing::warn!(target: "fgm::serve", "{name}: {broken}"),
    }
    Ok(())
}

/// A store's audit chain verified: its length, and its head or where it
/// breaks.
fn verify_chain(store: &dyn Store) -> Result<(usize, Result<audit::Head, audit::Break>), String> {
    let entries = wait(store.audit(&AuditFilter::default()))?;
    Ok((entries.len(), audit::verify(&entries)))
}

/// Installs the log `fgm serve` writes on stderr: `format`, filtered as
/// `RUST_LOG` says (default `info`), panics included. A `RUST_LOG` that
/// does not read is an error (the log is installed at `info` all the
/// same, to say so).
fn install_log(format: LogFormat) -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    let (filter, bad) = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => match EnvFilter::try_new(&spec) {
            Ok(filter) => (filter, None),
            Err(e) => (
                EnvFilter::new("info"),
                Some(format!("RUST_LOG={spec}: {e}")),
            ),
        },
        _ => (EnvFilter::new("info"), None),
    };
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Only this process's first subscriber is installed: ignoring a
    // second is what a second call should do.
    let _ = match format {
        LogFormat::Human => log.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => log
            .with_ansi(false)
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
    // A panic (a handler's is answered 500 and the server goes on) is an
    // event of the log too, not a line of another format.
    std::panic::set_hook(Box::new(|panic| {
        tracing::error!(target: "fgm::panic", "{panic}");
    }));
    bad.map_or(Ok(()), Err)
}

/// Runs `fgm serve`: serves until SIGINT or SIGTERM. Exit code 0, or 2
/// after saying what stopped it (in the JSON log with `--log-format
/// json`, else one line on stderr).
pub fn run_serve(args: ServeArgs) -> u8 {
    let format = match &args.what {
        Serve::Spine(args) => args.log.log_format,
        Serve::Smsp(args) => args.log.log_format,
    };
    let result = install_log(format).and_then(|()| match args.what {
        Serve::Spine(args) => (|| {
            // Everything is checked before listening: a wrong option is
            // one line and exit 2, not an outage later.
            let clock = clock(&args.today)?;
            if fgm_types::spine::asid_endpoint(&args.asid).is_none() {
                return Err(format!("--asid {}: an ASID is digits", args.asid));
            }
            let asid_map = args
                .asid_map
                .as_deref()
                .map(IdentityMap::load)
                .transpose()?;
            let options = server_options(&args.tls, &args.limits)?;
            let store = open_store(&args.store)?;
            announce_head("Spine double", &*store)?;
            let spine = Spine::new(
                store,
                SpineOptions {
                    asid: args.asid,
                    asid_allow: args.asid_allow,
                    asid_map,
                    clock,
                    ..SpineOptions::default()
                },
            );
            serve_until_signal("Spine double", args.listen, Arc::new(spine), options)
        })(),
        Serve::Smsp(args) => (|| {
            let clock = clock(&args.today)?;
            let author_map = args
                .author_map
                .as_deref()
                .map(IdentityMap::load)
                .transpose()?;
            let options = server_options(&args.tls, &args.limits)?;
            let mut upstream_options = client_options(&args.upstream_tls)?;
            upstream_options.connect_timeout =
                std::time::Duration::from_secs(args.upstream_connect_timeout);
            upstream_options.timeout = std::time::Duration::from_secs(args.upstream_timeout);
            let upstream = Client::new(&args.upstream, &upstream_options)
                .map_err(|e| format!("--upstream {e}"))?;
            let store = open_store(&args.store)?;
            announce_head("SMSP", &*store)?;
            let smsp = Smsp::new(
                upstream,
                store,
                SmspOptions {
                    author_allow: args.author_allow,
                    author_map,
                    allow_updates: args.allow_updates,
                    clock,
                    ..SmspOptions::default()
                },
            );
            serve_until_signal("SMSP", args.listen, Arc::new(smsp), options)
        })(),
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            match format {
                LogFormat::Json => tracing::error!(target: "fgm::serve", "fgm serve: {e}"),
                LogFormat::Human => eprintln!("fgm serve: {e}"),
            }
            2
        }
    }
}

/// Runs `fgm audit`. Exit code 0; 1 when `verify` finds the chain broken;
/// 2 when the store cannot be read.
pub fn run_audit(args: AuditArgs) -> u8 {
    let result = (|| {
        let mut out = std::io::stdout().lock();
        match args.what {
            Audit::List(args) => {
                let filter = AuditFilter {
                    nhs_number: args.nhs_number,
                    user_id: args.user,
                    message_id: args.message_id,
                    from: args.from,
                    to: args.to,
                };
                let store = existing_store(&args.store)?;
                for entry in wait(store.audit(&filter))? {
                    let line = if args.json {
                        serde_json::to_string(&entry).map_err(|e| e.to_string())?
                    } else {
                        entry.line()
                    };
                    if writeln!(out, "{line}").is_err() {
                        break;
                    }
                }
                Ok(0)
            }
            Audit::Verify(args) => {
                let store = existing_store(&args)?;
                Ok(match verify_chain(&*store)? {
                    (length, Ok(head)) => {
                        let _ = writeln!(out, "the chain holds: {length} entries, head {head}");
                        0
                    }
                    (_, Err(broken)) => {
                        let _ = writeln!(out, "{broken}");
                        1
                    }
                })
            }
        }
    })();
    result.unwrap_or_else(|e: String| {
        eprintln!("fgm audit: {e}");
        2
    })
}

/// Runs `fgm report`. Exit code 0, or 2 when the store cannot be read or
/// an argument is wrong.
pub fn run_report(args: ReportArgs) -> u8 {
    let result = (|| {
        let text = match args.what {
            Report::GpPractice(args) => {
                let on = match &args.on {
                    Some(on) => Clock::on(on).map_err(|e| format!("--on {e}"))?.today(),
                    None => Clock::system().today(),
                };
                let store = existing_store(&args.store)?;
                let records = wait(store.records())?;
                let below = args.suppress_below.unwrap_or(0);
                let rows: Vec<[String; 2]> = report::gp_practice(&records, &on)
                    .into_iter()
                    .map(|r| {
                        [
                            r.gp_practice,
                            report::suppressed(r.active_indicators, below),
                        ]
                    })
                    .collect();
                render(args.format, &["gp_practice", "active_indicators"], &rows)
            }
            Report::Transactions(args) => {
                let store = existing_store(&args.store)?;
                let filter = AuditFilter {
                    from: args.from,
                    to: args.to,
                    ..AuditFilter::default()
                };
                let entries = wait(store.audit(&filter))?;
                let by = match args.by {
                    None => GroupBy::All,
                    Some(By::Organisation) => GroupBy::Organisation,
                    Some(By::Month) => GroupBy::Month,
                };
                let header: Vec<&str> = TransactionRow::CSV_HEADER.split(',').collect();
                let rows: Vec<Vec<String>> = report::transactions(&entries, by)
                    .into_iter()
                    .map(|r| {
                        std::iter::once(r.group.clone())
                            .chain(r.counts().iter().map(u64::to_string))
                            .collect()
                    })
                    .collect();
                render(args.format, &header, &rows)
            }
        };
        let _ = write!(std::io::stdout().lock(), "{text}");
        Ok(0)
    })();
    result.unwrap_or_else(|e: String| {
        eprintln!("fgm report: {e}");
        2
    })
}

/// A report's rows as a table, CSV or JSON (numbers as numbers, a
/// suppressed `*` as a string), ending with a newline.
fn render<R: AsRef<[String]>>(format: Format, header: &[&str], rows: &[R]) -> String {
    let mut text = String::new();
    match format {
        Format::Csv => {
            text.push_str(&header.join(","));
            text.push('\n');
            for row in rows {
                text.push_str(&row.as_ref().join(","));
                text.push('\n');
            }
        }
        Format::Table => {
            let widths: Vec<usize> = (0..header.len())
                .map(|i| {
                    rows.iter()
                        .map(|r| r.as_ref()[i].len())
                        .chain([header[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: Vec<&str>| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (c, w))| {
                        if i == 0 {
                            format!("{c:<w$}")
                        } else {
                            format!("{c:>w$}")
                        }
                    })
                    .collect();
                padded.join("  ").trim_end().to_owned() + "\n"
            };
            text.push_str(&line(header.to_vec()));
            for row in rows {
                text.push_str(&line(row.as_ref().iter().map(String::as_str).collect()));
            }
        }
        Format::Json => {
            let objects: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    let fields = header
                        .iter()
                        .zip(row.as_ref())
                        .enumerate()
                        .map(|(i, (h, v))| {
                            let value = match v.parse::<u64>() {
                                Ok(n) if i > 0 => serde_json::Value::from(n),
                                _ => serde_json::Value::from(v.as_str()),
                            };
                            ((*h).to_owned(), value)
                        });
                    serde_json::Value::Object(fields.collect())
                })
                .collect();
            text = serde_json::to_string_pretty(&objects).unwrap_or_default();
            text.push('\n');
        }
    }
    text
}

/// One line saying what an answer means.
pub fn describe(answer: &Answer) -> String {
    let status = answer.status;
    match &answer.reply {
        SpineReply::Flag(flag) => format!(
            "HTTP {status}: FGM risk indicator for {} since {}{}",
            fgm_types::spine::flag_nhs_number(flag).unwrap_or("(no NHS number)"),
            flag.period.start,
            // A flag carries a code only when it came from a local store.
            answer
                .spine_code()
                .map(|code| format!(" ({code})"))
                .unwrap_or_default()
        ),
        SpineReply::NoRecord => format!("HTTP {status}: NO_RECORD_FOUND: no FGM risk indicator"),
        SpineReply::Created => format!("HTTP {status}: created"),
        SpineReply::Deleted => format!("HTTP {status}: deleted"),
        SpineReply::Error(e) => {
            let mut line = format!("HTTP {}: {} ({})", e.http_status, e.code, e.severity.code());
            if let Some(d) = e.diagnostics.as_deref().or(e.display.as_deref()) {
                line.push_str(": ");
                line.push_str(d);
            }
            line
        }
    }
}

/// `fgm send`'s exit status for an answer: 0 for a success or no record;
/// 1 for a Spine error or warning — an OperationOutcome, or a flag that
/// came with a status other than 200 (203: from an SMSP's local store,
/// possibly stale).
pub fn exit_status(status: u16, reply: &SpineReply) -> u8 {
    match reply {
        SpineReply::Error(_) => 1,
        SpineReply::Flag(_) => u8::from(status != 200),
        SpineReply::NoRecord | SpineReply::Created | SpineReply::Deleted => 0,
    }
}

/// Runs `fgm send`: prints what the answer means (and, with `--body`, the
/// body). Exit code 0 for a success or no record, 1 for a Spine error or
/// warning (203 included), 2 when no Spine answer came (or on a usage
/// error).
pub fn run_send(args: SendArgs) -> u8 {
    let result = (|| {
        let bytes = read(&args.file)?;
        let request = Message::parse(&bytes)
            .map_err(|e| format!("{}: {e}", args.file.display()))?
            .value;
        let mut options = client_options(&args.tls)?;
        options.log = args
            .log
            .as_deref()
            .map(|log| open_store(&log.to_string_lossy()))
            .transpose()?;
        let client = Client::new(&args.to, &options).map_err(|e| format!("--to {e}"))?;
        let answer = runtime()?
            .block_on(client.send(&request))
            .map_err(|e| e.to_string())?;
        // A closed standard output is not an error of the exchange.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", describe(&answer));
        if args.body {
            let _ = writeln!(out, "{}", String::from_utf8_lossy(&answer.body));
        }
        Ok(exit_status(answer.status, &answer.reply))
    })();
    result.unwrap_or_else(|e: String| {
        eprintln!("fgm send: {e}");
        2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer with this status and meaning (no body).
    fn answer(status: u16, reply: SpineReply) -> Answer {
        Answer {
            status,
            reply,
            body: Default::default(),
        }
    }

    #[test]
    fn describe_says_what_an_answer_means() {
        let flag =
            Box::new(fgm_types::spine::build::query_flag("9434765919", "2024-01-01").unwrap());
        let found = describe(&answer(200, SpineReply::Flag(flag.clone())));
        assert_eq!(
            found,
            "HTTP 200: FGM risk indicator for 9434765919 since 2024-01-01"
        );
        let local = describe(&answer(203, SpineReply::Flag(flag)));
        assert!(
            local.ends_with("(DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE)"),
            "{local}"
        );
        assert_eq!(
            describe(&answer(201, SpineReply::Created)),
            "HTTP 201: created"
        );
    }
}
