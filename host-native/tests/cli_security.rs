//! The `ocigen` binary's security surface: `--preset`, `security_opt: seccomp=<file>` read
//! relative to the service file, and `explain` naming the preset and profile rule.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_ocigen");

fn snapshot(stem: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/snapshots")
        .join(format!("{stem}.json"))
        .to_string_lossy()
        .into_owned()
}

fn ocigen(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A service file `svc.yaml` in a fresh directory, with `security_opt` as given.
fn service(dir: &Path, security_opt: &str) -> PathBuf {
    let path = dir.join("svc.yaml");
    fs::write(
        &path,
        format!(
            "version: v1\ndeployment: demo\nservices:\n  web:\n    image: {{name: busybox}}\n    \
             command: {{entrypoint: [/bin/sh]}}\n    security_opt: {security_opt}\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn preset_flag_selects_the_engines_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = service(tmp.path(), "[]");
    let render = |preset: &str| {
        json(&ocigen(&[
            "render",
            svc.to_str().unwrap(),
            "--probe",
            &snapshot("nogpu-v2-root"),
            "--preset",
            preset,
        ]))
    };
    let docker = render("docker");
    let podman = render("podman");
    let caps = |v: &serde_json::Value| {
        v["process"]["capabilities"]["effective"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!((caps(&docker), caps(&podman)), (14, 11));
    assert_eq!(docker["linux"]["seccomp"]["defaultErrnoRet"], 1);
    assert_eq!(podman["linux"]["seccomp"]["defaultErrnoRet"], 38);
    assert_eq!(podman["linux"]["resources"]["pids"]["limit"], 2048);
    assert!(render("containerd")["process"]["rlimits"].is_null());
    let o = ocigen(&["render", svc.to_str().unwrap(), "--preset", "crio"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_profile_file_is_read_relative_to_the_service_file() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("profiles")).unwrap();
    fs::write(
        tmp.path().join("profiles/strict.json"),
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13,
            "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}"#,
    )
    .unwrap();
    let svc = service(tmp.path(), "[\"seccomp=profiles/strict.json\"]");
    // From another working directory: the path is the service file's, not the caller's.
    let v = json(
        &Command::new(BIN)
            .current_dir("/")
            .args([
                "render",
                svc.to_str().unwrap(),
                "--probe",
                &snapshot("nogpu-v2-root"),
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["linux"]["seccomp"]["defaultErrnoRet"], 13);
    assert_eq!(v["linux"]["seccomp"]["syscalls"][0]["names"][1], "write");

    let req = ocigen(&["requirements", svc.to_str().unwrap()]);
    assert_eq!(json(&req)["seccomp_profiles"][0], "profiles/strict.json");

    // A missing file names the option; a bad one names the file and its field.
    let svc = service(tmp.path(), "[\"seccomp=profiles/none.json\"]");
    let o = ocigen(&[
        "render",
        svc.to_str().unwrap(),
        "--probe",
        &snapshot("nogpu-v2-root"),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("seccomp=profiles/none.json"), "{err}");
    fs::write(
        tmp.path().join("profiles/bad.json"),
        r#"{"defaultAction": "KILL"}"#,
    )
    .unwrap();
    let svc = service(tmp.path(), "[\"seccomp=profiles/bad.json\"]");
    let o = ocigen(&[
        "render",
        svc.to_str().unwrap(),
        "--probe",
        &snapshot("nogpu-v2-root"),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("profiles/bad.json") && err.contains("defaultAction"),
        "{err}"
    );
}

#[test]
fn explain_names_preset_and_rule_and_lsm_options_need_the_fact() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = service(tmp.path(), "[]");
    let o = ocigen(&[
        "explain",
        svc.to_str().unwrap(),
        "--probe",
        &snapshot("nogpu-v2-root"),
        "--preset",
        "containerd",
        "--field",
        "linux.seccomp",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("linux.seccomp\n    <- default containerd_seccomp_profile [seccomp pass]"),
        "{text}"
    );
    assert!(
        text.contains("<- seccomp profile docker-default rule 0 [preset containerd]"),
        "{text}"
    );

    // AppArmor on the AppArmor host; on the others an error naming the fact; on a version 1
    // snapshot the missing fact and the probe that records it.
    let svc = service(tmp.path(), "[apparmor=zlayer]");
    let run = |snap: &str| ocigen(&["render", svc.to_str().unwrap(), "--probe", &snapshot(snap)]);
    assert_eq!(
        json(&run("intel-v2-systemd"))["process"]["apparmorProfile"],
        "zlayer"
    );
    let o = run("nogpu-v2-root");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("lsm.apparmor"));
    let o = run("v1-root");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("`lsm`") && err.contains("ocigen probe --for"),
        "{err}"
    );
}
