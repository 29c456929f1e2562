//! Shared helpers for the integration suites: the fixture matrix (every example snapshot x
//! every example service), golden-file comparison, and the CI skip policy.

use std::fs;
use std::path::{Path, PathBuf};

use ocigen_core::{Preset, RenderOptions, RenderRequest};

mod large;
pub use large::large_request;

/// Repository root (the workspace).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The upstream reference data kept in the repository (`reference/`, see its README).
pub fn reference_dir() -> PathBuf {
    repo_root().join("reference")
}

/// Whether we run in CI, where a missing tool is a failure, never a skip.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// Skip (loudly) outside CI; panic in CI. Call when a needed tool or file is missing.
pub fn skip_or_fail(what: &str) {
    if in_ci() {
        panic!("CI=true and {what}: this suite must run in CI");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {what} (set CI=true to make this a failure) !!!!!!!!\n");
}

/// One example service with everything the agent would pass alongside it.
#[derive(Debug, Clone)]
pub struct ServiceFixture {
    /// File stem: `web` for fixtures/services/web.yaml.
    pub stem: String,
    pub file_name: String,
    pub text: String,
    pub options: Option<RenderOptions>,
    pub image_config: Option<String>,
    pub passwd: Option<String>,
    pub group: Option<String>,
}

/// One recorded snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotFixture {
    pub stem: String,
    pub json: String,
}

fn read_opt(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some(ext))
        .collect();
    v.sort();
    v
}

/// Every `fixtures/services/*.yaml`, with its `.options.json`, `.image.json`, `.passwd`, `.group`.
pub fn services() -> Vec<ServiceFixture> {
    let dir = repo_root().join("fixtures/services");
    sorted_files(&dir, "yaml")
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let side = |suffix: &str| read_opt(&dir.join(format!("{stem}.{suffix}")));
            let options = side("options.json").map(|t| {
                serde_json::from_str(&t)
                    .unwrap_or_else(|e| panic!("fixtures/services/{stem}.options.json: {e}"))
            });
            ServiceFixture {
                file_name: format!("{stem}.yaml"),
                text: fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                options,
                image_config: side("image.json"),
                passwd: side("passwd"),
                group: side("group"),
                stem,
            }
        })
        .collect()
}

/// Every `fixtures/snapshots/*.json`.
pub fn snapshots() -> Vec<SnapshotFixture> {
    sorted_files(&repo_root().join("fixtures/snapshots"), "json")
        .into_iter()
        .map(|path| SnapshotFixture {
            stem: path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string(),
            json: fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        })
        .collect()
}

/// Every (service, snapshot) pair, snapshot-major; the matrix is at least 12 x 8 as the
/// replay suites promise.
pub fn matrix() -> Vec<(ServiceFixture, SnapshotFixture)> {
    let (services, snapshots) = (services(), snapshots());
    assert!(
        services.len() >= 12,
        "need at least 12 example services, have {}",
        services.len()
    );
    assert!(
        snapshots.len() >= 8,
        "need at least 8 example snapshots, have {}",
        snapshots.len()
    );
    snapshots
        .iter()
        .flat_map(|snap| services.iter().map(move |svc| (svc.clone(), snap.clone())))
        .collect()
}

/// The render request for one (service, snapshot) pair of the matrix.
pub fn request(service: &ServiceFixture, snapshot: &SnapshotFixture) -> RenderRequest {
    RenderRequest {
        service_file: service.file_name.clone(),
        service_text: service.text.clone(),
        service: None,
        snapshot_json: snapshot.json.clone(),
        options: service.options.clone(),
        image_config: service.image_config.clone(),
        passwd: service.passwd.clone(),
        group: service.group.clone(),
        preset: None,
    }
}

/// The services rendered again under each preset other than the default (Docker's, which the
/// whole matrix uses): a web service with an image, tuned capabilities, a bare service, and a
/// privileged one (no seccomp under any preset).
pub const PRESET_SERVICES: [&str; 4] = ["web", "caps-tuned", "bare-service", "privileged-runner"];

/// The snapshots of the preset goldens: a rootful host that may raise limits, and the CI
/// machine kind, where Podman's limits are clamped to the agent's (no CAP_SYS_RESOURCE).
pub const PRESET_SNAPSHOTS: [&str; 2] = ["nogpu-v2-root", "ci-hybrid-v1"];

/// (preset, service, snapshot) for every preset but Docker, over [`PRESET_SERVICES`] x
/// [`PRESET_SNAPSHOTS`].
pub fn preset_matrix() -> Vec<(Preset, ServiceFixture, SnapshotFixture)> {
    let pick = |stems: &[&str], all: Vec<(String, ServiceFixture)>| -> Vec<ServiceFixture> {
        stems
            .iter()
            .map(|stem| {
                all.iter()
                    .find(|(s, _)| s == stem)
                    .map(|(_, f)| f.clone())
                    .unwrap_or_else(|| panic!("no fixture {stem}"))
            })
            .collect()
    };
    let svcs = pick(
        &PRESET_SERVICES,
        services()
            .into_iter()
            .map(|s| (s.stem.clone(), s))
            .collect(),
    );
    let snaps: Vec<SnapshotFixture> = PRESET_SNAPSHOTS
        .iter()
        .map(|stem| {
            snapshots()
                .into_iter()
                .find(|s| s.stem == *stem)
                .unwrap_or_else(|| panic!("no snapshot {stem}"))
        })
        .collect();
    let mut out = Vec::new();
    for preset in Preset::ALL.into_iter().filter(|p| *p != Preset::Docker) {
        for snap in &snaps {
            for svc in &svcs {
                out.push((preset, svc.clone(), snap.clone()));
            }
        }
    }
    out
}

/// [`request`] under `preset` (the request's preset field, which overrides the options').
pub fn preset_request(
    preset: Preset,
    service: &ServiceFixture,
    snapshot: &SnapshotFixture,
) -> RenderRequest {
    RenderRequest {
        preset: Some(preset),
        ..request(service, snapshot)
    }
}

/// Where the golden envelope of a preset render lives.
pub fn preset_golden_path(
    preset: Preset,
    service: &ServiceFixture,
    snapshot: &SnapshotFixture,
) -> PathBuf {
    repo_root()
        .join("tests/goldens/presets")
        .join(preset.name())
        .join(&snapshot.stem)
        .join(format!("{}.json", service.stem))
}

/// Every request the structural suites check: the matrix, then the preset renders.
pub fn all_requests() -> Vec<(String, RenderRequest)> {
    let mut out: Vec<(String, RenderRequest)> = matrix()
        .iter()
        .map(|(svc, snap)| (format!("{} on {}", svc.stem, snap.stem), request(svc, snap)))
        .collect();
    out.extend(preset_matrix().iter().map(|(p, svc, snap)| {
        (
            format!("{} on {} ({})", svc.stem, snap.stem, p.name()),
            preset_request(*p, svc, snap),
        )
    }));
    out
}

/// Where the golden envelope of a pair lives.
pub fn golden_path(service: &ServiceFixture, snapshot: &SnapshotFixture) -> PathBuf {
    repo_root()
        .join("tests/goldens")
        .join(&snapshot.stem)
        .join(format!("{}.json", service.stem))
}

/// Compare `actual` with the golden file byte for byte; with `UPDATE_GOLDENS=1`, rewrite it.
/// Returns a description of the mismatch, if any.
pub fn check_golden(path: &Path, actual: &str) -> Option<String> {
    if std::env::var("UPDATE_GOLDENS")
        .map(|v| v == "1")
        .unwrap_or(false)
    {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        fs::write(path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return None;
    }
    match fs::read_to_string(path) {
        Err(e) => Some(format!(
            "{}: cannot read golden ({e}); run with UPDATE_GOLDENS=1 and review it",
            path.display()
        )),
        Ok(expected) if expected == actual => None,
        Ok(expected) => {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .map(|i| i + 1)
                .unwrap_or(expected.lines().count().min(actual.lines().count()) + 1);
            Some(format!(
                "{}: differs from the golden file from line {line}:\n  golden: {}\n  actual: {}",
                path.display(),
                expected.lines().nth(line - 1).unwrap_or("<end of file>"),
                actual.lines().nth(line - 1).unwrap_or("<end of file>")
            ))
        }
    }
}
