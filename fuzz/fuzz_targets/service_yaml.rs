//! Arbitrary service-file text rendered against one fixed, valid snapshot: the service
//! parser and every render pass see fuzzed input, and the render must be deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocigen_core::RenderRequest;

const SNAPSHOT: &str = include_str!("../../fixtures/snapshots/nogpu-v2-root.json");

fuzz_target!(|text: &str| {
    let request = RenderRequest {
        service_file: "service.yaml".to_string(),
        service_text: text.to_string(),
        service: None,
        snapshot_json: SNAPSHOT.to_string(),
        options: None,
        image_config: None,
        passwd: None,
        group: None,
        preset: None,
    };
    let first = ocigen_core::render_request(&request);
    let second = ocigen_core::render_request(&request);
    assert_eq!(first, second, "two renders of the same request differ");
    // The envelope must stay machine-readable whatever the service text held.
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&first) {
        panic!("envelope is not JSON ({e}): {first}");
    }
});
