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

/// Issue 11's size row: a service with `env` variables, `storage` tmpfs entries and `devices`
/// device nodes, on the no-GPU host whose snapshot has every one of those devices as a node
/// fact (character, major 240, minor i: what the snapshot schema wants of a present device).
/// The generator is the bounded-work one (issue 14) that `tests/tests/bounded.rs` checks
/// renders, so this request is known to be accepted.
///
/// The YAML reader refuses a document of more than 250,000 nodes (serde-saphyr's budget), so
/// 100,000 env entries, 10,000 storage entries and 10,000 devices in one file is an E_PARSE
/// error; the row is measured one dimension at a time.
pub fn scaled_parts(env: usize, storage: usize, devices: usize) -> RenderRequest {
    ocigen_tests::large_request(env, storage, devices)
}

/// [`scaled_parts`] with the row's shape: `n` env entries, `n / 10` storage entries and
/// `n / 10` devices (accepted up to about n = 60,000, the reader's node budget).
pub fn scaled(n: usize) -> RenderRequest {
    scaled_parts(n, n / 10, n / 10)
}

/// One dimension of the size row: `"env"` (n env entries), `"storage"` (n tmpfs entries),
/// `"devices"` (n device nodes) or `"all"` (the row's shape, [`scaled`]).
pub fn scaled_dimension(dimension: &str, n: usize) -> Option<RenderRequest> {
    Some(match dimension {
        "env" => scaled_parts(n, 0, 0),
        "storage" => scaled_parts(0, n, 0),
        "devices" => scaled_parts(0, 0, n),
        "all" => scaled(n),
        _ => return None,
    })
}
