//! The profiling driver: runs one kind of work a fixed number of times so callgrind's
//! instruction counts (stable on a loaded machine, unlike wall time) can be compared
//! before/after a change. Usage: `ocigen-profile <mode> [n]`, mode one of
//! `mix` (render_request over the example mix), `parsed` (render from parsed inputs, the
//! three cases), `floor` (serde_json pretty of the same Specs), `parse` (texts -> inputs), `texts` (render_request of the cases), `envfloor` (pretty
//! of their envelopes), `ownfloor` (clone and drop of the finished Specs: what building an
//! owned Spec costs at least), `mixfloor` (pretty-printing every envelope of the mix),
//! `snapshot` (parsing a snapshot text, uncached), `dump` (every output, to diff two builds),
//! `scale N` (the size row's shape at N and 2N), `scale-env N [reps] [phases]`,
//! `scale-storage ...`, `scale-devices ...`, `scale-all ...` (one dimension of the size row,
//! see [`scale`]).

use ocigen_bench::{envelope_floor, example_mix, parsed, pick, spec_floor, CASES};
use ocigen_core::{render, render_request, RenderRequest};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("mix");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    // Optional third argument: one case of CASES (0, 1, 2) instead of all three.
    let only: Option<usize> = args.get(3).and_then(|s| s.parse().ok());
    let cases: Vec<_> = CASES
        .iter()
        .enumerate()
        .filter(|(i, _)| only.is_none_or(|o| o == *i))
        .map(|(_, c)| *c)
        .collect();
    if let Some(dimension) = mode.strip_prefix("scale-") {
        // `scale-env N [reps] [phases]` etc.: one dimension of the size row, see `scale`.
        let reps = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
        scale(
            dimension,
            n,
            reps,
            args.get(4).is_some_and(|a| a == "phases"),
        );
        return;
    }
    let mut total = 0usize;
    match mode {
        "mix" => {
            let mix = example_mix();
            let start = std::time::Instant::now();
            for _ in 0..n {
                for r in &mix {
                    total += render_request(r).len();
                }
            }
            eprintln!(
                "{} renders from texts in {:?}",
                n * mix.len(),
                start.elapsed()
            );
        }
        "parsed" => {
            let inputs: Vec<_> = cases.iter().map(|(_, s, h)| parsed(&pick(s, h))).collect();
            for _ in 0..n {
                for p in &inputs {
                    total += render(&p.inputs()).expect("renders").config_json().len();
                }
            }
        }
        "floor" => {
            // Rendered once, outside the loop: only the pretty-printing is counted n times.
            let specs = rendered_specs(&cases);
            for _ in 0..n {
                for spec in &specs {
                    total += spec_floor(spec);
                }
            }
        }
        "ownfloor" => {
            // What building the owned `Spec` alone costs, whatever computes it: a clone of
            // the finished value and its drop (every string and list allocated and freed).
            let specs = rendered_specs(&cases);
            for _ in 0..n {
                for spec in &specs {
                    let copy = std::hint::black_box(spec.clone());
                    total += copy.hostname().as_ref().map_or(0, String::len);
                }
            }
        }
        "mixfloor" => {
            // The mix's envelopes built once; only their pretty-printing is counted n times.
            let envs: Vec<serde_json::Value> = example_mix()
                .iter()
                .map(|r| serde_json::from_str(&render_request(r)).expect("JSON"))
                .collect();
            for _ in 0..n {
                for e in &envs {
                    total += envelope_floor(e);
                }
            }
        }
        "snapshot" => {
            // Parsing and checking a snapshot text, uncached: what the first render against a
            // snapshot pays on top of a warm `texts` render.
            let reqs: Vec<_> = cases.iter().map(|(_, s, h)| pick(s, h)).collect();
            for _ in 0..n {
                for r in &reqs {
                    let s = ocigen_core::Snapshot::from_json("snapshot.json", &r.snapshot_json)
                        .expect("fixture parses");
                    total += s.kernel.release.len();
                }
            }
        }
        "parse" => {
            let mix = example_mix();
            for _ in 0..n {
                for r in &mix {
                    total += r.parse().map(|p| p.service.name.len()).unwrap_or(0);
                }
            }
        }
        "texts" => {
            let reqs: Vec<_> = cases.iter().map(|(_, s, h)| pick(s, h)).collect();
            for _ in 0..n {
                for r in &reqs {
                    total += render_request(r).len();
                }
            }
        }
        "envfloor" => {
            // The envelopes built once; only their pretty-printing is counted n times.
            let envs: Vec<serde_json::Value> = cases
                .iter()
                .map(|(_, s, h)| serde_json::from_str(&render_request(&pick(s, h))).expect("JSON"))
                .collect();
            for _ in 0..n {
                for e in &envs {
                    total += envelope_floor(e);
                }
            }
        }
        "scale" => {
            // Issue 11's size row in its shape (n env, n/10 storage, n/10 devices) at n and 2n.
            for k in [n, 2 * n] {
                let r = ocigen_bench::scaled(k);
                let start = std::time::Instant::now();
                let out = render_request(&r);
                eprintln!(
                    "{k} env, {} storage, {} devices: {:?} ({} bytes out, ok: {})",
                    k / 10,
                    k / 10,
                    start.elapsed(),
                    out.len(),
                    out.contains("\"ok\": true")
                );
                total += out.len();
            }
        }
        "dump" => {
            // Every envelope of the mix and every config.json, to compare two builds' bytes.
            for r in example_mix() {
                print!("{}", render_request(&r));
                if let Ok(p) = r.parse() {
                    if let Ok(rendered) = render(&p.inputs()) {
                        print!("{}{}", rendered.config_json(), rendered.to_full_json());
                    }
                }
            }
            return;
        }
        other => panic!("unknown mode {other}"),
    }
    println!("{total}");
}

/// One dimension of the size row at size `n`: one untimed render to warm the per-thread
/// caches, then `reps` timed `render_request` calls (the whole envelope from texts), printing
/// each wall time and the median; with `phases`, also `reps` of each phase (parse, render,
/// canonical envelope with trace). Only `measured_request` runs the timed renders, so
/// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_request*'`
/// counts exactly the timed renders' instructions (divide by `reps`).
fn scale(dimension: &str, n: usize, reps: usize, phases: bool) {
    let r = ocigen_bench::scaled_dimension(dimension, n)
        .unwrap_or_else(|| panic!("unknown dimension {dimension}: env, storage, devices, all"));
    let out = warm(&r);
    assert!(
        out.contains("\"ok\": true"),
        "{dimension} {n}: not rendered: {}",
        &out[..out.len().min(600)]
    );
    let mut times = timed(reps, || measured_request(&r).len() == out.len());
    println!(
        "{dimension} {n}: render_request {} ({} bytes out): {}",
        median_ms(&mut times),
        out.len(),
        list_ms(&times)
    );
    if !phases {
        return;
    }
    let (mut parse, mut pass, mut json) = (vec![], vec![], vec![]);
    for _ in 0..reps {
        let t0 = std::time::Instant::now();
        let p = measured_parse(&r);
        let t1 = std::time::Instant::now();
        let rendered = measured_render(&p);
        let t2 = std::time::Instant::now();
        let full = measured_json(&rendered);
        let t3 = std::time::Instant::now();
        assert!(!full.is_empty());
        parse.push((t1 - t0).as_secs_f64() * 1e3);
        pass.push((t2 - t1).as_secs_f64() * 1e3);
        json.push((t3 - t2).as_secs_f64() * 1e3);
        // Dropping the inputs and the render is outside the phases.
        drop((rendered, p));
    }
    println!(
        "{dimension} {n}: parse {}, render {}, to_full_json {}",
        median_ms(&mut parse),
        median_ms(&mut pass),
        median_ms(&mut json)
    );
    // The floor a YAML service file sets: the text read into a plain value by the YAML
    // library, nothing typed or checked; then the same service written as JSON (a service
    // file may be either), rendered the same way.
    let mut yaml = timed(reps, || {
        serde_saphyr::from_str::<serde_json::Value>(&r.service_text)
            .map(|v| v.is_object())
            .unwrap_or(false)
    });
    let value: serde_json::Value =
        serde_saphyr::from_str(&r.service_text).expect("the row's service is YAML");
    let as_json = RenderRequest {
        service_text: serde_json::to_string(&value).expect("a value serialises"),
        ..r.clone()
    };
    assert_eq!(
        warm(&as_json),
        out,
        "the JSON form renders the same envelope"
    );
    let mut from_json = timed(reps, || !measured_request(&as_json).is_empty());
    println!(
        "{dimension} {n}: YAML text to a plain value alone {}; the service as JSON text: render_request {}",
        median_ms(&mut yaml),
        median_ms(&mut from_json)
    );
}

/// `reps` wall times of `f`, in ms; `f` says whether it produced something.
fn timed(reps: usize, mut f: impl FnMut() -> bool) -> Vec<f64> {
    (0..reps)
        .map(|_| {
            let start = std::time::Instant::now();
            assert!(f());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

fn median_ms(v: &mut [f64]) -> String {
    v.sort_by(f64::total_cmp);
    format!("median {:.2} ms", v[v.len() / 2])
}

fn list_ms(v: &[f64]) -> String {
    v.iter()
        .map(|t| format!("{t:.2}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[inline(never)]
fn warm(r: &RenderRequest) -> String {
    render_request(r)
}

#[inline(never)]
fn measured_request(r: &RenderRequest) -> String {
    render_request(std::hint::black_box(r))
}

#[inline(never)]
fn measured_parse(r: &RenderRequest) -> ocigen_core::ParsedRequest {
    r.parse().expect("parses")
}

#[inline(never)]
fn measured_render(p: &ocigen_core::ParsedRequest) -> ocigen_core::Rendered {
    render(&p.inputs()).expect("renders")
}

#[inline(never)]
fn measured_json(rendered: &ocigen_core::Rendered) -> String {
    rendered.to_full_json()
}

/// The finished `Spec` of each case, rendered once (the floors measure only what follows).
fn rendered_specs(cases: &[(&str, &str, &str)]) -> Vec<ocigen_core::oci_spec::runtime::Spec> {
    cases
        .iter()
        .map(|(_, s, h)| render(&parsed(&pick(s, h)).inputs()).expect("renders").spec)
        .collect()
}
