//! Times renders of large inputs (bounded work, issue 14), by phase:
//! `cargo run -p ocigen-core --release --example large_render`. All three at once would
//! exceed the YAML reader's budget (250,000 nodes, serde-saphyr's default), which refuses
//! such a file with E_PARSE before any pass runs.

mod gen;

use std::time::Instant;

use ocigen_core::{render, RenderOptions, RenderRequest};

const BASE: &str = include_str!("../../../fixtures/snapshots/nogpu-v2-root.json");

fn main() {
    for (name, env, storage, devices) in [
        ("100,000 env entries", 100_000, 0, 0),
        ("10,000 tmpfs storage entries", 0, 10_000, 0),
        ("10,000 devices", 0, 0, 10_000),
    ] {
        let req = RenderRequest {
            service_file: "large.yaml".into(),
            service_text: gen::service_yaml(env, storage, devices),
            service: None,
            snapshot_json: gen::snapshot_json(BASE, devices),
            options: Some(RenderOptions::new("big", 1)),
            image_config: None,
            passwd: None,
            group: None,
            preset: None,
        };
        let start = Instant::now();
        let parsed = req.parse().expect("parses");
        let parse = start.elapsed();
        let rendered = render(&parsed.inputs()).expect("renders");
        let pass = start.elapsed() - parse;
        let full = rendered.to_full_json();
        let total = start.elapsed();
        println!(
            "{name}: {:.3} s in all: parse {:.3} s, render {:.3} s, canonical JSON with trace {:.3} s ({} bytes)",
            total.as_secs_f64(),
            parse.as_secs_f64(),
            pass.as_secs_f64(),
            (total - parse - pass).as_secs_f64(),
            full.len()
        );
    }
}
