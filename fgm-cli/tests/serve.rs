//! `fgm serve spine` and `fgm send` as a client team runs them: start the
//! double on a free loopback port, send messages, stop it with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fgm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fgm"))
}

#[test]
#[cfg(unix)]
fn serve_send_and_stop_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("fgm-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = fgm()
        .args(["serve", "spine", "--listen", "127.0.0.1:0", "--store"])
        .arg(dir.join("spine.db"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap());
    let mut first = String::new();
    log.read_line(&mut first).unwrap();
    assert_eq!(
        first,
        format!(
            "Spine double: audit chain holds, head entry 0 hash {}\n",
            "0".repeat(64)
        ),
        "the head to anchor, first"
    );
    let mut second = String::new();
    log.read_line(&mut second).unwrap();
    let url = second
        .trim()
        .strip_prefix("Spine double listening on ")
        .unwrap_or_else(|| panic!("{second}"))
        .to_owned();

    let create = dir.join("create.xml");
    let example = fgm().args(["example", "CreateRequest"]).output().unwrap();
    std::fs::write(&create, &example.stdout).unwrap();
    let send = |file: &std::path::Path, to: &str| {
        fgm()
            .arg("send")
            .arg(file)
            .args(["--to", to])
            .output()
            .unwrap()
    };
    let created = send(&create, &url);
    assert_eq!(
        String::from_utf8_lossy(&created.stdout),
        "HTTP 201: created\n"
    );
    assert_eq!(created.status.code(), Some(0));
    let again = send(&create, &url);
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("HTTP 422: FLAG_ALREADY_SET (warning)")
    );
    assert_eq!(again.status.code(), Some(1));

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "fgm serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut log, &mut rest).unwrap();
    assert_eq!(rest, "Spine double stopped\n");
    let gone = send(&create, &url);
    assert_eq!(gone.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&gone.stderr).starts_with("fgm send: no answer"));
    let verified = fgm()
        .args(["audit", "verify", "--store"])
        .arg(dir.join("spine.db"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verified.stdout).starts_with("the chain holds: 2 entries"),
        "{verified:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_service_date_that_is_not_a_full_date_is_refused_at_start() {
    for what in ["spine", "smsp"] {
        let mut command = fgm();
        command.args([
            "serve",
            what,
            "--store",
            "/nonexistent/x.db",
            "--today",
            "2024-02",
        ]);
        if what == "smsp" {
            command.args(["--upstream", "http://127.0.0.1:9"]);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{what}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err,
            "fgm serve: --today 2024-02: a full date (YYYY-MM-DD) is needed\n"
        );
    }
}
