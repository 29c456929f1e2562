//! The `ocigen` command line: argument definitions (clap derive) and dispatch. The binary
//! (`main.rs`) only calls [`run`] and turns a [`CliError`] into its exit code.
//!
//! Exit codes: 0 ok; 1 invalid input (the message names file and field); 2 usage; 3 host or
//! probe failure (including a snapshot that lacks a fact the render needs).

mod commands;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Invalid input: a file or field is wrong.
pub const EXIT_INPUT: u8 = 1;
/// Bad command line.
pub const EXIT_USAGE: u8 = 2;
/// The host or the probe failed (or a snapshot lacks a needed fact).
pub const EXIT_HOST: u8 = 3;

/// An error with the exit code it maps to. The message is complete (file, field, what to do).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub exit_code: u8,
    pub message: String,
}

impl CliError {
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            exit_code: EXIT_INPUT,
            message: message.into(),
        }
    }
    pub fn host(message: impl Into<String>) -> Self {
        CliError {
            exit_code: EXIT_HOST,
            message: message.into(),
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "ocigen",
    version,
    about = "Compute OCI runtime specs (config.json) for ZLayer services from a host-probe snapshot",
    after_help = "Examples:\n  ocigen probe --for web.yaml -o host.json\n  ocigen render web.yaml --probe host.json > config.json\n  ocigen bundle web.yaml --rootfs ./rootfs --out ./bundle && runc run --bundle ./bundle web\n  ocigen validate bundle/config.json\n  ocigen requirements web.yaml\n\nExit codes: 0 ok, 1 invalid input, 2 usage, 3 host or probe failure."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe this host and print the snapshot JSON.
    #[command(
        after_help = "Examples:\n  ocigen probe                       # general snapshot (common device nodes)\n  ocigen probe --for web.yaml -o host.json   # exactly what web.yaml needs"
    )]
    Probe(ProbeArgs),
    /// Render config.json for a service (on stdout; diagnostics on stderr).
    #[command(
        after_help = "Examples:\n  ocigen render web.yaml --probe host.json\n  ocigen render deploy.yaml --service api --replica 2 --env LOG=debug --format full\n  cat web.yaml | ocigen render - --probe host.json -o config.json\nWithout --probe the live host is probed for exactly what the service needs."
    )]
    Render(RenderArgs),
    /// Write an OCI bundle directory (config.json and its files) that `runc run` starts.
    #[command(
        after_help = "Examples:\n  ocigen bundle web.yaml --rootfs /var/lib/images/nginx --out /run/bundles/web\n  runc run --bundle /run/bundles/web web-1\nroot.path is the rootfs's absolute canonical path; nothing is symlinked."
    )]
    Bundle(BundleArgs),
    /// Check a config.json for semantic errors (paths, capabilities, duplicates, id maps).
    #[command(
        after_help = "Examples:\n  ocigen validate bundle/config.json\n  ocigen render web.yaml --probe host.json | ocigen validate -"
    )]
    Validate(ValidateArgs),
    /// Render, then print where every field of config.json came from (the provenance record).
    #[command(
        after_help = "Examples:\n  ocigen explain gpu.yaml --probe host.json\n  ocigen explain gpu.yaml --probe host.json --field linux.devices\nEach output field is listed with every source that set it: a service field, an image\nconfig field, a host fact of the snapshot, a named default, a CDI file and device, or a\nrender option."
    )]
    Explain(ExplainArgs),
    /// Print the host facts a service needs (Requirements JSON).
    #[command(
        after_help = "Examples:\n  ocigen requirements web.yaml\n  ocigen requirements deploy.yaml --service api"
    )]
    Requirements(RequirementsArgs),
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Probe exactly what this service file needs (devices, paths, `$E:` variables).
    #[arg(long = "for", value_name = "SERVICE_FILE")]
    pub for_file: Option<String>,
    /// The service in that file (needed when it has several).
    #[arg(long, value_name = "NAME", requires = "for_file")]
    pub service: Option<String>,
    /// Write the snapshot here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Read the host through this directory instead of `/` (a host tree mounted elsewhere).
    #[arg(long, value_name = "DIR", hide = true, default_value = "/")]
    pub host_root: PathBuf,
}

/// Inputs shared by `render` and `bundle`.
#[derive(Debug, Args)]
pub struct RenderInputs {
    /// ZLayer service file (DeploymentSpec or bare ServiceSpec), YAML or JSON; `-` for stdin.
    #[arg(value_name = "SERVICE_FILE")]
    pub service_file: String,
    /// The service to render (needed when the file has several).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Host snapshot from `ocigen probe`; without it the live host is probed.
    #[arg(long, value_name = "SNAPSHOT")]
    pub probe: Option<String>,
    /// OCI image config JSON (the whole blob or its `config` object).
    #[arg(long, value_name = "FILE")]
    pub image_config: Option<String>,
    /// The image's /etc/passwd (to resolve `User: name`).
    #[arg(long, value_name = "FILE")]
    pub passwd: Option<String>,
    /// The image's /etc/group.
    #[arg(long, value_name = "FILE")]
    pub group: Option<String>,
    /// Replica number (container id `<service>-rep-<N>`).
    #[arg(long, value_name = "N", default_value_t = ocigen_core::options::DEFAULT_REPLICA)]
    pub replica: u32,
    /// Hostname (default: the container id).
    #[arg(long, value_name = "H")]
    pub hostname: Option<String>,
    /// Share the host's network namespace.
    #[arg(long)]
    pub host_network: bool,
    /// Bundle directory on the host (where resolv.conf will live).
    #[arg(long, value_name = "DIR")]
    pub bundle_dir: Option<String>,
    /// The agent's cgroup parent (cgroupsPath becomes `<P>/<container id>`).
    #[arg(long, value_name = "P")]
    pub cgroup_parent: Option<String>,
    /// Prepared volume path: KEY is the volume name, `_anon_<target>` or `_s3_<bucket>_<prefix>`.
    #[arg(long = "volume", value_name = "KEY=PATH", value_parser = key_value)]
    pub volumes: Vec<(String, String)>,
    /// Extra environment, applied after the service's env, in order.
    #[arg(long = "env", value_name = "K=V", value_parser = key_value)]
    pub env: Vec<(String, String)>,
    /// Any CDI problem is an error (default: fall back to built-in passthrough with a warning).
    #[arg(long)]
    pub strict_cdi: bool,
    /// Directory of secret files `<dir>/<scope>/<name>` (default `$OCIGEN_SECRETS_DIR`);
    /// `OCIGEN_SECRET_<NAME>` variables are read too.
    #[arg(long, value_name = "DIR")]
    pub secrets_dir: Option<PathBuf>,
    /// Whose security defaults to follow: capabilities, seccomp profile, masked paths,
    /// rlimits, pids limit (README, "Presets").
    #[arg(long, value_enum, default_value_t = PresetArg::Docker)]
    pub preset: PresetArg,
    /// Which policy rules (P001...) refuse the render; below the level their findings are
    /// warnings (README, "Policy").
    #[arg(long, value_enum, default_value_t = PolicyArg::Permissive)]
    pub policy: PolicyArg,
    /// Every warning (W and P codes) refuses the render.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `--policy`: the core's [`ocigen_core::PolicyLevel`] as a command-line value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// Findings are warnings.
    Permissive,
    /// The baseline rules refuse the render (privileged, host namespaces, host / and /etc...).
    Baseline,
    /// Every rule refuses the render (root user, capabilities kept, host paths...).
    Restricted,
}

impl From<PolicyArg> for ocigen_core::PolicyLevel {
    fn from(p: PolicyArg) -> Self {
        match p {
            PolicyArg::Permissive => ocigen_core::PolicyLevel::Permissive,
            PolicyArg::Baseline => ocigen_core::PolicyLevel::Baseline,
            PolicyArg::Restricted => ocigen_core::PolicyLevel::Restricted,
        }
    }
}

/// `--preset`: the core's [`ocigen_core::Preset`] as a command-line value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    Docker,
    Podman,
    Containerd,
}

impl From<PresetArg> for ocigen_core::Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Docker => ocigen_core::Preset::Docker,
            PresetArg::Podman => ocigen_core::Preset::Podman,
            PresetArg::Containerd => ocigen_core::Preset::Containerd,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// config.json only.
    Config,
    /// config, bundle files, diagnostics and provenance trace.
    Full,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub inputs: RenderInputs,
    /// Output form.
    #[arg(long, value_enum, default_value_t = Format::Config)]
    pub format: Format,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub inputs: RenderInputs,
    /// Only this field and the fields below it, by whole dotted segments (`process.env`
    /// selects `process.env.PATH`; `process.env.P` does not).
    #[arg(long, value_name = "PREFIX")]
    pub field: Option<String>,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub inputs: RenderInputs,
    /// The container's root filesystem (an unpacked image).
    #[arg(long, value_name = "DIR")]
    pub rootfs: PathBuf,
    /// The bundle directory to write (created if needed; overrides --bundle-dir).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// config.json to check; `-` for stdin.
    #[arg(value_name = "CONFIG_JSON")]
    pub config: String,
}

#[derive(Debug, Args)]
pub struct RequirementsArgs {
    /// ZLayer service file; `-` for stdin.
    #[arg(value_name = "SERVICE_FILE")]
    pub service_file: String,
    /// The service (needed when the file has several).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}

/// Parse `args` (including the program name) and run the command. Help and usage errors are
/// printed here and returned as exit codes 0 and 2.
pub fn run<I, T>(args: I) -> Result<ExitCode, CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Ok(ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 }));
        }
    };
    match cli.command {
        Command::Probe(a) => commands::probe(a),
        Command::Render(a) => commands::render(a),
        Command::Bundle(a) => commands::bundle(a),
        Command::Validate(a) => commands::validate(a),
        Command::Explain(a) => commands::explain(a),
        Command::Requirements(a) => commands::requirements(a),
    }
    .map(|()| ExitCode::SUCCESS)
}
