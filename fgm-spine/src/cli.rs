//! `fgm serve spine|smsp` and `fgm send`: the argument structs (clap
//! derive) and what runs them, so that the `fgm` binary only wires them in.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use fgm_types::messages::Message;
use fgm_types::spine::SpineReply;

use crate::client::{Client, ClientOptions};
use crate::server::{self, Handler, ServerOptions};
use crate::smsp::{Smsp, SmspOptions};
use crate::spine::{Spine, SpineOptions};
use crate::store::Store;

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
    /// A Spine FGM RIS double: query v1 and v2, create and delete, flags
    /// kept in a SQLite file.
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

/// `fgm serve spine`.
#[derive(Debug, Args)]
pub struct SpineArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The SQLite file the flags are kept in (created if absent).
    #[arg(long, value_name = "FILE")]
    pub store: PathBuf,
    /// TLS.
    #[command(flatten)]
    pub tls: ServerTlsArgs,
    /// The sender ASIDs accepted, comma-separated (default: any).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub asid_allow: Option<Vec<String>>,
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
    /// The SQLite file answered flags are kept in (created if absent).
    #[arg(long, value_name = "FILE")]
    pub store: PathBuf,
    /// TLS towards local systems.
    #[command(flatten)]
    pub tls: ServerTlsArgs,
    /// The certificate and key towards Spine, and Spine's CA.
    #[command(flatten)]
    pub upstream_tls: ClientTlsArgs,
    /// The authors (SDS user ids) accepted, comma-separated (default: any).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub author_allow: Option<Vec<String>>,
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

fn server_options(tls: &ServerTlsArgs) -> Result<ServerOptions, String> {
    let mut options = ServerOptions::default();
    if let (Some(cert), Some(key)) = (&tls.tls_cert, &tls.tls_key) {
        let ca = tls.client_ca.as_deref().map(read).transpose()?;
        options.tls = Some(
            crate::tls::server_config(&read(cert)?, &read(key)?, ca.as_deref())
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

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
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
        eprintln!("{name} listening on {scheme}://{addr}");
        server::serve(listener, handler, options, server::shutdown_signal()).await;
        eprintln!("{name} stopped");
        Ok(())
    })
}

/// Runs `fgm serve`: serves until SIGINT or SIGTERM. Exit code 0, or 2
/// after printing what stopped it.
pub fn run_serve(args: ServeArgs) -> u8 {
    let result = match args.what {
        Serve::Spine(args) => (|| {
            let store = Store::open(&args.store).map_err(|e| e.to_string())?;
            let spine = Spine::new(
                Arc::new(store),
                SpineOptions {
                    asid_allow: args.asid_allow,
                    ..SpineOptions::default()
                },
            );
            let options = server_options(&args.tls)?;
            serve_until_signal("Spine double", args.listen, Arc::new(spine), options)
        })(),
        Serve::Smsp(args) => (|| {
            let store = Store::open(&args.store).map_err(|e| e.to_string())?;
            let upstream = Client::new(&args.upstream, &client_options(&args.upstream_tls)?)
                .map_err(|e| e.to_string())?;
            let smsp = Smsp::new(
                upstream,
                Arc::new(store),
                SmspOptions {
                    author_allow: args.author_allow,
                    ..SmspOptions::default()
                },
            );
            let options = server_options(&args.tls)?;
            serve_until_signal("SMSP", args.listen, Arc::new(smsp), options)
        })(),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("fgm serve: {e}");
            2
        }
    }
}

/// One line saying what an answer means.
pub fn describe(status: u16, reply: &SpineReply) -> String {
    match reply {
        SpineReply::Flag(flag) => {
            let local = "DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE";
            let from_store = fgm_types::spine::response_code(local)
                .is_some_and(|r| r.http_status == status && status != 200);
            format!(
                "HTTP {status}: FGM risk indicator for {} since {}{}",
                fgm_types::spine::flag_nhs_number(flag).unwrap_or("(no NHS number)"),
                flag.period.start,
                if from_store {
                    format!(" ({local})")
                } else {
                    String::new()
                }
            )
        }
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

/// Runs `fgm send`: prints what the answer means (and, with `--body`, the
/// body). Exit code 0 for a success or no record, 1 for a Spine error or
/// warning, 2 when no Spine answer came (or on a usage error).
pub fn run_send(args: SendArgs) -> u8 {
    let result = (|| {
        let bytes = read(&args.file)?;
        let request = Message::parse(&bytes)
            .map_err(|e| format!("{}: {e}", args.file.display()))?
            .value;
        let client =
            Client::new(&args.to, &client_options(&args.tls)?).map_err(|e| e.to_string())?;
        let answer = runtime()?
            .block_on(client.send(&request))
            .map_err(|e| e.to_string())?;
        // A closed standard output is not an error of the exchange.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", describe(answer.status, &answer.reply));
        if args.body {
            let _ = writeln!(out, "{}", String::from_utf8_lossy(&answer.body));
        }
        Ok(u8::from(matches!(answer.reply, SpineReply::Error(_))))
    })();
    result.unwrap_or_else(|e: String| {
        eprintln!("fgm send: {e}");
        2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_says_what_an_answer_means() {
        let flag =
            Box::new(fgm_types::spine::build::query_flag("9434765919", "2024-01-01").unwrap());
        let found = describe(200, &SpineReply::Flag(flag.clone()));
        assert_eq!(
            found,
            "HTTP 200: FGM risk indicator for 9434765919 since 2024-01-01"
        );
        let local = describe(203, &SpineReply::Flag(flag));
        assert!(
            local.ends_with("(DATA_RETURNED_FROM_LOCAL_STORE_SPINE_UNAVAILABLE)"),
            "{local}"
        );
        assert_eq!(describe(201, &SpineReply::Created), "HTTP 201: created");
    }
}
