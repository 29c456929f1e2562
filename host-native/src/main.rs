//! `ocigen`: a thin wrapper over `ocigen_host::cli`.
use std::process::ExitCode;

use ocigen_host::cli::{CliError, EXIT_HOST};

fn run() -> anyhow::Result<ExitCode> {
    Ok(ocigen_host::cli::run(std::env::args_os())?)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ocigen: {e:#}");
            ExitCode::from(
                e.downcast_ref::<CliError>()
                    .map_or(EXIT_HOST, |c| c.exit_code),
            )
        }
    }
}
