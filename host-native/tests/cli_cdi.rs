//! `ocigen cdi generate` and `--cdi-generated`: outputs, formats and exit codes of the built
//! binary, on recorded snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ocigen_core::cdi::generate::generate;
use ocigen_core::cdi::parse_spec;
use ocigen_core::inputs::Host;
use ocigen_core::Snapshot;

const BIN: &str = env!("CARGO_BIN_EXE_ocigen");

fn fx(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn ocigen(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const H200: &str = "snapshots/nvidia-h200-v2-nested.json";

#[test]
fn yaml_by_default_json_on_request_and_to_a_file() {
    let snap = fx(H200);
    let out = ocigen(&["cdi", "generate", "--probe", &snap]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let loaded = Snapshot::from_json("h200", &std::fs::read_to_string(&snap).unwrap()).unwrap();
    let g = generate(&Host::new(&loaded), "x").unwrap();
    assert_eq!(text(&out.stdout), g.to_yaml());
    // Notes (a node the host lacks) go to stderr.
    assert!(text(&out.stderr).contains("note: /dev/nvidia-modeset is absent"));

    let out = ocigen(&["cdi", "generate", "--probe", &snap, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        parse_spec("nvidia.json", &text(&out.stdout)).unwrap(),
        g.spec
    );

    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("nvidia.yaml");
    let out = ocigen(&[
        "cdi",
        "generate",
        "--probe",
        &snap,
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(parse_spec("nvidia.yaml", &written).unwrap(), g.spec);
}

#[test]
fn hosts_without_a_gpu_or_driver_facts_are_host_errors() {
    let out = ocigen(&[
        "cdi",
        "generate",
        "--probe",
        &fx("snapshots/nogpu-v2-root.json"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("no NVIDIA GPU"),
        "{}",
        text(&out.stderr)
    );

    // A version 1 snapshot of the same host: it predates the driver facts.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fx(H200)).unwrap()).unwrap();
    v["snapshot_version"] = 1.into();
    v.as_object_mut().unwrap().remove("nvidia_driver");
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    std::fs::write(&old, v.to_string()).unwrap();
    let out = ocigen(&["cdi", "generate", "--probe", old.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("nvidia_driver") && err.contains("predates") && err.contains("ocigen probe"),
        "{err}"
    );

    let out = ocigen(&["cdi", "generate", "--vendor", "amd"]);
    assert_eq!(out.status.code(), Some(2), "only nvidia is a vendor");
}

#[test]
fn render_with_a_generated_spec() {
    let svc = fx("services/gpu-inference.yaml");
    let snap = fx(H200);
    let vol = "model-cache=/var/lib/zlayer/volumes/model-cache";
    let base = ["render", &svc, "--probe", &snap, "--volume", vol];
    let plain = ocigen(&base);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    assert!(!text(&plain.stdout).contains("LD_LIBRARY_PATH"));
    let mut args = base.to_vec();
    args.push("--cdi-generated");
    let out = ocigen(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let config = text(&out.stdout);
    for want in [
        "LD_LIBRARY_PATH=/usr/local/nvidia/lib64",
        "\"destination\": \"/usr/local/nvidia/bin/nvidia-smi\"",
        "\"source\": \"/usr/local/nvidia/lib64/libcuda.so.580.159.04\"",
    ] {
        assert!(config.contains(want), "missing {want}");
    }
    // The generation's notes are printed.
    assert!(text(&out.stderr).contains("note: /dev/nvidia-modeset"));
}
