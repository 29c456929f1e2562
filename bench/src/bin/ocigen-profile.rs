//! The profiling driver: runs one kind of work a fixed number of times so callgrind's
//! instruction counts (stable on a loaded machine, unlike wall time) can be compared
//! before/after a change. Usage: `ocigen-profile <mode> [n]`, mode one of
//! `mix` (render_request over the example mix), `parsed` (render from parsed inputs, the
//! three cases), `floor` (serde_json pretty of the same Specs), `parse` (texts -> inputs), `dump` (every output, to diff two builds).

use ocigen_bench::{example_mix, parsed, pick, spec_floor, CASES};
use ocigen_core::{render, render_request};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("mix");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
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
            let inputs: Vec<_> = CASES.iter().map(|(_, s, h)| parsed(&pick(s, h))).collect();
            for _ in 0..n {
                for p in &inputs {
                    total += render(&p.inputs()).expect("renders").config_json().len();
                }
            }
        }
        "floor" => {
            // Rendered once, outside the loop: only the pretty-printing is counted n times.
            let specs: Vec<_> = CASES
                .iter()
                .map(|(_, s, h)| render(&parsed(&pick(s, h)).inputs()).expect("renders").spec)
                .collect();
            for _ in 0..n {
                for spec in &specs {
                    total += spec_floor(spec);
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
