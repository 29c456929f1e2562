//! The `ocigen` command line: argument definitions (clap derive) and dispatch. The binary
//! (`main.rs`) only calls [`run`] and turns a [`CliError`] into its exit code.
//!
//! Exit codes: 0 ok; 1 invalid input (the message names file and field); 2 usage; 3 host or
//! probe failure (including a snapshot that lacks a fact the render needs).

mod check;
mod commands;
mod diff;
mod fleet;
mod install;
mod side;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use check::EXIT_DRIFT;

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
    /// The largest input file read (service, snapshot, image config, options, CDI and secret
    /// files, config.json): `8MiB` (the default), `64KiB`, or bytes.
    #[arg(long, global = true, value_name = "SIZE", default_value = "8MiB",
          value_parser = crate::input::parse_size)]
    pub max_input_size: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe this host and print the snapshot JSON.
    #[command(
        after_help = "Examples:\n  ocigen probe                       # general snapshot (common device nodes)\n  ocigen probe --for web.yaml -o host.json   # exactly what web.yaml needs\n  ocigen probe --check host.json     # still true? exit 0, or 1 with each changed fact"
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
    /// Check a config.json: the runtime-spec JSON Schema of its version, then semantic rules
    /// (paths, device numbers, capabilities, duplicates, namespaces).
    #[command(
        after_help = "Examples:\n  ocigen validate bundle/config.json\n  ocigen render web.yaml --probe host.json | ocigen validate -\n  ocigen validate --schema 1.3 config.json\nThe JSON Schema of the declared ociVersion (1.0.x, 1.1.x, 1.2.x, 1.3.x; any other is an\nerror unless --schema names one), then runc's and runtime-tools' semantic rules."
    )]
    Validate(ValidateArgs),
    /// Render, then print where every field of config.json came from (the provenance record).
    #[command(
        after_help = "Examples:\n  ocigen explain gpu.yaml --probe host.json\n  ocigen explain gpu.yaml --probe host.json --field linux.devices\nEach output field is listed with every source that set it: a service field, an image\nconfig field, a host fact of the snapshot, a named default, a CDI file and device, or a\nrender option."
    )]
    Explain(ExplainArgs),
    /// Container Device Interface specs: `ocigen cdi generate` writes one for this host's
    /// NVIDIA GPUs, without nvidia-ctk.
    #[command(subcommand)]
    Cdi(CdiCommand),
    /// Print the host facts a service needs (Requirements JSON).
    #[command(
        after_help = "Examples:\n  ocigen requirements web.yaml\n  ocigen requirements deploy.yaml --service api"
    )]
    Requirements(RequirementsArgs),
    /// Compare two renders field by field, each change with its source on both sides.
    #[command(after_help = diff_help())]
    Diff(diff::DiffArgs),
    /// Render a service for every host of a fleet: which hosts can run it, and how they differ.
    #[command(after_help = fleet_help())]
    Fleet(fleet::FleetArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(install::CompletionsArgs),
    /// Print the manual page, or write every page into a folder.
    Man(install::ManArgs),
}

fn diff_help() -> &'static str {
    "Examples:\n  ocigen diff gpu.yaml --probe host-a.json --probe host-b.json\n  ocigen diff web.yaml web-v2.yaml --probe host.json\n  ocigen diff deploy.yaml --service api --service worker --probe host.json --format json\nAll other flags are render's and apply to both sides.\nExit codes: 0 equal, 1 different, 2 trouble (usage, unreadable input, failed probe)."
}

fn fleet_help() -> &'static str {
    "Examples:\n  ocigen fleet gpu.yaml fixtures/snapshots/\n  ocigen fleet gpu.yaml a.json b.json c.json --baseline first --format json\nAll other flags are render's and apply to every host.\nExit codes: 0 every host renders, 1 some host does not, 2 trouble."
}

#[derive(Debug, Subcommand)]
pub enum CdiCommand {
    /// Write a CDI spec for the host's NVIDIA GPUs from probe facts (no nvidia-ctk needed):
    /// device nodes with the host's numbers, devices by index, UUID, MIG instance and `all`,
    /// the driver's libraries and programs as read-only binds, and LD_LIBRARY_PATH.
    #[command(
        after_help = "Examples:\n  ocigen cdi generate -o /etc/cdi/nvidia.yaml\n  ocigen cdi generate --probe host.json --format json\nWithout --probe the live host is probed. Warnings (nodes the host lacks) go to stderr.\nTo render with a generated spec without writing one: ocigen render --cdi-generated."
    )]
    Generate(CdiGenerateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CdiVendor {
    /// NVIDIA GPUs (kind nvidia.com/gpu).
    Nvidia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CdiFormat {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct CdiGenerateArgs {
    /// The GPU vendor to generate for.
    #[arg(long, value_enum, default_value_t = CdiVendor::Nvidia)]
    pub vendor: CdiVendor,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CdiFormat::Yaml)]
    pub format: CdiFormat,
    /// Host snapshot from `ocigen probe`; without it the live host is probed.
    #[arg(long, value_name = "SNAPSHOT")]
    pub probe: Option<String>,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// Re-probe the facts this snapshot holds and list each that changed (exit 1), or say
    /// there is no drift (exit 0). `-` reads it from stdin.
    #[arg(long, value_name = "SNAPSHOT", conflicts_with_all = ["for_file", "output"])]
    pub check: Option<String>,
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
    /// Render options as JSON (the same form as fixtures/services/*.options.json: every
    /// option the agent can pass); the flags below override what it sets.
    #[arg(long, value_name = "FILE")]
    pub options: Option<String>,
    /// Replica number (container id `<service>-rep-<N>`; default 1, or the options file's).
    #[arg(long, value_name = "N")]
    pub replica: Option<u32>,
    /// Replica role (container id `<service>-<ROLE>-<N>-on-<NODE>`).
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// Node id in the container id.
    #[arg(long, value_name = "NODE")]
    pub node_id: Option<u64>,
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
    #[arg(long = "volume", value_name = "KEY=PATH", value_parser = volume)]
    pub volumes: Vec<(String, String)>,
    /// Extra environment, applied after the service's env, in order.
    #[arg(long = "env", value_name = "K=V", value_parser = key_value)]
    pub env: Vec<(String, String)>,
    /// Any CDI problem is an error (default: fall back to built-in passthrough with a warning).
    #[arg(long)]
    pub strict_cdi: bool,
    /// For an NVIDIA GPU request, use a CDI spec generated from the snapshot (device nodes,
    /// driver libraries and programs) instead of the host's CDI files: a host without
    /// nvidia-ctk gets a container that runs nvidia-smi and CUDA.
    #[arg(long)]
    pub cdi_generated: bool,
    /// A resource setting this host cannot apply is an error (default: left out, warning W013).
    #[arg(long)]
    pub strict: bool,
    /// The GPUs assigned to this container: host indices or UUIDs, comma-separated
    /// (`--gpus 2,5`, `--gpus GPU-0a1b...`); as many as the service's `resources.gpu.count`.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub gpus: Option<Vec<String>>,
    /// Host path of the agent API socket to bind into the container.
    #[arg(long, value_name = "PATH")]
    pub api_socket: Option<String>,
    /// Working directory (overrides the service and the image).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// The whole command line, one `--arg` per word (overrides the service and the image).
    #[arg(long = "arg", value_name = "WORD", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Another container's namespace to join for `*_mode: container:<ID>`:
    /// `ID/TYPE=PATH`, e.g. `db/network=/proc/4242/ns/net`.
    #[arg(long = "container-ns", value_name = "ID/TYPE=PATH", value_parser = container_ns)]
    pub container_ns: Vec<(String, String, String)>,
    /// Directory of secret files `<dir>/<scope>/<name>` (default `$OCIGEN_SECRETS_DIR`);
    /// `OCIGEN_SECRET_<NAME>` variables are read too.
    #[arg(long, value_name = "DIR")]
    pub secrets_dir: Option<PathBuf>,
    /// Whose security defaults to follow: capabilities, seccomp profile, masked paths,
    /// rlimits, pids limit (README, "Presets").
    /// Default `docker`, or the `--options` file's.
    #[arg(long, value_enum)]
    pub preset: Option<PresetArg>,
    /// Which policy rules (P001...) refuse the render; below the level their findings are
    /// warnings (README, "Policy"). Default `permissive`, or the `--options` file's.
    #[arg(long, value_enum)]
    pub policy: Option<PolicyArg>,
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
    /// selects `process.env.PATH`; `process.env.P` does not); a field inside a recorded one
    /// (`linux.devices./dev/fuse.major`) shows the nearest recorded field above it.
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
    /// cgroup v2, agent nested in a scope: first move every process of this command's scope
    /// into `<scope>/init` and create `<scope>/containers` (see warning W014). Never done
    /// without this flag.
    #[arg(long)]
    pub cgroup_leaf: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// config.json to check; `-` for stdin.
    #[arg(value_name = "CONFIG_JSON")]
    pub config: String,
    /// Check against this runtime-spec release's schema (`1.0`, `1.2`, `1.3`, or a version
    /// such as `1.2.1`) instead of the one its ociVersion names.
    #[arg(long, value_name = "VERSION", value_parser = schema_version)]
    pub schema: Option<crate::oci_schema::SchemaVersion>,
}

fn schema_version(s: &str) -> Result<crate::oci_schema::SchemaVersion, String> {
    let v = s.strip_prefix('v').unwrap_or(s);
    let full = if v.matches('.').count() == 1 {
        format!("{v}.0")
    } else {
        v.to_string()
    };
    crate::oci_schema::SchemaVersion::for_oci_version(&full)
        .ok_or_else(|| format!("no schema for `{s}`: use 1.0, 1.1, 1.2 or 1.3"))
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

/// `--volume KEY=PATH`: the path is a host directory the agent prepared, so it must be
/// absolute and without `..` (a relative one would be resolved by the runtime against
/// whatever directory it runs in).
fn volume(s: &str) -> Result<(String, String), String> {
    let (k, path) = key_value(s)?;
    if !path.starts_with('/') || path.split('/').any(|c| c == "..") {
        return Err(format!(
            "volume `{k}`: expected an absolute host path without `..`, got `{path}`"
        ));
    }
    Ok((k, path))
}

fn container_ns(s: &str) -> Result<(String, String, String), String> {
    let bad = || format!("expected ID/TYPE=PATH (e.g. db/network=/proc/4242/ns/net), got `{s}`");
    let (key, path) = s.split_once('=').ok_or_else(bad)?;
    let (id, ns) = key.split_once('/').ok_or_else(bad)?;
    if id.is_empty() || ns.is_empty() || path.is_empty() {
        return Err(bad());
    }
    Ok((id.to_string(), ns.to_string(), path.to_string()))
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
    commands::set_max_input_size(cli.max_input_size);
    match cli.command {
        Command::Diff(a) => return diff::run(a),
        Command::Fleet(a) => return fleet::run(a),
        Command::Completions(a) => install::completions(a),
        Command::Man(a) => install::man(a),
        Command::Probe(a) => commands::probe(a),
        Command::Render(a) => commands::render(a),
        Command::Bundle(a) => commands::bundle(a),
        Command::Validate(a) => commands::validate(a),
        Command::Explain(a) => commands::explain(a),
        Command::Requirements(a) => commands::requirements(a),
        Command::Cdi(CdiCommand::Generate(a)) => commands::cdi_generate(a),
    }
    .map(|()| ExitCode::SUCCESS)
}
