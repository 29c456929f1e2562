//! The NVIDIA driver facts: the loader cache read as data (checked against `ldconfig -p` on
//! this machine), and the driver probe on a fake host tree laid out like the H200 of
//! host-facts.md (driver in a `/usr/local/nvidia` folder, links, MIG capabilities).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use ocigen_core::snapshot::{DriverFile, KernelFacts, MigInstance, UserFacts};
use ocigen_host::probe::{parse_ld_cache, probe, resolve, write_ld_cache, HostIdentity, HostRoot};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn link(root: &Path, rel: &str, target: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    symlink(target, p).unwrap();
}

#[test]
fn loader_cache_reads_like_ldconfig_p() {
    let Ok(bytes) = fs::read("/etc/ld.so.cache") else {
        eprintln!("no /etc/ld.so.cache on this machine: nothing to compare");
        return;
    };
    let Ok(out) = Command::new("ldconfig").arg("-p").output() else {
        eprintln!("no ldconfig on this machine: nothing to compare");
        return;
    };
    let mut ours: Vec<(String, String)> = parse_ld_cache(&bytes)
        .expect("this machine's cache parses")
        .into_iter()
        .map(|e| (e.name, e.path))
        .collect();
    let mut theirs: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (left, path) = l.split_once(" => ")?;
            let name = left.trim().split(" (").next()?;
            Some((name.to_string(), path.to_string()))
        })
        .collect();
    ours.sort();
    theirs.sort();
    assert!(!ours.is_empty());
    assert_eq!(ours, theirs, "parse_ld_cache and `ldconfig -p` disagree");
}

const V: &str = "580.159.04";

fn fake_h200(root: &Path) {
    write(root, "proc/devices", "Character devices:\n195 nvidia\n238 nvidia-uvm\n241 nvidia-caps\n\nBlock devices:\n  7 loop\n");
    write(root, "proc/self/cgroup", "0::/\n");
    write(root, "proc/self/status", "CapBnd:\t000001ffffffffff\n");
    write(root, "proc/driver/nvidia/version", &format!("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  {V}  Release Build  (dvs-builder@U22)  Thu Oct  9 2025\nGCC version:  gcc version 12.3.0\n"));
    write(root, "proc/driver/nvidia/gpus/0000:00:05.0/information", "Model: \t\t NVIDIA H200\nGPU UUID: \t GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087\nBus Location: \t 0000:00:05.0\nDevice Minor: \t 0\n");
    let caps = "proc/driver/nvidia/capabilities";
    write(
        root,
        &format!("{caps}/mig/config"),
        "DeviceFileMinor: 1\nDeviceFileMode: 256\nDeviceFileModify: 1\n",
    );
    write(
        root,
        &format!("{caps}/mig/monitor"),
        "DeviceFileMinor: 2\nDeviceFileMode: 292\nDeviceFileModify: 1\n",
    );
    for (gi, ci, gi_minor, ci_minor) in [(10, 0, 93, 94), (2, 0, 21, 22), (2, 1, 21, 23)] {
        write(
            root,
            &format!("{caps}/gpu0/mig/gi{gi}/access"),
            &format!("DeviceFileMinor: {gi_minor}\n"),
        );
        write(
            root,
            &format!("{caps}/gpu0/mig/gi{gi}/ci{ci}/access"),
            &format!("DeviceFileMinor: {ci_minor}\n"),
        );
    }
    let lib = "usr/local/nvidia/lib64";
    for name in ["libcuda", "libnvidia-ml", "libnvidia-ptxjitcompiler"] {
        write(root, &format!("{lib}/{name}.so.{V}"), "ELF");
        link(
            root,
            &format!("{lib}/{name}.so.1"),
            &format!("{name}.so.{V}"),
        );
    }
    link(root, &format!("{lib}/libcuda.so"), "libcuda.so.1");
    // An old release's file and the CUDA toolkit's runtime are not the driver's.
    write(root, &format!("{lib}/libcuda.so.535.104.05"), "ELF");
    write(root, &format!("{lib}/libcudart.so.12"), "ELF");
    // A Debian-style folder reached through a merged-/usr link, holding a stale copy.
    link(root, "lib", "usr/lib");
    write(
        root,
        &format!("usr/lib/x86_64-linux-gnu/libnvidia-cfg.so.{V}"),
        "ELF",
    );
    link(
        root,
        "usr/lib/x86_64-linux-gnu/libnvidia-cfg.so.1",
        &format!("/usr/lib/x86_64-linux-gnu/libnvidia-cfg.so.{V}"),
    );
    write(root, "usr/local/nvidia/bin/nvidia-smi", "#!/bin/sh\n");
    write(
        root,
        "usr/local/nvidia/bin/nvidia-cuda-mps-control",
        "#!/bin/sh\n",
    );
    link(
        root,
        "usr/bin/nvidia-debugdump",
        "../local/nvidia/bin/nvidia-smi",
    );
    // The loader cache lists libcuda through the link folder, and a 32-bit copy.
    fs::write(
        root.join("etc/ld.so.cache"),
        write_ld_cache(&[
            (
                "libcuda.so.1",
                "/usr/local/nvidia/lib64/libcuda.so.1",
                0x0303,
            ),
            (
                "libcuda.so.1",
                "/usr/lib/i386-linux-gnu/libcuda.so.1",
                0x0003,
            ),
            ("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0x0303),
        ]),
    )
    .unwrap();
}

fn identity() -> HostIdentity {
    HostIdentity {
        user: UserFacts {
            euid: 0,
            egid: 0,
            name: Some("root".into()),
            ..UserFacts::default()
        },
        kernel: KernelFacts {
            release: "6.18.0".into(),
            arch: "x86_64".into(),
        },
    }
}

fn f(path: &str, target: Option<&str>) -> DriverFile {
    DriverFile {
        path: path.into(),
        target: target.map(Into::into),
    }
}

#[test]
fn driver_files_and_mig_capabilities_of_a_fake_h200() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("etc")).unwrap();
    fake_h200(tmp.path());
    let snap = probe(&HostRoot::fake(tmp.path(), identity()), None).unwrap();
    let d = snap.nvidia_driver.expect("driver facts");
    assert_eq!(d.version, V);
    let lib = "/usr/local/nvidia/lib64";
    let x = "/usr/lib/x86_64-linux-gnu";
    assert_eq!(
        d.libraries,
        vec![
            // The loader cache first.
            f(
                &format!("{lib}/libcuda.so.1"),
                Some(&format!("{lib}/libcuda.so.{V}"))
            ),
            f(&format!("{lib}/libcuda.so.{V}"), None),
            // Then the folders, in order, each path once.
            f(
                &format!("{lib}/libcuda.so"),
                Some(&format!("{lib}/libcuda.so.{V}"))
            ),
            f(
                &format!("{lib}/libnvidia-ml.so.1"),
                Some(&format!("{lib}/libnvidia-ml.so.{V}"))
            ),
            f(&format!("{lib}/libnvidia-ml.so.{V}"), None),
            f(
                &format!("{lib}/libnvidia-ptxjitcompiler.so.1"),
                Some(&format!("{lib}/libnvidia-ptxjitcompiler.so.{V}"))
            ),
            f(&format!("{lib}/libnvidia-ptxjitcompiler.so.{V}"), None),
            f(
                &format!("{x}/libnvidia-cfg.so.1"),
                Some(&format!("{x}/libnvidia-cfg.so.{V}"))
            ),
            f(&format!("{x}/libnvidia-cfg.so.{V}"), None),
            f(
                "/lib/x86_64-linux-gnu/libnvidia-cfg.so.1",
                Some(&format!("{x}/libnvidia-cfg.so.{V}"))
            ),
            f(
                &format!("/lib/x86_64-linux-gnu/libnvidia-cfg.so.{V}"),
                Some(&format!("{x}/libnvidia-cfg.so.{V}"))
            ),
        ]
    );
    assert_eq!(
        d.binaries,
        vec![
            f("/usr/local/nvidia/bin/nvidia-smi", None),
            f(
                "/usr/bin/nvidia-debugdump",
                Some("/usr/local/nvidia/bin/nvidia-smi")
            ),
            f("/usr/local/nvidia/bin/nvidia-cuda-mps-control", None),
        ]
    );
    assert_eq!(
        (d.capabilities.mig_config, d.capabilities.mig_monitor),
        (Some(1), Some(2))
    );
    let mig = |gi, ci, gi_access, ci_access| MigInstance {
        gpu_minor: 0,
        gi,
        ci,
        gi_access,
        ci_access,
    };
    assert_eq!(
        d.capabilities.mig,
        vec![mig(2, 0, 21, 22), mig(2, 1, 21, 23), mig(10, 0, 93, 94)]
    );
    // The general probe also stats the capability nodes (absent here).
    assert!(snap.devices.contains_key("/dev/nvidia-modeset"));
}

#[test]
fn no_driver_no_facts_and_links_stay_inside_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "proc/devices", "Character devices:\n  1 mem\n");
    write(tmp.path(), "proc/self/cgroup", "0::/\n");
    let snap = probe(&HostRoot::fake(tmp.path(), identity()), None).unwrap();
    assert_eq!(snap.nvidia_driver, None);
    // An absolute link resolves from the fake root, never the real host's /.
    link(tmp.path(), "a/passwd", "/etc/passwd");
    let host = HostRoot::fake(tmp.path(), identity());
    assert!(
        resolve(&host, "/a/passwd").is_err(),
        "followed a link out of the fake root"
    );
    link(tmp.path(), "a/loop", "loop");
    assert!(resolve(&host, "/a/loop").is_err());
}
