//! Benchmark helper for bench/search/run.sh: how long the search index adds to a build.
//!
//! `cargo run --release -p generator --example search_index_timing -- ROOT [RUNS]` loads the
//! content root once, then times `search::build_index` RUNS times (default 5) and prints the
//! median milliseconds, the file count and the total bytes.

use std::path::PathBuf;
use std::time::Instant;

use generator::{content, search, OutputBody};

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: search_index_timing ROOT [RUNS]"));
    let runs: usize = args
        .next()
        .map(|r| r.parse().expect("RUNS is a number"))
        .unwrap_or(5);
    let content = content::load(&root).unwrap_or_else(|p| panic!("{p}"));
    let mut times = Vec::new();
    let mut files = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        files = search::build_index(&content);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let bytes: usize = files
        .iter()
        .map(|f| match &f.body {
            OutputBody::Bytes(b) => b.len(),
            OutputBody::Copy(_) => 0,
        })
        .sum();
    println!(
        "mentors={} index_ms_median={:.1} files={} bytes={}",
        content.mentors.len(),
        times[times.len() / 2],
        files.len(),
        bytes
    );
}
