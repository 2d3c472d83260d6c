//! Times, in one process, the typed parse and the write of a message
//! against `roxmltree::Document::parse` alone on the same bytes: the median
//! of many iterations each.
//!
//! ```sh
//! cargo run --release -p fgm-types --example parse_speed -- ../shared/fgm-ris/examples/create-request.xml
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use fgm_types::messages::Message;

fn median(mut f: impl FnMut(), iterations: usize) -> Duration {
    for _ in 0..iterations / 10 {
        f();
    }
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: parse_speed FILE [ITERATIONS]");
    let iterations: usize = std::env::args()
        .nth(2)
        .map_or(20_000, |n| n.parse().expect("a number of iterations"));
    let bytes = std::fs::read(&path).expect("readable file");
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    let message = Message::parse(&bytes).expect("the message reads").value;

    let floor = median(
        || {
            drop(black_box(
                roxmltree::Document::parse(black_box(text)).unwrap(),
            ))
        },
        iterations,
    );
    let parse = median(
        || drop(black_box(Message::parse(black_box(&bytes)).unwrap())),
        iterations,
    );
    let write = median(|| drop(black_box(black_box(&message).to_xml())), iterations);
    println!(
        "{path}: {} bytes, median of {iterations} iterations",
        bytes.len()
    );
    println!("  roxmltree::Document::parse  {:>9.2?}", floor);
    println!(
        "  typed parse (lenient)       {:>9.2?}  {:.2}x roxmltree",
        parse,
        parse.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  write (compact)             {:>9.2?}  {:.2}x roxmltree",
        write,
        write.as_secs_f64() / floor.as_secs_f64()
    );
}
