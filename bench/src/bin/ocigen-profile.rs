//! The profiling driver: runs one kind of work a fixed number of times so callgrind's
//! instruction counts (stable on a loaded machine, unlike wall time) can be compared
//! before/after a change. Usage: `ocigen-profile <mode> [n]`, mode one of
//! `mix` (render_request over the example mix), `parsed` (render from parsed inputs, the
//! three cases), `floor` (serde_json pretty of the same Specs), `parse` (texts -> inputs), `texts` (render_request of the cases), `envfloor` (pretty
//! of their envelopes), `ownfloor` (clone and drop of the finished Specs: what building an
//! owned Spec costs at least), `mixfloor` (pretty-printing every envelope of the mix), `snapshot` (parsing a
//! snapshot text, uncached),
//! `dump` (every output, to diff two builds).

use ocigen_bench::{envelope_floor, example_mix, parsed, pick, spec_floor, CASES};
use ocigen_core::{render, render_request};

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
            let specs: Vec<_> = cases
                .iter()
                .map(|(_, s, h)| render(&parsed(&pick(s, h)).inputs()).expect("renders").spec)
                .collect();
            for _ in 0..n {
                for spec in &specs {
                    total += spec_floor(spec);
                }
            }
        }
        "ownfloor" => {
            // What building the owned `Spec` alone costs, whatever computes it: a clone of
            // the finished value and its drop (every string and list allocated and freed).
            let specs: Vec<_> = cases
                .iter()
                .map(|(_, s, h)| render(&parsed(&pick(s, h)).inputs()).expect("renders").spec)
                .collect();
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
            // Issue 11's size row: n env entries, n/10 tmpfs storage entries, n/10 devices
            // (recorded absent on the host, so each is a W005), at n and 2n to show linearity.
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
