//! The benchmark: typed parse and write against the XML floor, on the same
//! bytes, in one run; batches; growing messages; the generator.
//!
//! ```sh
//! cargo bench -p fgm-types --bench messages            # everything
//! cargo bench -p fgm-types --bench messages -- quick   # fewer iterations
//! # one task in a loop, for a profiler (callgrind counts instructions):
//! cargo bench -p fgm-types --bench messages -- profile floor|typed|noref|tree|write|validate FILE N
//! # a grown message written out, for the profile mode:
//! cargo bench -p fgm-types --bench messages -- grown string|extensions|unknown SIZE FILE
//! # the peak memory of one grown message's read, typed and roxmltree's:
//! cargo bench -p fgm-types --bench messages -- memory string|extensions|unknown SIZE
//! ```
//!
//! Times are medians of many iterations in one process; memory is the rise
//! from the resident set before a read to the peak after it, measured in a
//! child process per grown message so that cases do not share a peak.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use fgm::xml::{parse_document, ReadOptions};
use fgm_build::{Config, DefinitionFile};
use fgm_types::messages::{Interaction, Message};
use fgm_types::spine::{validate, ValidateOptions};

fn median(iterations: usize, f: impl FnMut()) -> Duration {
    medians(iterations, &mut [&mut { f }])[0]
}

/// The median time of each task. The tasks take turns in blocks of 100
/// iterations: each block runs warm, as a task alone would, and a slow spell
/// of the machine falls on all the tasks alike.
fn medians(iterations: usize, tasks: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    const BLOCK: usize = 100;
    let mut times = vec![Vec::with_capacity(iterations); tasks.len()];
    for _ in 0..iterations.div_ceil(BLOCK) {
        for (f, t) in tasks.iter_mut().zip(&mut times) {
            f(); // the first of a block runs cold, and is not counted
            for _ in 0..BLOCK.min(iterations) {
                let start = Instant::now();
                f();
                t.push(start.elapsed());
            }
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect()
}

fn quick_xml_scan(text: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return events,
            Ok(_) => events += 1,
            Err(e) => panic!("{e}"),
        }
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The published examples (when `../shared` is present) and one sample of
/// each interaction.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fgm-ris/examples"
    ));
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for f in files {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read_to_string(&f).unwrap()));
            }
        }
        Err(_) => eprintln!("(the published examples are not present: samples only)"),
    }
    for &i in Interaction::ALL {
        let m = fgm_types::spine::build::example(i).unwrap();
        out.push((format!("`fgm example {i:?}`"), m.to_xml()));
    }
    out
}

/// A field of `/proc/self/status` in KiB (`VmHWM`: peak resident set;
/// `VmRSS`: resident set now).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// A v2 query grown to about `size` bytes: by a long string value, by many
/// extensions, or by unknown content that lenient mode keeps. Built in one
/// allocation of its final size, so that no freed copy of it is left
/// resident for a read to reuse.
fn grown(how: &str, size: usize) -> String {
    let base = fgm_types::spine::build::example(Interaction::QueryV2Request)
        .unwrap()
        .to_xml();
    let room = size.saturating_sub(base.len() + 64);
    // Where the growth goes, before what; `one` repeated `times`, between
    // `open` and `close`.
    let (at, open, one, times, close) = match how {
        "string" => ("<endpoint", "<name value=\"", "x", room, "\"/>"),
        "extensions" => {
            let one =
                "<extension url=\"urn:example:x\"><valueString value=\"0123456789\"/></extension>";
            ("<timestamp", "", one, room / one.len(), "")
        }
        _ => {
            let one = "<note value=\"0123456789\"/>";
            ("<timestamp", "", one, room / one.len(), "")
        }
    };
    let i = base.find(at).expect("the base message has the element");
    let mut out = String::with_capacity(base.len() + open.len() + one.len() * times + close.len());
    out.push_str(&base[..i]);
    out.push_str(open);
    for _ in 0..times {
        out.push_str(one);
    }
    out.push_str(close);
    out.push_str(&base[i..]);
    out
}

/// Forgets the peak resident set so far (Linux 4.0 on: writing 5 to
/// `clear_refs`), so that the next peak is of what follows alone; false
/// where that cannot be done.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// In a child process: read one grown message, typed or (`floor`) with
/// roxmltree alone; print its size, the time, the memory resident before
/// and the peak after.
fn child(how: &str, size: usize, floor: bool) {
    let text = grown(how, size);
    // The peak from here on: not that of building the input.
    if !reset_peak_rss() {
        eprintln!("(the peak resident set cannot be reset: it includes building the input)");
    }
    let before = status_kib("VmRSS:");
    let options = ReadOptions::default().with_max_nodes(u32::MAX);
    let start = Instant::now();
    if floor {
        black_box(roxmltree::Document::parse(&text).expect("the grown message reads"));
    } else {
        black_box(Message::parse_with(&text, &options).expect("the grown message reads"));
    }
    let elapsed = start.elapsed();
    let after = peak_rss_kib();
    println!("{} {} {before} {after}", text.len(), us(elapsed));
}

/// Runs [`child`] in a child process: (bytes, µs, peak growth in bytes).
fn in_child(how: &str, size: usize, floor: bool) -> Result<(f64, f64, f64), String> {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--child",
            how,
            &size.to_string(),
            if floor { "floor" } else { "typed" },
        ])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    match v[..] {
        [len, t, before, after] => Ok((len, t, (after - before) * 1024.0)),
        _ => Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_owned()),
    }
}

/// Runs one task `n` times on one file, and nothing else.
fn profile(task: &str, file: &str, n: usize) {
    let bytes = std::fs::read(file).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    // The grown children's limit on nodes: a message grown to 4 MiB has
    // more than the default allows.
    let typed = ReadOptions::default().with_max_nodes(u32::MAX);
    let m = Message::parse_with(&bytes, &typed).unwrap().value;
    let noref = typed.with_check_references(false);
    for _ in 0..n {
        match task {
            "floor" => drop(black_box(roxmltree::Document::parse(black_box(text)))),
            "typed" => drop(black_box(Message::parse_with(black_box(&bytes), &typed))),
            "noref" => drop(black_box(Message::parse_with(black_box(&bytes), &noref))),
            // The checked tree alone (UTF-8, the scanner), as a typed parse builds it.
            "tree" => drop(black_box(parse_document(black_box(&bytes), &typed))),
            "write" => drop(black_box(black_box(&m).to_xml())),
            "validate" => drop(black_box(validate(
                black_box(&m),
                &ValidateOptions::default(),
            ))),
            _ => panic!("profile floor|typed|noref|tree|write|validate FILE N"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(
            &args[i + 1],
            args[i + 2].parse().unwrap(),
            args[i + 3] == "floor",
        );
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "grown") {
        let text = grown(&args[i + 1], args[i + 2].parse().unwrap());
        std::fs::write(&args[i + 3], text).unwrap();
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "memory") {
        let (how, size) = (&args[i + 1], args[i + 2].parse().unwrap());
        for floor in [false, true] {
            match in_child(how, size, floor) {
                Ok((len, _, grew)) => println!(
                    "{how} {len} {}: peak growth {:.0} KiB, {:.2} of the size",
                    if floor { "roxmltree" } else { "typed" },
                    grew / 1024.0,
                    grew / len
                ),
                Err(why) => println!("{how} {size}: failed: {why}"),
            }
        }
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "profile") {
        profile(&args[i + 1], &args[i + 2], args[i + 3].parse().unwrap());
        return;
    }
    let quick = args.iter().any(|a| a == "quick");
    let n = if quick { 2_000 } else { 20_000 };

    println!("## Per message (median of {n} iterations, µs)\n");
    println!("| message | bytes | roxmltree | quick-xml scan | typed parse | ×roxmltree | of which the checked tree | typed layer ×roxmltree | parse + validate | (parse + validate) / parse | write | write / parse |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut worst: f64 = 0.0;
    let mut worst_validated: f64 = 0.0;
    for (name, text) in corpus() {
        let bytes = text.as_bytes();
        let m = Message::parse(bytes).unwrap().value;
        let options = ReadOptions::default();
        let validated = ValidateOptions::default();
        let [floor, scan, parse, tree, checked, write] = medians(
            n,
            &mut [
                &mut || {
                    drop(black_box(
                        roxmltree::Document::parse(black_box(&text)).unwrap(),
                    ))
                },
                &mut || {
                    black_box(quick_xml_scan(black_box(&text)));
                },
                &mut || drop(black_box(Message::parse(black_box(bytes)).unwrap())),
                // The tree alone, as the typed parse builds and checks it.
                &mut || {
                    drop(black_box(
                        parse_document(black_box(bytes), &options).unwrap(),
                    ))
                },
                &mut || {
                    let m = Message::parse(black_box(bytes)).unwrap().value;
                    drop(black_box(validate(&m, &validated)));
                },
                &mut || drop(black_box(black_box(&m).to_xml())),
            ],
        )[..] else {
            unreachable!("six tasks")
        };
        let ratio = parse.as_secs_f64() / floor.as_secs_f64();
        worst = worst.max(ratio);
        let validated = checked.as_secs_f64() / parse.as_secs_f64();
        worst_validated = worst_validated.max(validated);
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {ratio:.2} | {:.2} | {:.2} | {:.2} | {validated:.2} | {:.2} | {:.2} |",
            bytes.len(),
            us(floor),
            us(scan),
            us(parse),
            us(tree),
            (parse.as_secs_f64() - tree.as_secs_f64()) / floor.as_secs_f64(),
            us(checked),
            us(write),
            write.as_secs_f64() / parse.as_secs_f64()
        );
    }
    println!("\nWorst typed parse / roxmltree: {worst:.2}");
    println!("Worst (parse + validate) / parse: {worst_validated:.2}");

    println!("\n## Batches through one parser (the sample create request)\n");
    println!("| messages | total ms | messages/s | peak RSS KiB |");
    println!("|---|---|---|---|");
    let batch = fgm_types::spine::build::example(Interaction::CreateRequest)
        .unwrap()
        .to_xml();
    let largest = if quick { 10_000 } else { 100_000 };
    for count in [1usize, 10, 100, 1_000, 10_000, largest] {
        let start = Instant::now();
        for _ in 0..count {
            drop(black_box(
                Message::parse(black_box(batch.as_bytes())).unwrap(),
            ));
        }
        let t = start.elapsed();
        println!(
            "| {count} | {:.1} | {:.0} | {} |",
            t.as_secs_f64() * 1e3,
            count as f64 / t.as_secs_f64(),
            peak_rss_kib()
        );
    }

    println!("\n## Growing messages (a child process each)\n");
    println!("| grown by | bytes | typed parse ms | ns / byte | ×roxmltree | peak growth / size | roxmltree's peak growth / size |");
    println!("|---|---|---|---|---|---|---|");
    for how in ["string", "extensions", "unknown"] {
        for size in [16 << 10, 256 << 10, 1 << 20, (4 << 20) - 4096] {
            let (typed, floor) = (in_child(how, size, false), in_child(how, size, true));
            match (typed, floor) {
                (Ok((len, t, grew)), Ok((_, ft, fgrew))) => println!(
                    "| {how} | {len} | {:.2} | {:.1} | {:.2} | {:.2} | {:.2} |",
                    t / 1e3,
                    t * 1e3 / len,
                    t / ft,
                    grew / len,
                    fgrew / len
                ),
                (Err(why), _) | (_, Err(why)) => {
                    println!("| {how} | {size} | failed: {why} | | | | |")
                }
            }
        }
    }

    println!("\n## The generator\n");
    let files: Vec<DefinitionFile> = fgm_types::definitions::FILES
        .iter()
        .map(|(path, text)| DefinitionFile {
            path: (*path).into(),
            text: (*text).to_owned(),
        })
        .collect();
    let runs = if quick { 5 } else { 21 };
    let generate = median(runs, || {
        let generated = Config::new()
            .definition_files(files.clone())
            .generate()
            .unwrap();
        drop(black_box(generated));
    });
    println!(
        "Generating all definitions ({} files, in memory, emitted and formatted): {:.1} ms (median of {runs})",
        files.len(),
        generate.as_secs_f64() * 1e3
    );
}
