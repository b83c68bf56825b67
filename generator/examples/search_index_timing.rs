//! Benchmark helper for bench/search/run.sh: how long the search index adds to a build.
//!
//! `cargo run --release -p generator --example search_index_timing -- ROOT [RUNS]` loads the
//! content root once, then times `search::build_index` RUNS times (default 5) and prints the
//! median milliseconds (wall and CPU, all threads), the file count and the total bytes.

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
    let mut cpu = Vec::new();
    let mut files = Vec::new();
    for _ in 0..runs {
        let (started, cpu_started) = (Instant::now(), cpu_ms());
        files = search::build_index(&content);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ms() - cpu_started);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    cpu.sort_by(|a, b| a.total_cmp(b));
    let bytes: usize = files
        .iter()
        .map(|f| match &f.body {
            OutputBody::Bytes(b) => b.len(),
            OutputBody::Copy(_) => 0,
        })
        .sum();
    println!(
        "mentors={} index_ms_median={:.1} index_cpu_ms_median={:.0} files={} bytes={}",
        content.mentors.len(),
        times[times.len() / 2],
        cpu[cpu.len() / 2],
        files.len(),
        bytes
    );
}

/// CPU time (user + system, all threads) this process has used, from /proc/self/stat: less
/// sensitive than wall time to other processes sharing the machine. 0 where there is no /proc.
fn cpu_ms() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
    ticks * 10.0 // USER_HZ is 100 on Linux
}
