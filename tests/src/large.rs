//! Large inputs for the bounded-work checks (issue 14), from the generator the core's
//! `large_render` example uses: the bench (`benches/render.rs`) times them,
//! `tests/tests/bounded.rs` renders a smaller one.

use ocigen_core::{RenderOptions, RenderRequest};

use crate::snapshots;

#[path = "../../core/examples/large_render/gen.rs"]
mod gen;

/// A render request for a service with `env` variables, `storage` tmpfs mounts and
/// `devices` device nodes (each present on the snapshot with its own minor).
pub fn large_request(env: usize, storage: usize, devices: usize) -> RenderRequest {
    let base = snapshots()
        .into_iter()
        .find(|s| s.stem == "nogpu-v2-root")
        .expect("fixture nogpu-v2-root");
    RenderRequest {
        service_file: "large.yaml".into(),
        service_text: gen::service_yaml(env, storage, devices),
        service: None,
        snapshot_json: gen::snapshot_json(&base.json, devices),
        options: Some(RenderOptions::new("big", 1)),
        image_config: None,
        passwd: None,
        group: None,
        preset: None,
    }
}
