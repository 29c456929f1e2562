//! The built `ocigen` binary: exit codes, error texts, outputs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

fn ocigen_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

/// The web fixture with its image files, rendered against a recorded snapshot.
fn web_args(snapshot: &str) -> Vec<String> {
    [
        fx("services/web.yaml"),
        "--probe".into(),
        snapshot.to_string(),
        "--image-config".into(),
        fx("services/web.image.json"),
        "--passwd".into(),
        fx("services/web.passwd"),
        "--group".into(),
        fx("services/web.group"),
    ]
    .into()
}

#[test]
fn render_web_fixture_prints_config_json() {
    let snap = fx("snapshots/ci-hybrid-v1.json");
    let mut args = vec!["render".to_string()];
    args.extend(web_args(&snap));
    let o = ocigen(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["hostname"], "web-rep-1");
    assert_eq!(v["root"]["path"], "rootfs");
}

#[test]
fn wrong_file_says_cannot_read() {
    let o = ocigen(&[
        "render",
        "no-such-web.yaml",
        "--probe",
        &fx("snapshots/ci-hybrid-v1.json"),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("ocigen: cannot read no-such-web.yaml: No such file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn wrong_service_lists_the_names() {
    let o = ocigen(&["requirements", &fx("services/web.yaml"), "--service", "wbe"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("services.wbe") && e.contains("`web`"), "{e}");
}

#[test]
fn bad_yaml_names_the_file_and_field() {
    let o = ocigen_stdin(&["requirements", "-"], "image: [unclosed\n");
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "ocigen: <stdin>:1:8: image: invalid YAML: unclosed bracket '['\n"
    );
    let o = ocigen_stdin(
        &["requirements", "-"],
        "version: v1\ndeployment: shop\nservices:\n  web:\n    image: {name: x}\n    resources: {memory: 12.5Q}\n",
    );
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "ocigen: <stdin>:6:17: services.web.resources.memory: expected a size like 512Mi, got \"12.5Q\"\n"
    );
}

#[test]
fn missing_snapshot_fact_says_reprobe() {
    // The web service reads $E:AGENT_REGION and binds /srv/www: a snapshot without those
    // facts (recorded without --for) cannot render it.
    let mut snap: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(fx("snapshots/ci-hybrid-v1.json")).unwrap())
            .unwrap();
    snap["paths"] = serde_json::json!({});
    snap["env"] = serde_json::json!({});
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.json");
    fs::write(&path, snap.to_string()).unwrap();
    let mut args = vec!["render".to_string()];
    args.extend(web_args(&path.to_string_lossy()));
    let o = ocigen(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("AGENT_REGION") || e.contains("paths./srv/www"),
        "{e}"
    );
    assert!(
        e.contains("ocigen probe --for") && e.contains("old.json"),
        "{e}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    assert_eq!(code(&ocigen(&["render"])), 2);
    assert_eq!(code(&ocigen(&["frobnicate"])), 2);
    assert_eq!(code(&ocigen(&["render", "x.yaml", "--env", "NOEQUALS"])), 2);
    for cmd in [
        "probe",
        "render",
        "bundle",
        "validate",
        "requirements",
        "explain",
    ] {
        let o = ocigen(&[cmd, "--help"]);
        assert_eq!(code(&o), 0);
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Examples:"),
            "{cmd} --help lacks examples"
        );
    }
}

#[test]
fn requirements_json_lists_env_and_paths() {
    let o = ocigen(&["requirements", &fx("services/web.yaml")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["env_names"], serde_json::json!(["AGENT_REGION"]));
    assert_eq!(v["host_paths"], serde_json::json!(["/srv/www"]));
}

#[test]
fn probe_live_and_failed_probe() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap.json");
    let o = ocigen(&[
        "probe",
        "--for",
        &fx("services/web.yaml"),
        "-o",
        &out.to_string_lossy(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let snap =
        ocigen_core::Snapshot::from_json("snap", &fs::read_to_string(&out).unwrap()).unwrap();
    assert!(snap.paths.contains_key("/srv/www"));
    assert!(snap.env.contains_key("AGENT_REGION"));
    let o = ocigen(&[
        "probe",
        "--host-root",
        &tmp.path().join("void").to_string_lossy(),
    ]);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("host probe failed") || stderr(&o).contains("cannot read"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn validate_reports_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("config.json");
    fs::write(
        &bad,
        r#"{"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"cwd":"rel","args":["sh"],"user":{"uid":0,"gid":0}},"mounts":[{"destination":"proc"}],"linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]}}"#,
    )
    .unwrap();
    let o = ocigen(&["validate", &bad.to_string_lossy()]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("mounts[0].destination")
            && e.contains("process.cwd")
            && e.contains("namespaces[1]"),
        "{e}"
    );
    // Each problem at its line and column.
    assert!(
        e.contains(":1:122: mounts[0].destination: must be an absolute path"),
        "{e}"
    );
    let o = ocigen_stdin(&["validate", "-"], "not json");
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("ocigen: <stdin>:1:2: invalid JSON: "),
        "{}",
        stderr(&o)
    );
    let o = ocigen_stdin(
        &["validate", "-"],
        r#"{"ociVersion": "1.2.0", "ociVersion": "1.0.0"}"#,
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("ociVersion: `ociVersion` is given twice"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bundle_uses_the_canonical_rootfs_and_writes_files() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("image-rootfs");
    fs::create_dir(&real).unwrap();
    let link = tmp.path().join("rootfs-link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = tmp.path().join("bundle");
    let mut args = vec!["bundle".to_string()];
    args.extend(web_args(&fx("snapshots/ci-hybrid-v1.json")));
    args.extend([
        "--rootfs".into(),
        link.to_string_lossy().into(),
        "--out".into(),
        out.to_string_lossy().into(),
    ]);
    let o = ocigen(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let config: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    let canonical = fs::canonicalize(&real).unwrap();
    assert_eq!(config["root"]["path"], canonical.to_string_lossy().as_ref());
    // web.yaml sets dns: resolv.conf is written and mounted from the bundle.
    let resolv = fs::read_to_string(out.join("resolv.conf")).unwrap();
    assert!(resolv.contains("10.200.0.2"), "{resolv}");
    let o = ocigen(&["validate", &out.join("config.json").to_string_lossy()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A rootfs that does not exist is an input error naming it.
    args.iter_mut()
        .filter(|a| a.as_str() == link.to_string_lossy())
        .for_each(|a| *a = "/no/rootfs".into());
    let o = ocigen(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("/no/rootfs") && stderr(&o).contains("No such file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn explain_names_the_host_fact_behind_the_uvm_rule() {
    let o = ocigen(&[
        "explain",
        &fx("services/gpu-inference.yaml"),
        "--probe",
        &fx("snapshots/nvidia-h200-v2-nested.json"),
        "--volume",
        "model-cache=/var/lib/zlayer/volumes/model-cache",
        "--field",
        "linux.resources.devices",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // The filter selects whole dotted segments: every device rule, nothing outside them.
    assert!(
        out.contains(
            "linux.resources.devices.c 238:0\n    <- host fact devices./dev/nvidia-uvm [devices pass]\n\
             linux.resources.devices.c 238:1\n    <- host fact devices./dev/nvidia-uvm-tools [devices pass]\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "\ndiagnostics:\n    W004_CDI_LAZY_FALLBACK: no CDI spec declares kind nvidia.com/gpu"
        ),
        "{out}"
    );
    let (fields, _) = out.split_once("\ndiagnostics:").unwrap_or_default();
    assert!(
        fields
            .lines()
            .filter(|l| !l.starts_with(' '))
            .all(|l| l.starts_with("linux.resources.devices.")),
        "{out}"
    );
}

/// Run `ocigen` in `dir`, so files are named as the user typed them (`web.yaml`).
fn ocigen_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// A directory with `web.yaml` (the given text) and the CI machine's snapshot as `host.json`.
fn workdir(service: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("web.yaml"), service).unwrap();
    fs::copy(
        fx("snapshots/ci-hybrid-v1.json"),
        tmp.path().join("host.json"),
    )
    .unwrap();
    tmp
}

const WEB: &str = "version: v1\ndeployment: shop\nservices:\n  web:\n    image: {name: nginx}\n    command: {args: [nginx]}\n";

#[test]
fn errors_read_file_line_column_field_message() {
    // A schema error (exit 1).
    let tmp = workdir(&format!("{WEB}    resources:\n      memory: 12.5Q\n"));
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "ocigen: web.yaml:8:7: services.web.resources.memory: expected a size like 512Mi, got \"12.5Q\"\n"
    );
    // A render error names the service field where it is written (exit 1).
    let tmp = workdir(&format!(
        "{WEB}    cap_add:\n      - NET_ADMIN\n      - FLY\n"
    ));
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with(
            "ocigen: web.yaml:9:9: services.web.capabilities[1]: expected a capability name"
        ),
        "{}",
        stderr(&o)
    );
    // A missing host fact is a probe problem (exit 3), at the field that needs it.
    let tmp = workdir(&format!("{WEB}    env:\n      REGION: $E:NOT_PROBED\n"));
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).starts_with(
            "ocigen: web.yaml:8:7: services.web.env.REGION: needs host fact `env.NOT_PROBED`"
        ),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("ocigen probe --for web.yaml -o host.json"));
    // A broken snapshot names itself (exit 1).
    fs::write(
        tmp.path().join("bad.json"),
        "{\"snapshot_version\": 1,\n \"kernel\": []}",
    )
    .unwrap();
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "bad.json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "ocigen: bad.json:2:2: kernel: expected a map, got a list\n"
    );
}

#[test]
fn duplicate_json_keys_and_unknown_keys_are_input_errors() {
    let tmp = workdir(r#"{"image": {"name": "x"}, "privileged": false, "privileged": true}"#);
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("ocigen: web.yaml:1:"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("privileged: `privileged` is given twice"));
    let tmp = workdir(&format!("{WEB}    resorces: {{cpu: 1}}\n"));
    let o = ocigen_in(tmp.path(), &["requirements", "web.yaml"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "ocigen: web.yaml:7:5: services.web.resorces: unknown key `resorces`; did you mean `resources`?\n"
    );
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let tmp = workdir(&format!("{WEB}    cap_add: [\"NET\\e[2J\\u0007\"]\n"));
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("NET\\u{1b}[2J\\u{7}"), "{e}");
    assert!(!e.trim_end().chars().any(char::is_control), "{e:?}");
}

#[test]
fn diagnostics_show_their_short_code_and_escape_user_text() {
    // A device path with a control character is refused at the boundary, shown escaped.
    let tmp = workdir(&format!(
        "{WEB}    stdin_open: true\n    devices: [{{path: \"/dev/no\\u0007pe\"}}]\n"
    ));
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(e.contains("/dev/no\\u{7}pe"), "{e}");
    assert!(!e.trim_end().chars().any(char::is_control), "{e:?}");
    let tmp = workdir(&format!(
        "{WEB}    stdin_open: true\n    devices: [{{path: /dev/nope}}]\n"
    ));
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 3, "{e}");
    // Rendering the device needs a probe of it; with the fact recorded as absent it is W005.
    let mut snap: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("host.json")).unwrap()).unwrap();
    snap["devices"]["/dev/nope"] = serde_json::json!({"state": "absent"});
    fs::write(tmp.path().join("host.json"), snap.to_string()).unwrap();
    let o = ocigen_in(tmp.path(), &["render", "web.yaml", "--probe", "host.json"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    assert!(e.contains("info[I004]: "), "{e}");
    assert!(
        e.contains("warning[W005]: ") && e.contains("/dev/nope"),
        "{e}"
    );
    assert!(!e.chars().any(|c| c.is_control() && c != '\n'), "{e:?}");
}

#[test]
fn policy_levels_and_deny_warnings() {
    let tmp = workdir(&format!("{WEB}    privileged: true\n"));
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "web.yaml", "--probe", "host.json"];
        args.extend_from_slice(extra);
        ocigen_in(tmp.path(), &args)
    };
    let o = render(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("warning[P008]: "), "{}", stderr(&o));
    for extra in [&["--policy", "baseline"][..], &["--deny-warnings"][..]] {
        let o = render(extra);
        assert_eq!(code(&o), 1, "{extra:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("services.web.privileged: P008: privileged"),
            "{extra:?}: {}",
            stderr(&o)
        );
    }
    let o = render(&["--policy", "lax"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}
