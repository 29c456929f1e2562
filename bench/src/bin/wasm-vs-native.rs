//! Issue 11's "core in wasmtime / native" row: the same render requests (the three CASES and
//! the example mix) rendered natively (`render_request_json`) and by the core's wasm32 C-ABI
//! module (ocigen-wasm, feature `cabi`) in wasmtime with Cranelift at `OptLevel::Speed`.
//! The module is compiled once, one instance is reused, each request is copied into the
//! instance's memory once before timing, and only the `ocigen_render` call is timed (the
//! native side times only `render_request_json`). Both sides are checked to give the same
//! bytes.
//!
//! Build and run (the module: see docs/performance.md, "Rows measured by the perf-measure
//! branch"):
//! `cargo run --release -p ocigen-bench --features wasmtime --bin wasm-vs-native -- MODULE.wasm [rounds]`

use std::path::Path;
use std::time::Instant;

use ocigen_bench::{example_mix, pick, CASES};
use ocigen_core::{render_request_json, RenderRequest};

// The parity test's runner (wasmtime's default Cranelift level is `OptLevel::Speed`); only
// the instance's calls are used here, not its module build.
#[allow(dead_code)]
#[path = "../../../tests/src/wasmtime_runner.rs"]
mod wasmtime_runner;
use wasmtime_runner::{WasmCore, WasmInstance};

fn load(path: &str) -> WasmInstance {
    let started = Instant::now();
    let core = WasmCore::load(Path::new(path)).expect("module compiles");
    eprintln!("compiled {path} in {:.2?}", started.elapsed());
    core.instantiate().expect("instantiates")
}

/// The timed part: one `ocigen_render` call; returns the envelope's (ptr, len).
#[inline(never)]
fn measured_wasm_render(wasm: &mut WasmInstance, request: (u32, u32)) -> (u32, u32) {
    wasm.call_render(request).expect("no trap")
}

#[inline(never)]
fn measured_native_render(request_json: &str) -> String {
    render_request_json(std::hint::black_box(request_json))
}

fn json(r: &RenderRequest) -> String {
    serde_json::to_string(r).expect("a RenderRequest serializes")
}

/// Seconds for one pass over `reqs`, native and in wasm, `rounds` times alternating the two;
/// returns the medians.
fn time(wasm: &mut WasmInstance, reqs: &[String], rounds: usize) -> (f64, f64) {
    let placed: Vec<_> = reqs
        .iter()
        .map(|r| wasm.put(r.as_bytes()).expect("request copied in"))
        .collect();
    // Warm both sides (the per-thread CDI and seccomp caches, the allocators) and check the
    // bytes are the same.
    for (r, p) in reqs.iter().zip(&placed) {
        let out = measured_wasm_render(wasm, *p);
        assert_eq!(
            wasm.read(out).expect("envelope read"),
            measured_native_render(r),
            "wasm and native differ"
        );
        wasm.free(out).expect("freed");
    }
    let (mut native, mut in_wasm) = (vec![], vec![]);
    for _ in 0..rounds {
        let start = Instant::now();
        for r in reqs {
            std::hint::black_box(measured_native_render(r));
        }
        native.push(start.elapsed().as_secs_f64());
        let mut outs = Vec::with_capacity(placed.len());
        let start = Instant::now();
        for p in &placed {
            outs.push(measured_wasm_render(wasm, *p));
        }
        in_wasm.push(start.elapsed().as_secs_f64());
        for out in outs {
            wasm.free(out).expect("freed");
        }
    }
    for p in placed {
        wasm.free(p).expect("freed");
    }
    native.sort_by(f64::total_cmp);
    in_wasm.sort_by(f64::total_cmp);
    (native[rounds / 2], in_wasm[rounds / 2])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: wasm-vs-native MODULE.wasm [rounds] [only: case index or mix]");
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(21);
    let only = args.get(3).map(String::as_str);
    let mut wasm = load(path);
    println!("| case | native | wasmtime | wasmtime / native |");
    println!("|---|---|---|---|");
    for (i, (label, service, snapshot)) in CASES.iter().enumerate() {
        if only.is_some_and(|o| o != i.to_string()) {
            continue;
        }
        // One request repeated, so a pass is long enough to time (about 10 ms natively).
        let reqs = vec![json(&pick(service, snapshot)); 20];
        let (n, w) = time(&mut wasm, &reqs, rounds);
        println!(
            "| {label} (render_request_json) | {:.1} us | {:.1} us | {:.2}x |",
            n / 20.0 * 1e6,
            w / 20.0 * 1e6,
            w / n
        );
    }
    if only.is_none_or(|o| o == "mix") {
        let mix: Vec<String> = example_mix().iter().map(json).collect();
        let k = mix.len() as f64;
        let (n, w) = time(&mut wasm, &mix, rounds.div_ceil(3));
        println!(
            "| example mix, {} requests, per render | {:.1} us | {:.1} us | {:.2}x |",
            mix.len(),
            n / k * 1e6,
            w / k * 1e6,
            w / n
        );
    }
}
