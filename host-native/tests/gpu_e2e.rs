//! `tests/gpu/e2e.sh` under `cargo test`, so CI runs what it can without a GPU: the script's
//! skip on a host without one, and its whole pipeline (probe, `cdi generate`, render and
//! bundle with `--cdi-generated`, `runc run`, the checks from inside and the negative
//! control) against a fake device tree. On a host with an NVIDIA GPU the real run happens.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// runc and busybox, or a loud skip (a failure under `CI=true`), as the runc suite does.
fn tools(what: &str) -> Option<(PathBuf, PathBuf)> {
    let found = (|| {
        if !nix::unistd::geteuid().is_root() {
            return Err("not running as root".to_string());
        }
        let runc = find_tool("runc").ok_or("runc not found")?;
        let busybox = find_tool("busybox").ok_or("busybox not found (busybox-static)")?;
        find_tool("python3").ok_or("python3 not found")?;
        Ok((runc, busybox))
    })();
    match found {
        Ok(t) => Some(t),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{what} cannot run under CI=true: {why}")
        }
        Err(why) => {
            eprintln!("\n*** SKIPPED: {what}: {why} ***\n");
            None
        }
    }
}

fn has_nvidia_gpu() -> bool {
    Path::new("/proc/driver/nvidia/version").exists() && Path::new("/dev/nvidiactl").exists()
}

fn run_script(fake: bool, runc: &Path, busybox: &Path) -> (bool, String) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("tests/gpu/e2e.sh"))
        .arg(env!("CARGO_BIN_EXE_ocigen"))
        .arg(runc)
        .arg(busybox);
    if fake {
        cmd.env("OCIGEN_E2E_FAKE", "1");
    }
    let out = cmd.output().expect("bash runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_script_skips_without_a_gpu_and_passes_with_one() {
    if !has_nvidia_gpu() {
        // Checked before any tool is looked at: any paths do.
        let (ok, out) = run_script(false, Path::new("/nonexistent"), Path::new("/nonexistent"));
        assert!(ok, "{out}");
        assert_eq!(out.trim(), "skipped: no NVIDIA GPU");
        return;
    }
    let Some((runc, busybox)) = tools("GPU end-to-end run") else {
        return;
    };
    let (ok, out) = run_script(false, &runc, &busybox);
    assert!(ok && out.contains("e2e: all checks passed"), "{out}");
}

#[test]
fn the_whole_pipeline_runs_on_a_fake_device_tree() {
    if has_nvidia_gpu() {
        eprintln!("a real NVIDIA GPU is here: the real run covers this");
        return;
    }
    let Some((runc, busybox)) = tools("GPU end-to-end run on a fake device tree") else {
        return;
    };
    let (ok, out) = run_script(true, &runc, &busybox);
    assert!(ok && out.contains("e2e: all checks passed"), "{out}");
    for want in [
        "ok: gpu: /dev/nvidia-uvm is allowed",
        "ok: gpu: nvidia-smi -L lists GPU 0",
        "ok: gpu: memory limit 256Mi in effect",
        "ok: nogpu: a c 195:0 node made inside is denied",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
}
