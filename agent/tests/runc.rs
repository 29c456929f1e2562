//! The example agent for real: four services, eight containers, rendered and written
//! concurrently, all started at once under runc on a busybox rootfs; each container's output
//! and exit code checked. Then a second start, which keeps every snapshot (no drift).
//!
//! Needs root, runc and busybox: without them the test prints SKIPPED, or fails under
//! `CI=true` (the policy of the host crate's runc suite).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

const AGENT: &str = env!("CARGO_BIN_EXE_ocigen-agent");
const APPLETS: &[&str] = &["sh", "echo", "hostname", "ls", "wc", "touch"];

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// runc and busybox, or `None` after a loud skip (a panic under CI=true).
fn tools() -> Option<(PathBuf, PathBuf)> {
    let found = (|| {
        if !nix::unistd::geteuid().is_root() {
            return Err("not running as root (runc needs root here)".to_string());
        }
        let runc = find_tool("runc").ok_or("runc not found on PATH or in /usr/sbin")?;
        let busybox =
            find_tool("busybox").ok_or("busybox not found (apt install busybox-static)")?;
        Ok((runc, busybox))
    })();
    match found {
        Ok(t) => Some(t),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("example agent under runc cannot run with CI=true: {why}")
        }
        Err(why) => {
            eprintln!("\n*** SKIPPED: example agent under runc: {why} ***\n");
            None
        }
    }
}

fn rootfs(dir: &Path, busybox: &Path) {
    for d in ["bin", "proc", "sys", "dev", "etc", "tmp"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::copy(busybox, dir.join("bin/busybox")).unwrap();
    for a in APPLETS {
        std::os::unix::fs::symlink("busybox", dir.join("bin").join(a)).unwrap();
    }
}

/// Run the agent binary with `--run --json`: its exit code and report.
fn agent(args: &[&Path], runc: &Path) -> (i32, Value) {
    let started = Instant::now();
    let out = Command::new(AGENT)
        .args(args)
        .args(["--run", "--json", "--runc"])
        .arg(runc)
        .env("OCIGEN_AGENT_TEST_REGION", "eu-1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    eprintln!(
        "agent run: {:?} wall, phases (ms): {}",
        started.elapsed(),
        report["ms"]
    );
    (out.status.code().unwrap(), report)
}

#[test]
fn example_agent_runs_a_deployment_under_runc() {
    let Some((runc, busybox)) = tools() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let suffix = std::process::id().to_string();
    rootfs(&tmp.path().join("rootfs"), &busybox);
    let deploy = tmp.path().join("deploy.yaml");
    let text = include_str!("deploy.yaml").replace("@S@", &suffix);
    std::fs::write(&deploy, text).unwrap();
    let secrets = tmp.path().join("secrets/agent-proof");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("api-token"), "s3cret\n").unwrap();

    let (root, out) = (tmp.path().join("rootfs"), tmp.path().join("state"));
    let secrets_dir = tmp.path().join("secrets");
    let args: [&Path; 7] = [
        &deploy,
        "--rootfs".as_ref(),
        &root,
        "--out".as_ref(),
        &out,
        "--secrets-dir".as_ref(),
        &secrets_dir,
    ];
    let (code, report) = agent(&args, &runc);

    // What each container must have printed, and its exit code.
    let s = &suffix;
    let mut want: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for n in 1..=3 {
        let id = format!("hello-{s}-rep-{n}");
        want.insert(id.clone(), (0, format!("greeting=hello host={id}\n")));
    }
    for n in 1..=2 {
        let id = format!("secret-{s}-rep-{n}");
        let line = format!("token=s3cret region=eu-1 host={id}\n");
        want.insert(id, (0, line));
        let id = format!("volume-{s}-rep-{n}");
        want.insert(id.clone(), (0, format!("scratch=1 host={id}\n")));
    }
    want.insert(format!("failing-{s}-rep-1"), (7, "about to fail\n".into()));

    let containers = report["containers"].as_array().unwrap();
    let got: BTreeMap<String, (i64, String)> = containers
        .iter()
        .map(|c| {
            let code = c["exit_code"].as_i64().unwrap_or_else(|| panic!("{c:#}"));
            let stdout = c["stdout"].as_str().unwrap().to_string();
            (c["id"].as_str().unwrap().to_string(), (code, stdout))
        })
        .collect();
    assert_eq!(got, want, "report:\n{report:#}");
    // A container exited non-zero, so the agent does: 1, with every other container done.
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["services"].as_array().unwrap().len(), 4);

    // The named volume is shared by both volume replicas; each bundle is a whole config.
    let shared = out.join(format!("volumes/named/shared-{s}"));
    let mut names: Vec<_> = std::fs::read_dir(&shared)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [format!("volume-{s}-rep-1"), format!("volume-{s}-rep-2")]
    );
    for c in containers {
        let bundle = Path::new(c["bundle"].as_str().unwrap());
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(bundle.join("config.json")).unwrap())
                .unwrap();
        assert_eq!(config["hostname"], c["id"]);
    }

    // The next start keeps every snapshot: nothing on this host drifted in between.
    let (code, again) = agent(&args, &runc);
    assert_eq!(code, 1);
    for svc in again["services"].as_array().unwrap() {
        assert_eq!(svc["snapshot"], "kept (no drift)", "{again:#}");
    }
    let containers = again["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 8);
    assert!(containers.iter().all(|c| c["exit_code"]
        == if c["service"].as_str().unwrap().starts_with("failing") {
            7
        } else {
            0
        }));
}
