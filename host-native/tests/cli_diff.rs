//! `ocigen diff`, `ocigen fleet`, `ocigen completions` and `ocigen man` as a user runs them:
//! exit codes, both sides' sources in the text, JSON for tools, and the fleet table over the
//! example snapshots against its golden (`UPDATE_GOLDENS=1` rewrites it; read the diff).
//! `golden/diff-fuse-dev.json` is also what the browser test compares the page's diff with.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ocigen");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Run in the repository root, so the paths in messages are the short relative ones.
fn ocigen(args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(repo())
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("ocigen runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

const WEB_IMAGE: [&str; 6] = [
    "--image-config",
    "fixtures/services/web.image.json",
    "--passwd",
    "fixtures/services/web.passwd",
    "--group",
    "fixtures/services/web.group",
];

fn web_diff(extra: &[&str]) -> Output {
    let mut args = vec![
        "diff",
        "fixtures/services/web.yaml",
        "--probe",
        "fixtures/snapshots/nogpu-v2-root.json",
    ];
    args.extend(WEB_IMAGE);
    args.extend(extra);
    ocigen(&args)
}

#[test]
fn diff_exit_codes_follow_diff() {
    let same = web_diff(&["--probe", "fixtures/snapshots/v1-root.json"]);
    assert_eq!(code(&same), 0, "{}", stdout(&same));
    assert!(stdout(&same).contains("equal: no differences"));
    let rootless = web_diff(&["--probe", "fixtures/snapshots/rootless-v2-user-slice.json"]);
    assert_eq!(code(&rootless), 1);
    for bad in [
        web_diff(&[]),
        web_diff(&["--probe", "a.json", "--probe", "b.json"]),
        web_diff(&["--probe", "fixtures/snapshots/no-such-host.json"]),
        web_diff(&["--no-such-flag"]),
    ] {
        assert_eq!(code(&bad), 2, "{}", String::from_utf8_lossy(&bad.stderr));
    }
}

#[test]
fn diff_text_shows_each_change_with_both_sources() {
    let o = web_diff(&["--probe", "fixtures/snapshots/rootless-v2-user-slice.json"]);
    let text = stdout(&o);
    assert!(
        text.starts_with(
            "--- a: fixtures/services/web.yaml on fixtures/snapshots/nogpu-v2-root.json\n\
         +++ b: fixtures/services/web.yaml on fixtures/snapshots/rootless-v2-user-slice.json\n\
         16 changes\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "- linux.resources.devices.c 1:3\n    a: {\"access\":\"rwm\",\"allow\":true,\"major\":1,\"minor\":3,\"type\":\"c\"}\n       from default standard_char_devices [devices pass]\n    b: (absent)\n       from host fact user.euid [devices pass] (on linux.resources.devices)\n"
        ),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour when not on a terminal");
    let coloured = stdout(&web_diff(&[
        "--probe",
        "fixtures/snapshots/rootless-v2-user-slice.json",
        "--color",
        "always",
    ]));
    assert!(
        coloured.contains("\x1b[32m+\x1b[0m \x1b[1mlinux.uidMappings"),
        "{coloured}"
    );
}

#[test]
fn diff_json_is_the_core_diff_with_labels() {
    let o = web_diff(&[
        "--probe",
        "fixtures/snapshots/rootless-v2-user-slice.json",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["equal"], false);
    assert_eq!(v["a"]["ok"], true);
    assert_eq!(
        v["b"]["label"],
        "fixtures/services/web.yaml on fixtures/snapshots/rootless-v2-user-slice.json"
    );
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 16);
    let uid = changes
        .iter()
        .find(|c| c["path"] == "linux.uidMappings")
        .expect("uid maps");
    assert_eq!(uid["kind"], "added");
    assert_eq!(uid["a"], Value::Null);
    assert_eq!(
        uid["b_sources"][0]["source"],
        serde_json::json!({"kind": "snapshot", "fact": "subuid"})
    );
    assert_eq!(uid["b_sources"][0]["pass"], "namespaces");
}

#[test]
fn diff_two_versions_and_two_services() {
    let dir = tempfile::tempdir().expect("temp dir");
    let v1 =
        std::fs::read_to_string(repo().join("fixtures/services/fuse-dev.yaml")).expect("fixture");
    let v2 = v1.replace("memory: 128Mi", "memory: 256Mi");
    let (p1, p2) = (dir.path().join("v1.yaml"), dir.path().join("v2.yaml"));
    std::fs::write(&p1, &v1).expect("write");
    std::fs::write(&p2, &v2).expect("write");
    let (p1, p2) = (
        p1.to_string_lossy().into_owned(),
        p2.to_string_lossy().into_owned(),
    );
    let snap = "fixtures/snapshots/nogpu-v2-root.json";
    let o = ocigen(&["diff", &p1, &p2, "--probe", snap]);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    assert!(text.contains("1 change\n\n~ linux.resources.memory.limit\n    a: 134217728\n       from service field services.sshfs.resources.memory [resources pass]\n    b: 268435456\n"), "{text}");
    // A version that does not parse is a side that fails, at its line.
    std::fs::write(&p2, v1.replace("memory: 128Mi", "memory: [")).expect("write");
    let o = ocigen(&["diff", &p1, &p2, "--probe", snap]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("b fails: E_PARSE: "), "{}", stdout(&o));
    // Two services of one file.
    let two = dir.path().join("two.yaml");
    let second = v1
        .split("services:\n")
        .nth(1)
        .expect("services")
        .replace("  sshfs:", "  sshfs-b:")
        .replace("SYS_ADMIN", "NET_ADMIN");
    std::fs::write(&two, format!("{v1}{second}")).expect("write");
    let two = two.to_string_lossy().into_owned();
    let o = ocigen(&[
        "diff",
        &two,
        "--service",
        "sshfs",
        "--service",
        "sshfs-b",
        "--probe",
        snap,
    ]);
    let text = stdout(&o);
    assert_eq!(code(&o), 1, "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("- process.capabilities.CAP_SYS_ADMIN\n"),
        "{text}"
    );
    assert!(
        text.contains("+ process.capabilities.CAP_NET_ADMIN\n"),
        "{text}"
    );
    assert!(text.contains("~ hostname\n"), "{text}");
}

/// Compare with (or, with `UPDATE_GOLDENS=1`, write) `host-native/tests/golden/<name>`.
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("UPDATE_GOLDENS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs from the fleet output (UPDATE_GOLDENS=1 rewrites it):\n{actual}",
        path.display()
    );
}

#[test]
fn fleet_over_the_example_snapshots() {
    let gpu = ocigen(&[
        "fleet",
        "fixtures/services/gpu-inference.yaml",
        "fixtures/snapshots",
        "--volume",
        "model-cache=/var/lib/zlayer/volumes/model-cache",
    ]);
    assert_eq!(code(&gpu), 1, "some hosts cannot run it");
    golden("fleet-gpu-inference.txt", &stdout(&gpu));
    let mut args = vec!["fleet", "fixtures/services/web.yaml", "fixtures/snapshots"];
    args.extend(WEB_IMAGE);
    let web = ocigen(&args);
    golden("fleet-web.txt", &stdout(&web));
    args.extend(["--baseline", "first", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&ocigen(&args))).expect("JSON");
    assert_eq!(v["baseline"], "first");
    assert_eq!(v["reference"], "amd-v2-root");
    // Every example snapshot is a host; the one with a read-only cgroupfs cannot place it.
    let snapshots =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snapshots"))
            .expect("snapshots")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count();
    assert_eq!(v["hosts"], snapshots);
    assert_eq!(v["rendering"], snapshots - 1);
    let rows = v["rows"].as_array().expect("rows");
    let readonly = rows
        .iter()
        .find(|r| r["host"] == "nogpu-v2-readonly-cgroupfs")
        .expect("row");
    assert_eq!(readonly["ok"], false);
    assert_eq!(readonly["error"]["field"], "services.web.cgroup_parent");
    assert_eq!(readonly["facts"][0]["fact"], "cgroup");
    // Every host renders the bare service: exit 0.
    let bare = ocigen(&[
        "fleet",
        "fixtures/services/bare-service.yaml",
        "fixtures/snapshots/nogpu-v2-root.json",
        "fixtures/snapshots/v1-root.json",
    ]);
    assert_eq!(code(&bare), 0, "{}", stdout(&bare));
    assert_eq!(code(&ocigen(&["fleet", "fixtures/services/web.yaml"])), 2);
}

/// The diff the web page's browser test expects to show (web-demo/test/browser.test.mjs).
#[test]
fn diff_golden_shared_with_the_page() {
    let o = ocigen(&[
        "diff",
        "fixtures/services/fuse-dev.yaml",
        "--probe",
        "fixtures/snapshots/nogpu-v2-root.json",
        "--probe",
        "fixtures/snapshots/rootless-v2-user-slice.json",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    golden("diff-fuse-dev.json", &stdout(&o));
}

#[test]
fn completions_and_man_pages_come_from_the_parser() {
    let bash = ocigen(&["completions", "bash"]);
    assert_eq!(code(&bash), 0);
    let script = stdout(&bash);
    for word in ["diff", "fleet", "--probe", "--baseline", "render"] {
        assert!(script.contains(word), "{word} in the bash completions");
    }
    assert!(stdout(&ocigen(&["completions", "zsh"])).contains("#compdef ocigen"));
    let man = stdout(&ocigen(&["man"]));
    assert!(
        man.starts_with(".ie \\n(.g .ds Aq") || man.contains(".TH ocigen"),
        "{man}"
    );
    assert!(man.contains("fleet"));
    let dir = tempfile::tempdir().expect("temp dir");
    let out = ocigen(&["man", "--out-dir", &dir.path().to_string_lossy()]);
    assert_eq!(code(&out), 0);
    let diff_page =
        std::fs::read_to_string(dir.path().join("ocigen-diff.1")).expect("ocigen-diff.1");
    assert!(diff_page.contains(".TH ocigen-diff 1"), "{diff_page}");
    assert!(diff_page.contains("probe"));
}
