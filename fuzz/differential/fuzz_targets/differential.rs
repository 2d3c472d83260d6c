//! Raw bytes → the checkout's reader and the oracle's (the reader of a
//! fixed commit, `../oracle.sh`), leniently, strictly and leniently within
//! tight limits: the same outcome, rendered the same way. On success that
//! is the message written back out (`to_xml`) and every warning; on
//! failure the error; each issue with its code, FHIR path, line, column,
//! message and Spine code. Any difference panics, showing both renderings.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// How each input is read: lenient, strict, and lenient within limits a
/// typical message meets (depth 10, 200 nodes, 2 KiB).
const MODES: [&str; 3] = ["lenient", "strict", "tight"];

/// `render_new` and `render_oracle`: one text, so that both readers are
/// rendered by the same code, each with its own crates.
macro_rules! renderer {
    ($name:ident, $fgm:ident, $types:ident) => {
        fn $name(data: &[u8], mode: &str) -> String {
            use std::fmt::Write as _;
            let mut options = $fgm::xml::ReadOptions::default();
            match mode {
                "strict" => options = $fgm::xml::ReadOptions::strict(),
                "tight" => {
                    options.max_depth = 10;
                    options.max_nodes = 200;
                    options.max_bytes = 2048;
                }
                _ => {}
            }
            let mut out = String::new();
            let mut issue = |kind: &str, i: &$fgm::xml::Issue| {
                writeln!(
                    out,
                    "{kind} {} {:?} {}:{} {:?} {}",
                    i.code.as_str(),
                    i.path,
                    i.line,
                    i.column,
                    i.message,
                    i.spine_code()
                )
                .expect("write to a String");
            };
            match $types::messages::Message::parse_with(data, &options) {
                Ok(parsed) => {
                    for w in &parsed.warnings {
                        issue("warning", w);
                    }
                    writeln!(out, "ok {:?}", parsed.value.to_xml()).expect("write to a String");
                }
                Err(e) => issue("error", &e),
            }
            out
        }
    };
}

renderer!(render_new, fgm, fgm_types);
renderer!(render_oracle, fgm_oracle, fgm_types_oracle);

fuzz_target!(|data: &[u8]| {
    for mode in MODES {
        let new = render_new(data, mode);
        let oracle = render_oracle(data, mode);
        if new != oracle {
            let line = new
                .lines()
                .zip(oracle.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| new.lines().count().min(oracle.lines().count()));
            panic!(
                "the readers differ ({mode}; first at line {}):\n--- oracle\n{oracle}--- new\n{new}",
                line + 1
            );
        }
    }
});
