//! The `ocigen` binary reaches every render option: `--options FILE` (the fixtures' options
//! JSON) and the flags over it, `--gpus`, `--container-ns`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_ocigen");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn fx(rel: &str) -> String {
    fixtures().join(rel).to_string_lossy().into_owned()
}

fn ocigen(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn render_json(args: &[&str]) -> serde_json::Value {
    let o = ocigen(args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn options_file_renders_exactly_the_golden() {
    // The same options JSON the golden matrix uses gives the same config.json.
    let svc = fx("services/storage-all.yaml");
    let opts = fx("services/storage-all.options.json");
    let snap = fx("snapshots/nogpu-v2-root.json");
    let got = render_json(&["render", &svc, "--probe", &snap, "--options", &opts]);
    let golden: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(fixtures().join("../tests/goldens/nogpu-v2-root/storage-all.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(got, golden["config"]);
    // A flag overrides the file; the file need not name the container.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("o.json");
    fs::write(&file, r#"{"hostname": "from-file", "cwd": "/srv"}"#).unwrap();
    let file = file.to_string_lossy().into_owned();
    let web = fx("services/fuse-dev.yaml");
    let v = render_json(&["render", &web, "--probe", &snap, "--options", &file]);
    assert_eq!(
        (v["hostname"].as_str(), v["process"]["cwd"].as_str()),
        (Some("from-file"), Some("/srv"))
    );
    let v = render_json(&[
        "render",
        &web,
        "--probe",
        &snap,
        "--options",
        &file,
        "--hostname",
        "from-flag",
    ]);
    assert_eq!(v["hostname"], "from-flag");
    let o = ocigen(&["render", &web, "--probe", &snap, "--options", &web]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not render options JSON"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn flags_reach_the_other_render_options() {
    let snap = fx("snapshots/nogpu-v2-root.json");
    let web = fx("services/fuse-dev.yaml");
    let v = render_json(&[
        "render",
        &web,
        "--probe",
        &snap,
        "--role",
        "canary",
        "--node-id",
        "3",
        "--replica",
        "2",
        "--cwd",
        "/opt",
        "--arg",
        "/bin/app",
        "--arg",
        "--flag",
        "--api-socket",
        "/run/zlayer/api.sock",
    ]);
    assert_eq!(v["hostname"], "sshfs-canary-2-on-3");
    assert_eq!(v["process"]["cwd"], "/opt");
    assert_eq!(
        v["process"]["args"],
        serde_json::json!(["/bin/app", "--flag"])
    );
    let mounts = v["mounts"].as_array().unwrap();
    assert!(mounts.iter().any(|m| m["source"] == "/run/zlayer/api.sock"));
}

#[test]
fn gpus_flag_gives_two_replicas_different_gpus() {
    let snap = fx("snapshots/nvidia-8gpu-cdi-v2-root.json");
    let svc = fx("services/gpu-inference.yaml");
    let opts = fx("services/gpu-inference.options.json");
    let nodes = |gpus: &str| -> Vec<String> {
        let v = render_json(&[
            "render",
            &svc,
            "--probe",
            &snap,
            "--options",
            &opts,
            "--gpus",
            gpus,
        ]);
        v["linux"]["devices"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["path"].as_str())
            .filter(|p| {
                p.strip_prefix("/dev/nvidia")
                    .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .map(str::to_string)
            .collect()
    };
    assert_eq!(nodes("2"), ["/dev/nvidia2"]);
    assert_eq!(nodes("5"), ["/dev/nvidia5"]);
    assert_eq!(
        nodes("GPU-0a1b2c3d-0000-4000-8000-000000000006"),
        ["/dev/nvidia6"]
    );
    let o = ocigen(&[
        "render",
        &svc,
        "--probe",
        &snap,
        "--options",
        &opts,
        "--gpus",
        "1,2",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("options.gpus"), "{}", stderr(&o));
}

#[test]
fn container_ns_flag_joins_by_path() {
    let snap = fx("snapshots/nogpu-v2-root.json");
    let svc = fx("services/joined-namespaces.yaml");
    let o = ocigen(&["render", &svc, "--probe", &snap]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("container_namespaces.web-rep-1"),
        "{}",
        stderr(&o)
    );
    let mut args = vec![
        "render".to_string(),
        svc.clone(),
        "--probe".into(),
        snap.clone(),
    ];
    for ns in ["network", "pid", "ipc"] {
        args.push("--container-ns".into());
        args.push(format!("web-rep-1/{ns}=/proc/77/ns/{ns}"));
    }
    let v = render_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let ns = v["linux"]["namespaces"].as_array().unwrap();
    assert!(ns.contains(&serde_json::json!({"type": "network", "path": "/proc/77/ns/network"})));
    let o = ocigen(&[
        "render",
        &svc,
        "--probe",
        &snap,
        "--container-ns",
        "nonsense",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}
