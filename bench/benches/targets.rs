//! Criterion benches, one group per row of issue 11's target table; each group measures its
//! floor (serde_json pretty-printing the finished output) in the same run, so the ratio is
//! read from one report on a noisy machine. Run: `cargo bench -p ocigen-bench`; the size row
//! alone: `cargo bench -p ocigen-bench -- "size row"`.
//! No timing is asserted anywhere: these only measure.

use criterion::{black_box, criterion_group, criterion_main, Criterion, SamplingMode};
use ocigen_bench::{
    envelope_floor, example_mix, parsed, pick, scaled_dimension, spec_floor, CASES,
};
use ocigen_core::{render, render_request};

/// Rows 1-2: render from parsed inputs + config.json, against the Spec's pretty-printing.
fn from_parsed(c: &mut Criterion) {
    let mut g = c.benchmark_group("render from parsed inputs");
    for (label, service, snapshot) in CASES {
        let p = parsed(&pick(service, snapshot));
        let spec = render(&p.inputs()).expect("renders").spec;
        g.bench_function(format!("{label}: render + config.json"), |b| {
            b.iter(|| {
                render(black_box(&p.inputs()))
                    .expect("renders")
                    .config_json()
            })
        });
        g.bench_function(format!("{label}: floor"), |b| {
            b.iter(|| spec_floor(black_box(&spec)))
        });
        // Not a target, a bound: allocating and freeing the owned Spec, which any render
        // that returns one pays on top of writing it.
        g.bench_function(format!("{label}: owned Spec (clone + drop)"), |b| {
            b.iter(|| black_box(spec.clone()))
        });
    }
    g.finish();
}

/// Row 3: from texts to the full envelope, against pretty-printing that envelope.
fn from_texts(c: &mut Criterion) {
    let mut g = c.benchmark_group("render from texts");
    for (label, service, snapshot) in CASES {
        let r = pick(service, snapshot);
        let envelope: serde_json::Value =
            serde_json::from_str(&render_request(&r)).expect("envelope is JSON");
        g.bench_function(format!("{label}: render_request"), |b| {
            b.iter(|| render_request(black_box(&r)))
        });
        g.bench_function(format!("{label}: floor"), |b| {
            b.iter(|| envelope_floor(black_box(&envelope)))
        });
    }
    g.finish();
}

/// Row 4: the example mix from texts (one pass; 10,000 renders = this x 10,000 / mix size).
fn mix(c: &mut Criterion) {
    let mix = example_mix();
    let mut g = c.benchmark_group("example mix from texts");
    g.sample_size(10);
    g.bench_function(format!("{} renders", mix.len()), |b| {
        b.iter(|| {
            mix.iter()
                .map(|r| render_request(black_box(r)).len())
                .sum::<usize>()
        })
    });
    // The floor: pretty-printing the same envelopes, already built.
    let envelopes: Vec<serde_json::Value> = mix
        .iter()
        .map(|r| serde_json::from_str(&render_request(r)).expect("envelope is JSON"))
        .collect();
    g.bench_function(format!("{} envelopes: floor", mix.len()), |b| {
        b.iter(|| {
            envelopes
                .iter()
                .map(|e| envelope_floor(black_box(e)))
                .sum::<usize>()
        })
    });
    g.finish();
}

/// Row 5: the size row, one dimension at a time (all three in one file exceed the YAML
/// reader's node budget), each at 1x and 2x so linearity reads as the ratio of the two.
/// From texts to the full envelope, as the page and the CLI do.
fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("size row from texts");
    g.sample_size(10);
    // Each render takes tens to hundreds of ms: one render per sample.
    g.sampling_mode(SamplingMode::Flat);
    for (dimension, what, sizes) in [
        ("env", "env entries", [50_000, 100_000]),
        ("storage", "tmpfs storage entries", [5_000, 10_000]),
        ("devices", "devices", [5_000, 10_000]),
    ] {
        for n in sizes {
            let r = scaled_dimension(dimension, n).expect("a dimension");
            g.bench_function(format!("{n} {what}"), |b| {
                b.iter(|| render_request(black_box(&r)))
            });
            // The row's floor: the YAML library reading the service text into a plain
            // value, nothing typed or checked (for 100,000 env it is over the 100 ms target).
            g.bench_function(
                format!("{n} {what}: floor (YAML text to a plain value)"),
                |b| {
                    b.iter(|| {
                        serde_saphyr::from_str::<serde_json::Value>(black_box(&r.service_text))
                            .expect("the row's service is YAML")
                    })
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, from_parsed, from_texts, mix, scaling);
criterion_main!(benches);
