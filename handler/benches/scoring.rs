//! Scoring one application against 10,000 synthetic mentors (target: ≤ 2 ms).
//! Run: `cargo bench -p handler --bench scoring`; figures go to BENCHMARKS.md.

use std::collections::HashSet;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use handler::sample;
use handler::scoring::{completeness, match_mentors, Matcher};

fn scoring(c: &mut Criterion) {
    let matcher = Matcher::new(sample::synthetic_catalog(10_000)).unwrap();
    let app = sample::application();
    let none = HashSet::new();
    assert_eq!(match_mentors(&matcher, &app, &none).candidates, 10_000);

    c.bench_function("match_mentors/10k_mentors", |b| {
        b.iter(|| match_mentors(black_box(&matcher), black_box(&app), &none))
    });

    let full: HashSet<String> = matcher
        .catalog()
        .mentors
        .iter()
        .step_by(10)
        .map(|m| m.slug.clone())
        .collect();
    c.bench_function("match_mentors/10k_mentors_1k_at_capacity", |b| {
        b.iter(|| match_mentors(black_box(&matcher), black_box(&app), &full))
    });

    c.bench_function("completeness", |b| {
        b.iter(|| completeness(black_box(&app), &matcher.catalog().matching))
    });

    c.bench_function("prepare_catalog/10k_mentors", |b| {
        b.iter(|| Matcher::new(black_box(sample::synthetic_catalog(10_000))).unwrap())
    });
}

criterion_group!(benches, scoring);
criterion_main!(benches);
