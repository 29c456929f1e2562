//! `ocigen-agent`: an example node agent on `ocigen_host::agent`.
//!
//! Given a deployment file and a root filesystem it probes the host for every service
//! (keeping each snapshot and re-checking it for drift on the next start), renders every
//! replica (the count from the service's `scale`), writes one bundle per container,
//! prepares the cgroup leaf, and with `--run` starts every container under runc at once
//! and reports their exit codes and output. Renders and bundle writes run concurrently on
//! tokio; all host work is on its blocking pool.
//!
//! ```text
//! ocigen-agent deploy.yaml --rootfs ./rootfs --out /var/lib/ocigen-agent [--run] [--json]
//! ```
//!
//! Layout under `--out`: `bundles/<container id>/` (config.json and its files),
//! `snapshots/<service>.json` (kept snapshots), `volumes/` (named and anonymous volumes),
//! `runc/` (runc's state root, private to this agent).
//!
//! Exit codes: 0 every bundle written (and with `--run` every container exited 0); 1 a
//! container failed, or the deployment is invalid; 2 usage; 3 host failure.

mod deploy;
mod runc;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Example node agent: bundles (and with --run, containers) for every replica of a deployment.
#[derive(Debug, Parser)]
#[command(name = "ocigen-agent", version)]
pub struct Args {
    /// Deployment file (ZLayer DeploymentSpec, or a bare ServiceSpec), YAML or JSON.
    #[arg(value_name = "DEPLOYMENT")]
    pub deployment: PathBuf,
    /// The containers' root filesystem (an unpacked image), shared by every container.
    #[arg(long, value_name = "DIR")]
    pub rootfs: PathBuf,
    /// The agent's state directory: bundles, kept snapshots, volumes, runc state.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Start every container under runc and report its exit code and output.
    #[arg(long)]
    pub run: bool,
    /// The runc binary.
    #[arg(long, value_name = "PATH", default_value = "runc")]
    pub runc: PathBuf,
    /// Directory of secret files `<dir>/<scope>/<name>` (default `$OCIGEN_SECRETS_DIR`).
    #[arg(long, value_name = "DIR")]
    pub secrets_dir: Option<PathBuf>,
    /// Seconds a container may run before it is killed.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ocigen-agent: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(deploy::run(&args)) {
        Ok(report) => {
            let text = if args.json {
                report.to_json() + "\n"
            } else {
                report.to_text()
            };
            // A closed pipe (`| head`) is the reader's choice, not a failure of the agent.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::from(if report.all_ok() { 0 } else { 1 })
        }
        Err(failure) => {
            eprintln!("ocigen-agent: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
