//! Shared cases of the issue-11 benches and the profiling driver: the same requests, parsed
//! inputs and floors, so a callgrind count and a criterion time describe the same work.

use ocigen_core::{ParsedRequest, RenderRequest};
use ocigen_tests::{request, services, snapshots};

/// The request for one example service on one example snapshot.
pub fn pick(service: &str, snapshot: &str) -> RenderRequest {
    let s = services()
        .into_iter()
        .find(|s| s.stem == service)
        .expect("service fixture");
    let n = snapshots()
        .into_iter()
        .find(|n| n.stem == snapshot)
        .expect("snapshot fixture");
    request(&s, &n)
}

/// The example mix: every example service on every example snapshot.
pub fn example_mix() -> Vec<RenderRequest> {
    let (services, snapshots) = (services(), snapshots());
    snapshots
        .iter()
        .flat_map(|n| services.iter().map(move |s| request(s, n)))
        .collect()
}

/// A request's texts parsed; panics on a fixture that does not parse (benches use good ones).
pub fn parsed(r: &RenderRequest) -> ParsedRequest {
    r.parse().expect("fixture parses")
}

/// The floor of a config: serde_json pretty-printing the finished `Spec`.
pub fn spec_floor(spec: &ocigen_core::oci_spec::runtime::Spec) -> usize {
    serde_json::to_string_pretty(spec)
        .expect("spec serializes")
        .len()
}

/// The floor of an envelope: serde_json pretty-printing an already built JSON value.
pub fn envelope_floor(envelope: &serde_json::Value) -> usize {
    serde_json::to_string_pretty(envelope)
        .expect("value serializes")
        .len()
}

/// The three cases of the target table's per-render rows.
pub const CASES: [(&str, &str, &str); 3] = [
    ("web on the no-GPU host", "web", "nogpu-v2-root"),
    (
        "gpu-inference on the H200",
        "gpu-inference",
        "nvidia-h200-v2-nested",
    ),
    (
        "gpu-training on the 8-GPU CDI host",
        "gpu-training",
        "nvidia-8gpu-cdi-v2-root",
    ),
];

/// The bare example service with `n` env entries, `n / 10` tmpfs storage entries and `n / 10`
/// devices, on the no-GPU host with those devices recorded as absent.
pub fn scaled(n: usize) -> RenderRequest {
    use std::fmt::Write;
    let mut r = pick("bare-service", "nogpu-v2-root");
    let mut text =
        String::from("version: v1\nservices:\n  big:\n    image:\n      name: busybox\n    env:\n");
    for i in 0..n {
        let _ = writeln!(text, "      K{i}: v{i}");
    }
    text.push_str("    storage:\n");
    for i in 0..n / 10 {
        let _ = writeln!(text, "      - type: tmpfs\n        target: /t/{i}");
    }
    text.push_str("    devices:\n");
    let mut snap: serde_json::Value = serde_json::from_str(&r.snapshot_json).expect("JSON");
    for i in 0..n / 10 {
        let _ = writeln!(text, "      - path: /dev/x{i}");
        snap["devices"][format!("/dev/x{i}")] = serde_json::json!({"state": "absent"});
    }
    r.service_text = text;
    r.snapshot_json = snap.to_string();
    r.options = None;
    r
}
