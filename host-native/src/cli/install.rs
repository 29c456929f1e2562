//! `ocigen completions SHELL` and `ocigen man`: shell completions and manual pages generated
//! from the same clap definitions the parser uses, so they cannot drift from the flags.

use std::path::PathBuf;

use clap::{Args, Command, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CliError};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write ocigen.1 and one page per command (ocigen-render.1, ...) into this folder;
    /// without it, print ocigen.1.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Completions for `shell` on stdout.
pub fn completions(a: CompletionsArgs) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "ocigen", &mut std::io::stdout());
    Ok(())
}

fn page(cmd: Command) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| CliError::host(format!("cannot write the manual page: {e}")))?;
    Ok(out)
}

/// The main page on stdout, or every page into `--out-dir`.
pub fn man(a: ManArgs) -> Result<(), CliError> {
    let cmd = Cli::command();
    let Some(dir) = a.out_dir else {
        let text = page(cmd)?;
        print!("{}", String::from_utf8_lossy(&text));
        return Ok(());
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::host(format!("cannot create {}: {e}", dir.display())))?;
    let mut pages = vec![("ocigen.1".to_string(), page(cmd.clone())?)];
    for sub in cmd.get_subcommands() {
        // A page per command, named as man(1) looks it up: `man ocigen-render`.
        let name = format!("ocigen-{}", sub.get_name());
        let sub = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("ocigen {}", sub.get_name()));
        pages.push((format!("{name}.1"), page(sub)?));
    }
    for (file, text) in pages {
        let path = dir.join(&file);
        std::fs::write(&path, text)
            .map_err(|e| CliError::host(format!("cannot write {}: {e}", path.display())))?;
        println!("{}", path.display());
    }
    Ok(())
}
