//! `ocigen probe --check SNAPSHOT`: is a kept snapshot still true of this host?
//!
//! Prints one line per changed fact on stdout (`devices./dev/nvidia-uvm: c 238:0 -> c 510:0`)
//! and exits [`EXIT_DRIFT`] when there is any; prints a one-line summary and exits 0 when
//! there is none. An unreadable or invalid snapshot is invalid input (1, like drift: either
//! way the snapshot cannot be used as it is); a probe that reads nothing is a host failure (3).

use std::io::Read;
use std::path::PathBuf;

use ocigen_core::Snapshot;

use super::{CliError, EXIT_INPUT};
use crate::drift;
use crate::probe::HostRoot;

/// The snapshot no longer matches the host: the same code as invalid input, because the
/// snapshot is an input that is no longer valid here (and `diff`-like tools use 1 alike).
pub const EXIT_DRIFT: u8 = EXIT_INPUT;

/// Re-probe what `file` (`-` for stdin) holds under `host_root` and report the changes.
pub(super) fn probe_check(file: &str, host_root: PathBuf) -> Result<(), CliError> {
    let shown = if file == "-" { "<stdin>" } else { file };
    let text = if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(file)
    }
    .map_err(|e| CliError::input(format!("cannot read {shown}: {e}")))?;
    let kept = Snapshot::from_json(shown, &text).map_err(|e| CliError::input(e.to_string()))?;
    let host = HostRoot {
        root: host_root,
        ..HostRoot::live()
    };
    let report = drift::check(&host, &kept).map_err(|e| CliError::host(e.to_string()))?;
    if report.is_clean() {
        println!(
            "{shown}: no drift ({} devices, {} paths, {} variables and the basics re-probed)",
            kept.devices.len(),
            kept.paths.len(),
            kept.env.len()
        );
        return Ok(());
    }
    for change in &report.changes {
        println!("{change}");
    }
    let n = report.changes.len();
    Err(CliError {
        exit_code: EXIT_DRIFT,
        message: format!(
            "{shown}: {n} fact{} changed since it was probed; re-probe it (`ocigen probe [--for SERVICE_FILE] -o {shown}`)",
            if n == 1 { "" } else { "s" }
        ),
    })
}
