//! Large inputs for the bounded-work checks (issue 14): a service with many env entries,
//! storage entries and devices, on a snapshot that has every one of those devices. The bench
//! (`benches/render.rs`) times them; `tests/tests/bounded.rs` renders a smaller one.

use ocigen_core::{RenderOptions, RenderRequest};

use crate::snapshots;

/// A render request for a service with `env` variables, `storage` tmpfs mounts and
/// `devices` device nodes (each present on the snapshot with its own minor).
pub fn large_request(env: usize, storage: usize, devices: usize) -> RenderRequest {
    let mut yaml = String::from(
        "version: v1\ndeployment: large\nservices:\n  big:\n    image: {name: x}\n    command: {entrypoint: [/bin/app]}\n",
    );
    if env > 0 {
        yaml.push_str("    env:\n");
        for i in 0..env {
            yaml.push_str(&format!("      VAR_{i:06}: \"value {i}\"\n"));
        }
    }
    if storage > 0 {
        yaml.push_str("    storage:\n");
        for i in 0..storage {
            yaml.push_str(&format!(
                "      - {{type: tmpfs, target: /scratch/t{i:05}, size: 1Mi}}\n"
            ));
        }
    }
    if devices > 0 {
        yaml.push_str("    devices:\n");
        for i in 0..devices {
            yaml.push_str(&format!("      - {{path: /dev/big{i:05}}}\n"));
        }
    }
    let base = snapshots()
        .into_iter()
        .find(|s| s.stem == "nogpu-v2-root")
        .expect("fixture nogpu-v2-root");
    let mut snap: serde_json::Value = serde_json::from_str(&base.json).expect("snapshot JSON");
    if let Some(map) = snap["devices"].as_object_mut() {
        for i in 0..devices {
            map.insert(
                format!("/dev/big{i:05}"),
                serde_json::json!({"state": "node", "type": "c", "major": 240,
                    "minor": i, "mode": 438, "uid": 0, "gid": 0}),
            );
        }
    }
    RenderRequest {
        service_file: "large.yaml".into(),
        service_text: yaml,
        service: None,
        snapshot_json: snap.to_string(),
        options: Some(RenderOptions::new("big", 1)),
        image_config: None,
        passwd: None,
        group: None,
        preset: None,
    }
}
