//! Large render inputs (issue 14, bounded work): a service with `env` variables, `storage`
//! tmpfs mounts and `devices` device nodes, and a snapshot that has every one of those
//! devices. Shared by this example (which needs only the core, so a release build is quick)
//! and by ocigen-tests' bench and bounded-work test (through `#[path]`).

/// The service file: deployment `large`, service `big`.
pub fn service_yaml(env: usize, storage: usize, devices: usize) -> String {
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
    yaml
}

/// `base` (snapshot JSON) with nodes `/dev/big00000`... (character, major 240, minor i).
pub fn snapshot_json(base: &str, devices: usize) -> String {
    let mut snap: serde_json::Value = serde_json::from_str(base).expect("snapshot JSON");
    if let Some(map) = snap["devices"].as_object_mut() {
        for i in 0..devices {
            map.insert(
                format!("/dev/big{i:05}"),
                serde_json::json!({"state": "node", "type": "c", "major": 240,
                    "minor": i, "mode": 438, "uid": 0, "gid": 0}),
            );
        }
    }
    snap.to_string()
}
