//! The host side's trust boundary through the library: secrets never reach a snapshot, host
//! files are read with a size limit, bundle paths cannot overlap a rootfs, and temporary files
//! of killed writers are cleaned up.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use ocigen_core::snapshot::{KernelFacts, UserFacts};
use ocigen_core::{ErrorCode, Requirements};
use ocigen_host::bundle::{check_bundle_paths, remove_stale_temps, write_bundle_parts};
use ocigen_host::probe::{probe, HostIdentity, HostRoot};
use ocigen_host::secrets::{resolve_secrets, EnvFileSecrets};
use ocigen_host::HostError;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// The smallest host tree a probe accepts.
fn fake_host(root: &Path) -> HostRoot {
    write(root, "proc/devices", "Character devices:\n  1 mem\n");
    write(root, "proc/self/status", "CapBnd:\t000001ffffffffff\n");
    write(root, "proc/self/cgroup", "0::/agent.service\n");
    let identity = HostIdentity {
        user: UserFacts {
            euid: 0,
            egid: 0,
            name: Some("root".into()),
            ..UserFacts::default()
        },
        kernel: KernelFacts {
            release: "6.1.0".into(),
            arch: "x86_64".into(),
        },
    };
    HostRoot::fake(root, identity)
}

#[test]
fn the_probe_refuses_to_record_a_secret_source() {
    let tmp = tempfile::tempdir().unwrap();
    let mut host = fake_host(tmp.path());
    host.env
        .insert("OCIGEN_SECRET_DB_PASSWORD".into(), "hunter2".into());
    host.env
        .insert("OCIGEN_SECRETS_DIR".into(), "/run/s".into());
    for var in ["OCIGEN_SECRET_DB_PASSWORD", "OCIGEN_SECRETS_DIR"] {
        let mut req = Requirements::default();
        req.env_names.insert("HOME".into());
        req.env_names.insert(var.into());
        let err = probe(&host, Some(&req)).unwrap_err();
        assert!(
            matches!(&err, HostError::Core(e) if e.code() == ErrorCode::Unsatisfiable),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(var) && text.contains("$S:"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
    // Ordinary variables are still recorded.
    let mut req = Requirements::default();
    req.env_names.insert("OCIGEN_SECRET".into());
    let snap = probe(&host, Some(&req)).unwrap();
    assert_eq!(snap.env.get("OCIGEN_SECRET"), Some(&None));
}

#[test]
fn host_files_over_the_limit_are_unreadable_facts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut host = fake_host(tmp.path());
    write(tmp.path(), "etc/cdi/big.json", &" ".repeat(4096));
    write(tmp.path(), "etc/cdi/small.json", "{}");
    host.max_file_size = 1024;
    let snap = probe(&host, None).unwrap();
    let why = &snap.unreadable["cdi./etc/cdi/big.json"];
    assert!(why.contains("limit of 1 KiB"), "{why}");
    let files: Vec<&str> = snap.cdi.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["/etc/cdi/small.json"]);
    // /dev/zero as a host file: fails at the limit, at once.
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("etc/cdi/zero.json")).unwrap();
    let snap = probe(&host, None).unwrap();
    assert!(snap.unreadable.contains_key("cdi./etc/cdi/zero.json"));
}

#[tokio::test]
async fn a_secret_file_is_read_with_a_limit() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "shop/big", &"x".repeat(100));
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("shop/zero")).unwrap();
    let provider = EnvFileSecrets {
        max_file_size: 64,
        ..EnvFileSecrets::new(&BTreeMap::new(), Some(tmp.path().into()))
    };
    for name in ["big", "zero"] {
        let refs = BTreeSet::from([name.to_string()]);
        let err = resolve_secrets(&provider, "shop", &refs)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("shop/{name}")) && err.contains("64 bytes"),
            "{err}"
        );
    }
}

#[test]
fn rootfs_and_bundle_must_not_overlap() {
    let tmp = tempfile::tempdir().unwrap();
    let base = fs::canonicalize(tmp.path()).unwrap();
    let rootfs = base.join("rootfs");
    fs::create_dir_all(rootfs.join("usr")).unwrap();
    let refused = |out: &Path, rootfs: &Path| -> String {
        match check_bundle_paths(rootfs, out) {
            Err(HostError::Bundle { message, .. }) => message,
            other => panic!("{} in {}: {other:?}", out.display(), rootfs.display()),
        }
    };
    assert!(refused(&base.join("b"), Path::new("/")).contains("host's root"));
    assert!(refused(&rootfs, &rootfs).contains("also the rootfs"));
    assert!(refused(&base, &rootfs).contains("contains the rootfs"));
    assert!(refused(&rootfs.join("usr/b"), &rootfs).contains("inside the rootfs"));
    // Not yet existing, through `..` and through a link into the rootfs.
    assert!(refused(&rootfs.join("new/../b"), &rootfs).contains("inside the rootfs"));
    std::os::unix::fs::symlink(&rootfs, base.join("link")).unwrap();
    assert!(refused(&base.join("link/x"), &rootfs).contains("inside the rootfs"));
    // Siblings, including one whose name starts like the rootfs's, are fine.
    check_bundle_paths(&rootfs, &base.join("bundle")).unwrap();
    check_bundle_paths(&rootfs, &base.join("rootfs-bundle")).unwrap();
}

#[test]
fn stale_temporary_files_of_dead_writers_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A pid that surely ran and is gone: a child that exited and was reaped.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = dir.join(format!(".config.json.tmp-{dead}"));
    let live = dir.join(".config.json.tmp-1"); // pid 1 always runs
    let stale_seq = dir.join(format!(".config.json.tmp-{dead}-3"));
    let other = dir.join(format!(".resolv.conf.tmp-{dead}x"));
    for f in [&stale, &stale_seq, &live, &other] {
        fs::write(f, "partial").unwrap();
    }
    write_bundle_parts(dir, "{}\n", &[]).unwrap();
    assert!(
        !stale.exists() && !stale_seq.exists(),
        "a dead writer's file stayed"
    );
    assert!(live.exists() && other.exists());
    assert_eq!(fs::read_to_string(dir.join("config.json")).unwrap(), "{}\n");
    // A directory with that name is not a temporary file of ours.
    fs::create_dir(&stale).unwrap();
    assert_eq!(remove_stale_temps(dir, "config.json").unwrap(), 0);
    assert!(stale.is_dir());
}
