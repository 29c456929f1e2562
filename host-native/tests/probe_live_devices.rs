//! The probe's device numbers against `stat -c %t:%T` (hex major:minor) on this machine,
//! including a node with major and minor above 255, which the seed's 8-bit decoding broke.

use std::path::Path;
use std::process::Command;

use ocigen_core::snapshot::{DeviceFact, NodeType};
use ocigen_host::probe::stat_device;

/// `(major, minor)` as coreutils' stat prints them (hex).
fn coreutils_numbers(path: &Path) -> (i64, i64) {
    let out = Command::new("stat")
        .args(["-c", "%t:%T"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "stat {} failed", path.display());
    let text = String::from_utf8(out.stdout).unwrap();
    let (maj, min) = text.trim().split_once(':').unwrap();
    (
        i64::from_str_radix(maj, 16).unwrap(),
        i64::from_str_radix(min, 16).unwrap(),
    )
}

fn probe_numbers(path: &Path) -> (i64, i64) {
    match stat_device(path).unwrap() {
        DeviceFact::Node(n) => {
            assert_eq!(n.kind, NodeType::Char);
            (n.major, n.minor)
        }
        other => panic!("{} is not a device: {other:?}", path.display()),
    }
}

#[test]
fn dev_null_and_fuse_match_coreutils() {
    let null = Path::new("/dev/null");
    assert_eq!(probe_numbers(null), (1, 3));
    assert_eq!(probe_numbers(null), coreutils_numbers(null));
    let fuse = Path::new("/dev/fuse");
    if fuse.exists() {
        assert_eq!(probe_numbers(fuse), coreutils_numbers(fuse));
    } else {
        eprintln!("note: /dev/fuse absent on this machine; checked /dev/null only");
    }
}

#[test]
fn large_major_and_minor_survive() {
    if !nix::unistd::geteuid().is_root() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must run as root: mknod of a test node needs it"
        );
        eprintln!("SKIPPED large_major_and_minor_survive: mknod needs root (not root, CI != true)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join("big");
    let st = Command::new("mknod")
        .arg(&node)
        .args(["c", "487", "300"])
        .status()
        .unwrap();
    assert!(st.success(), "mknod failed");
    assert_eq!(probe_numbers(&node), (487, 300));
    assert_eq!(probe_numbers(&node), coreutils_numbers(&node));
}
