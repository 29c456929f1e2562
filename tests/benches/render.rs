//! Render speed: one example service on one snapshot, from texts (parse + render + canonical
//! JSON, what the web page does on every keystroke), and the whole example matrix.
//! Run: `cargo bench -p ocigen-tests --bench render`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocigen_core::{render_request, Preset};
use ocigen_tests::{large_request, request, services, snapshots};

fn bench(c: &mut Criterion) {
    let services = services();
    let snapshots = snapshots();
    let pick = |svc: &str, snap: &str| {
        let s = services
            .iter()
            .find(|s| s.stem == svc)
            .expect("service fixture");
        let n = snapshots
            .iter()
            .find(|n| n.stem == snap)
            .expect("snapshot fixture");
        request(s, n)
    };
    let gpu = pick("gpu-inference", "nvidia-h200-v2-nested");
    c.bench_function(
        "render gpu-inference on nvidia-h200 (built-in passthrough)",
        |b| b.iter(|| render_request(black_box(&gpu))),
    );
    let cdi = pick("gpu-training", "nvidia-8gpu-cdi-v2-root");
    c.bench_function("render gpu-training on 8-GPU host (two CDI files)", |b| {
        b.iter(|| render_request(black_box(&cdi)))
    });
    let web = pick("web", "nogpu-v2-root");
    c.bench_function("render web with image config and passwd", |b| {
        b.iter(|| render_request(black_box(&web)))
    });
    // The seccomp pass's cost: the smallest service with Docker's profile (resolved for the
    // host's arch, kernel and the container's capabilities), without any, and with Podman's.
    let bare = pick("bare-service", "nogpu-v2-root");
    c.bench_function("render bare-service with Docker's seccomp profile", |b| {
        b.iter(|| render_request(black_box(&bare)))
    });
    let mut unconfined = bare.clone();
    unconfined
        .service_text
        .push_str("security_opt: [seccomp=unconfined]\n");
    c.bench_function("render bare-service with seccomp=unconfined", |b| {
        b.iter(|| render_request(black_box(&unconfined)))
    });
    let mut podman = bare.clone();
    podman.preset = Some(Preset::Podman);
    c.bench_function(
        "render bare-service with Podman's preset and profile",
        |b| b.iter(|| render_request(black_box(&podman))),
    );
    // Bounded work (issue 14): every pass is linear or n log n in its input.
    let mut group = c.benchmark_group("large");
    group.sample_size(10);
    for (name, req) in [
        ("100,000 env entries", large_request(100_000, 0, 0)),
        ("10,000 tmpfs storage entries", large_request(0, 10_000, 0)),
        ("10,000 devices", large_request(0, 0, 10_000)),
    ] {
        group.bench_function(format!("render {name}"), |b| {
            b.iter(|| render_request(black_box(&req)))
        });
    }
    group.finish();
    let all: Vec<_> = snapshots
        .iter()
        .flat_map(|n| services.iter().map(move |s| request(s, n)))
        .collect();
    c.bench_function("render the whole example matrix (130 pairs)", |b| {
        b.iter(|| {
            all.iter()
                .map(|r| render_request(black_box(r)).len())
                .sum::<usize>()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
