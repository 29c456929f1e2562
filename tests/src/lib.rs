//! Shared helpers for the integration suites: the fixture matrix (every example snapshot x
//! every example service), golden-file comparison, and the CI skip policy.

use std::fs;
use std::path::{Path, PathBuf};

use ocigen_core::{RenderOptions, RenderRequest};

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
    }
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
