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
