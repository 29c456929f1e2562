//! Starting a bundle under runc and collecting what it did.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::Command;

/// What one container did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// runc's exit status, which is the container process's; `None` when it was killed by a
    /// signal, timed out, or runc could not start.
    pub exit_code: Option<i32>,
    pub stdout: String,
    /// The container's stderr, then runc's own complaints.
    pub stderr: String,
    pub took: Duration,
    pub timed_out: bool,
}

/// `runc --root <state> run --bundle <bundle> <id>` in the foreground, with its output
/// captured; the container is deleted afterwards whatever happened (a killed or failed run
/// leaves runc state and a cgroup behind otherwise).
pub async fn run(
    runc: &Path,
    state: &Path,
    bundle: PathBuf,
    id: String,
    timeout: Duration,
) -> Outcome {
    let started = Instant::now();
    let child = Command::new(runc)
        .arg("--root")
        .arg(state)
        .arg("run")
        .arg("--bundle")
        .arg(&bundle)
        .arg(&id)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Dropping the wait on a timeout kills runc; `delete -f` below kills the container.
        .kill_on_drop(true)
        .spawn();
    let mut outcome = Outcome {
        exit_code: None,
        stdout: String::new(),
        stderr: String::new(),
        took: Duration::ZERO,
        timed_out: false,
    };
    match child {
        Err(e) => outcome.stderr = format!("cannot start {}: {e}", runc.display()),
        Ok(child) => match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Ok(Ok(out)) => {
                outcome.exit_code = out.status.code();
                outcome.stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                outcome.stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            }
            Ok(Err(e)) => outcome.stderr = format!("waiting for runc failed: {e}"),
            Err(_) => {
                outcome.timed_out = true;
                outcome.stderr = format!("killed after {timeout:?}");
            }
        },
    }
    outcome.took = started.elapsed();
    let deleted = Command::new(runc)
        .arg("--root")
        .arg(state)
        .args(["delete", "-f", &id])
        .output()
        .await;
    // After a normal exit runc has already removed the container; only a leftover matters.
    if let Ok(out) = deleted {
        let msg = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() && !msg.contains("does not exist") {
            outcome.stderr.push_str(&format!("runc delete: {msg}"));
        }
    }
    outcome
}
