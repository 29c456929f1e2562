//! Deterministic replay: every recorded snapshot x every example service renders to exactly
//! its golden envelope (config.json, bundle files, diagnostics and provenance, or the error).

use ocigen_core::{render_request, Snapshot};
use ocigen_tests::{
    check_golden, golden_path, matrix, preset_golden_path, preset_matrix, preset_request, request,
    snapshots,
};

#[test]
fn matrix_matches_goldens() {
    let mut failures = Vec::new();
    for (svc, snap) in matrix() {
        let out = render_request(&request(&svc, &snap));
        if let Some(f) = check_golden(&golden_path(&svc, &snap), &out) {
            failures.push(f);
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The preset dimension: a few services under Podman's and containerd's defaults.
#[test]
fn presets_match_goldens() {
    let mut failures = Vec::new();
    for (preset, svc, snap) in preset_matrix() {
        let out = render_request(&preset_request(preset, &svc, &snap));
        if let Some(f) = check_golden(&preset_golden_path(preset, &svc, &snap), &out) {
            failures.push(f);
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    for (svc, snap) in matrix() {
        let req = request(&svc, &snap);
        assert_eq!(
            render_request(&req),
            render_request(&req),
            "{} on {}",
            svc.stem,
            snap.stem
        );
    }
}

#[test]
fn snapshots_load_and_are_canonical() {
    for snap in snapshots() {
        let parsed = Snapshot::from_json(&snap.stem, &snap.json)
            .unwrap_or_else(|e| panic!("{}: {e}", snap.stem));
        assert_eq!(
            parsed.to_json(),
            snap.json,
            "fixtures/snapshots/{}.json is not in canonical form",
            snap.stem
        );
    }
}

#[test]
fn snapshot_schema_file_is_current() {
    let path = ocigen_tests::repo_root().join("core/snapshot.schema.json");
    if let Some(f) = check_golden(&path, &Snapshot::json_schema()) {
        panic!("{f}");
    }
}
