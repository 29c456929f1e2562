//! The commands behind `ocigen`. Every error becomes a [`CliError`] whose message names the
//! file and field and says what to do.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use ocigen_core::cdi::generate::generate;
use ocigen_core::error::escape_controls;
use ocigen_core::inputs::Host;
use ocigen_core::read::{locate, Source, Syntax};
use ocigen_core::{
    canonical::to_canonical_json, parse_service_file, render as core_render,
    requirements as core_requirements, CdiMode, Diagnostic, DiagnosticCode, ErrorCode, Image,
    ImageConfig, InputKind, Inputs, RenderOptions, Rendered, Requirements, Service, ServiceFile,
    Severity, Snapshot,
};

use super::{
    BundleArgs, CdiFormat, CdiGenerateArgs, CdiVendor, CliError, ExplainArgs, Format, ProbeArgs,
    RenderArgs, RenderInputs, RequirementsArgs, ValidateArgs,
};
use crate::bundle;
use crate::error::HostError;
use crate::input::{read_file_limited, read_stdin_limited, DEFAULT_MAX_INPUT_SIZE};
use crate::oci_schema::{validate_full, validate_full_for};
use crate::probe::{probe as host_probe, HostRoot};
use crate::secrets::{refuse_secret_sources, resolve_secrets, EnvFileSecrets};

/// `--max-input-size`, for every input this process reads. A process-wide setting rather than
/// a parameter, so every reader (including ones other commands add) honours the one flag.
static MAX_INPUT_SIZE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT_SIZE);

pub(super) fn set_max_input_size(bytes: u64) {
    MAX_INPUT_SIZE.store(bytes, Ordering::Relaxed);
}

fn max_input_size() -> u64 {
    MAX_INPUT_SIZE.load(Ordering::Relaxed)
}

/// Read a named input file, at most `--max-input-size` bytes; `-` is stdin.
pub(super) fn read_input(name: &str) -> Result<String, CliError> {
    let limit = max_input_size();
    let result = if name == "-" {
        read_stdin_limited(limit)
    } else {
        read_file_limited(Path::new(name), limit)
    };
    result.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::FileTooLarge => " (--max-input-size raises it)",
            _ => "",
        };
        CliError::input(format!("cannot read {}: {e}{hint}", display_name(name)))
    })
}

/// The live host, read with the same size limit as every other input.
pub(super) fn live_host() -> HostRoot {
    HostRoot {
        max_file_size: max_input_size(),
        ..HostRoot::live()
    }
}

pub(super) fn display_name(name: &str) -> &str {
    if name == "-" {
        "<stdin>"
    } else {
        name
    }
}

/// A core error. Its message names its file and line already (callers name the inputs they
/// read with `in_input`). A missing snapshot fact is a probe problem (3): the hint says how
/// to record it for `service_file` into `snapshot`.
fn core_err(e: ocigen_core::Error, service_file: &str, snapshot: Option<&str>) -> CliError {
    match e.code() {
        ErrorCode::MissingFact => {
            let hint = match snapshot {
                Some(s) => format!(
                    " (snapshot {s}: `ocigen probe --for {} -o {s}` records it)",
                    display_name(service_file)
                ),
                None => String::new(),
            };
            CliError::host(format!("{e}{hint}"))
        }
        ErrorCode::Internal => CliError::host(e.to_string()),
        // A policy refusal is about the input (what it asks for), so it is the user's to fix.
        ErrorCode::Parse
        | ErrorCode::Invalid
        | ErrorCode::Unsatisfiable
        | ErrorCode::Cdi
        | ErrorCode::Policy => CliError::input(e.to_string()),
    }
}

/// A host-side error: bad bundle paths and unreadable inputs are the user's to fix (1);
/// probe, secret and I/O failures of the host are 3.
fn host_err(e: HostError) -> CliError {
    match e {
        HostError::Core(c) => core_err(c, "", None),
        HostError::Bundle { .. } => CliError::input(e.to_string()),
        other => CliError::host(other.to_string()),
    }
}

/// A service file: its name as shown, its text, the parsed file and the chosen service.
struct Loaded {
    shown: String,
    text: String,
    file: ServiceFile,
    service: Service,
}

impl Loaded {
    /// `e` with the service file's name and the line of its field, when it concerns the service.
    fn locate(&self, e: ocigen_core::Error) -> ocigen_core::Error {
        e.in_input(InputKind::Service, &self.shown, Some(&self.text))
    }
}

/// Parse a service file and pick the service.
fn load_service(file: &str, name: Option<&str>) -> Result<Loaded, CliError> {
    let text = read_input(file)?;
    let shown = display_name(file).to_string();
    let parsed = parse_service_file(&shown, &text).map_err(|e| core_err(e, file, None))?;
    let service = parsed
        .service(name)
        .and_then(|s| crate::preflight::check_service(&s).map(|()| s))
        .map_err(|e| {
            let e = e.in_input(InputKind::Service, &shown, Some(&text));
            core_err(e, file, None)
        })?;
    Ok(Loaded {
        shown,
        text,
        file: parsed,
        service,
    })
}

/// Write `text` to `output`, or to stdout.
fn emit(text: &str, output: Option<&Path>) -> Result<(), CliError> {
    match output {
        Some(path) => bundle::write_atomic(path, text.as_bytes(), 0o644).map_err(host_err),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

pub(super) fn probe(a: ProbeArgs) -> Result<(), CliError> {
    if let Some(snapshot) = &a.check {
        return super::check::probe_check(snapshot, a.host_root);
    }
    let req = match &a.for_file {
        Some(file) => {
            let loaded = load_service(file, a.service.as_deref())?;
            // Before the probe: it would record the variable's value in the snapshot.
            refuse_secret_sources(&loaded.service)
                .map_err(|e| core_err(loaded.locate(e), file, None))?;
            let service = loaded.service;
            Some(core_requirements(
                &service,
                &RenderOptions::for_service(service.name.clone()),
            ))
        }
        None => None,
    };
    let host = HostRoot {
        root: a.host_root,
        ..live_host()
    };
    let snap = host_probe(&host, req.as_ref()).map_err(host_err)?;
    emit(&snap.to_json(), a.output.as_deref())
}

pub(super) fn requirements(a: RequirementsArgs) -> Result<(), CliError> {
    let service = load_service(&a.service_file, a.service.as_deref())?.service;
    let req: Requirements =
        core_requirements(&service, &RenderOptions::for_service(service.name.clone()));
    emit(&to_canonical_json(&req), None)
}

/// Render options: the `--options` file (or the service's defaults), then each flag given
/// on top of it (bundle and rootfs are set by the caller).
pub(super) fn options_for(service: &Service, i: &RenderInputs) -> Result<RenderOptions, CliError> {
    let mut o = match &i.options {
        Some(file) => {
            let bad = |e: serde_json::Error| {
                CliError::input(format!(
                    "{}: not render options JSON: {e}",
                    display_name(file)
                ))
            };
            let mut value: serde_json::Value =
                serde_json::from_str(&read_input(file)?).map_err(bad)?;
            // The container is the service being rendered unless the file names another.
            if let Some(map) = value.as_object_mut() {
                map.entry("container_id")
                    .or_insert_with(|| serde_json::json!({ "service": service.name }));
            }
            serde_json::from_value::<RenderOptions>(value).map_err(bad)?
        }
        None => RenderOptions::for_service(service.name.clone()),
    };
    let id = &mut o.container_id;
    if let Some(replica) = i.replica {
        id.replica = replica;
    }
    if let Some(role) = &i.role {
        id.role = role.clone();
    }
    if let Some(node) = i.node_id {
        id.node_id = node;
    }
    let set = |slot: &mut Option<String>, flag: &Option<String>| {
        if flag.is_some() {
            slot.clone_from(flag);
        }
    };
    set(&mut o.hostname, &i.hostname);
    set(&mut o.bundle_dir, &i.bundle_dir);
    set(&mut o.cgroup_parent, &i.cgroup_parent);
    set(&mut o.api_socket, &i.api_socket);
    set(&mut o.cwd, &i.cwd);
    o.host_network |= i.host_network;
    o.strict |= i.strict;
    o.volume_paths.extend(i.volumes.iter().cloned());
    o.extra_env.extend(i.env.iter().cloned());
    if !i.args.is_empty() {
        o.args = Some(i.args.clone());
    }
    if let Some(gpus) = &i.gpus {
        o.gpus = Some(gpus.iter().map(|g| g.trim().to_string()).collect());
    }
    for (id, ns, path) in &i.container_ns {
        o.container_namespaces
            .entry(id.clone())
            .or_default()
            .insert(ns.clone(), path.clone());
    }
    if i.strict_cdi {
        o.cdi_mode = CdiMode::Strict;
    }
    if let Some(preset) = i.preset {
        o.preset = preset.into();
    }
    if let Some(policy) = i.policy {
        o.policy = policy.into();
    }
    o.deny_warnings |= i.deny_warnings;
    o.cdi_generated |= i.cdi_generated;
    Ok(o)
}

/// The text of each seccomp profile file the service names, keyed as written in its
/// `security_opt`. A relative path is relative to the service file's directory (the current
/// one for stdin), as a path written in a file is; each file is read like any other input.
pub(super) fn read_seccomp_profiles(
    service_file: &str,
    files: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>, CliError> {
    let base = match service_file {
        "-" => Path::new("."),
        f => Path::new(f).parent().unwrap_or(Path::new(".")),
    };
    files
        .iter()
        .map(|written| {
            let path = base.join(written);
            let shown = path.to_string_lossy();
            let text = read_input(&shown).map_err(|e| {
                CliError::input(format!(
                    "{}: security_opt seccomp={written}: {}",
                    display_name(service_file),
                    e.message
                ))
            })?;
            Ok((written.clone(), text))
        })
        .collect()
}

pub(super) fn load_image(i: &RenderInputs) -> Result<Option<Image>, CliError> {
    if i.image_config.is_none() && i.passwd.is_none() && i.group.is_none() {
        return Ok(None);
    }
    let config = match &i.image_config {
        Some(f) => ImageConfig::from_json(display_name(f), &read_input(f)?)
            .map_err(|e| core_err(e, &i.service_file, None))?,
        None => ImageConfig::default(),
    };
    let passwd = i.passwd.as_deref().map(read_input).transpose()?;
    let group = i.group.as_deref().map(read_input).transpose()?;
    Ok(Some(Image {
        config,
        passwd,
        group,
    }))
}

/// Everything up to and including the render. `adjust` sets bundle-specific options.
fn do_render(
    i: &RenderInputs,
    adjust: impl FnOnce(&mut RenderOptions),
) -> Result<Rendered, CliError> {
    let loaded = load_service(&i.service_file, i.service.as_deref())?;
    let service = &loaded.service;
    let mut options = options_for(service, i)?;
    adjust(&mut options);
    let req = core_requirements(service, &options);
    options.seccomp_profiles = read_seccomp_profiles(&i.service_file, &req.seccomp_profiles)?;
    let host = live_host();
    let snapshot = match &i.probe {
        Some(s) => Snapshot::from_json(display_name(s), &read_input(s)?)
            .map_err(|e| core_err(e, &i.service_file, None))?,
        None => {
            refuse_secret_sources(service).map_err(|e| core_err(loaded.locate(e), "", None))?;
            host_probe(&host, Some(&req)).map_err(host_err)?
        }
    };
    options.secrets = secrets_for(&loaded.file, service, &i.service_file, i, &req, &host)?;
    let image = load_image(i)?;
    let inputs = Inputs {
        service,
        image: image.as_ref(),
        options: &options,
        snapshot: &snapshot,
    };
    let rendered = core_render(&inputs).map_err(|e| {
        let e = loaded.locate(e);
        let e = match &i.image_config {
            Some(f) => e.in_input(InputKind::ImageConfig, display_name(f), None),
            None => e,
        };
        core_err(e, &i.service_file, i.probe.as_deref())
    })?;
    print_diagnostics(&rendered.diagnostics);
    if options.cdi_generated {
        // The render carried the generation's warnings; its notes (driver files a container
        // will miss) are for the user only.
        if let Ok(g) = generate(&Host::new(&snapshot), "--cdi-generated") {
            print_notes(&g.notes);
        }
    }
    Ok(rendered)
}

/// The secrets the service's `$S:` references name, from `--secrets-dir` or the environment.
pub(super) fn secrets_for(
    file: &ServiceFile,
    service: &Service,
    service_file: &str,
    i: &RenderInputs,
    req: &Requirements,
    host: &HostRoot,
) -> Result<BTreeMap<String, String>, CliError> {
    if req.secret_refs.is_empty() {
        return Ok(BTreeMap::new());
    }
    let deployment = match file {
        ServiceFile::Deployment(d) => d.deployment.clone(),
        ServiceFile::Bare(_) => service.name.clone(),
    };
    let provider = EnvFileSecrets {
        max_file_size: max_input_size(),
        ..EnvFileSecrets::new(&host.env, i.secrets_dir.clone())
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::host(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(resolve_secrets(&provider, &deployment, &req.secret_refs))
        .map_err(|e| CliError::host(format!("{}: {e}", display_name(service_file))))
}

/// `warning[W003]: message (field)` on stderr, control characters of user text escaped as
/// in error messages.
fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let code = DiagnosticCode::from_name(&d.code).map_or(d.code.as_str(), |c| c.id());
        let field = d
            .field
            .as_ref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        let line = format!("{}{field}", d.message);
        eprintln!("{severity}[{code}]: {}", escape_controls(&line));
    }
}

fn print_notes(notes: &[String]) {
    for n in notes {
        eprintln!("note: {}", escape_controls(n));
    }
}

pub(super) fn cdi_generate(a: CdiGenerateArgs) -> Result<(), CliError> {
    let CdiVendor::Nvidia = a.vendor;
    let snapshot = match &a.probe {
        Some(s) => Snapshot::from_json(display_name(s), &read_input(s)?)
            .map_err(|e| core_err(e, "", None))?,
        // A general probe: every NVIDIA node, capability node and driver file.
        None => host_probe(&live_host(), None).map_err(host_err)?,
    };
    let shown = a
        .probe
        .as_deref()
        .map(display_name)
        .unwrap_or("the live host");
    let g = generate(&Host::new(&snapshot), "cdi generate").map_err(|e| match e.code() {
        // The host lacks a GPU, the driver or a node: a host problem, not the input's.
        ErrorCode::Unsatisfiable => CliError::host(format!("{shown}: {e}")),
        ErrorCode::MissingFact => CliError::host(format!(
            "{shown}: {e} (a general `ocigen probe -o FILE` records every fact this needs)"
        )),
        _ => core_err(e, "", None),
    })?;
    print_diagnostics(g.diagnostics.as_slice());
    print_notes(&g.notes);
    let text = match a.format {
        CdiFormat::Yaml => g.to_yaml(),
        CdiFormat::Json => g.to_json(),
    };
    emit(&text, a.output.as_deref())
}

pub(super) fn render(a: RenderArgs) -> Result<(), CliError> {
    let rendered = do_render(&a.inputs, |_| {})?;
    let text = match a.format {
        Format::Config => rendered.config_json(),
        Format::Full => rendered.to_full_json(),
    };
    emit(&text, a.output.as_deref())
}

pub(super) fn explain(a: ExplainArgs) -> Result<(), CliError> {
    let rendered = do_render(&a.inputs, |_| {})?;
    emit(
        &ocigen_core::explain_text(&rendered, a.field.as_deref()),
        None,
    )
}

pub(super) fn bundle(a: BundleArgs) -> Result<(), CliError> {
    let rootfs = bundle::canonical_rootfs(&a.rootfs).map_err(host_err_input)?;
    bundle::check_bundle_paths(&rootfs, &a.out).map_err(host_err_input)?;
    let out = bundle::create_bundle_dir(&a.out).map_err(host_err)?;
    if a.cgroup_leaf {
        cgroup_leaf()?;
    }
    let rendered = do_render(&a.inputs, |o| {
        o.rootfs = Some(rootfs.to_string_lossy().into_owned());
        o.bundle_dir = Some(out.to_string_lossy().into_owned());
    })?;
    bundle::write_bundle(&out, &rendered).map_err(host_err)?;
    println!("{}", out.display());
    Ok(())
}

/// `bundle --cgroup-leaf`: on a v2 host, move this command's whole scope into its leaf, so
/// the probe that follows sees the agent in `<scope>/init` and runc can enable controllers in
/// `<scope>/containers`.
fn cgroup_leaf() -> Result<(), CliError> {
    let host = live_host();
    let snap = host_probe(&host, None).map_err(|e| CliError::host(e.to_string()))?;
    let moved =
        crate::cgroup_leaf::move_scope_into_leaf(&host, snap.cgroup.layout, std::process::id())
            .map_err(|e| CliError::host(format!("--cgroup-leaf: {e}")))?;
    match moved {
        Some(parent) => eprintln!(
            "ocigen: moved this scope's processes into its init leaf; containers go under {parent}"
        ),
        None => eprintln!("ocigen: --cgroup-leaf: nothing to move (not cgroup v2, or at the root)"),
    }
    Ok(())
}

/// A missing or wrong rootfs is the user's input error.
fn host_err_input(e: HostError) -> CliError {
    CliError::input(e.to_string())
}

pub(super) fn validate(a: ValidateArgs) -> Result<(), CliError> {
    let file = display_name(&a.config);
    let text = read_input(&a.config)?;
    let source = Source::new(InputKind::RuntimeConfig, file, &text, Syntax::Json);
    let value = source.value().map_err(|e| CliError::input(e.to_string()))?;
    // `file:line:col: field: message` for each problem (semantic rules, then the schema of
    // the declared ociVersion).
    let found = match a.schema {
        Some(version) => validate_full_for(&value, version),
        None => validate_full(&value),
    };
    let problems: Vec<String> = found
        .iter()
        .map(|p| match locate(&text, &p.field) {
            Some(at) if !p.field.is_empty() => format!("{file}:{}:{}: {p}", at.line, at.column),
            _ => format!("{file}: {p}"),
        })
        .collect();
    if problems.is_empty() {
        println!("{file}: valid");
        return Ok(());
    }
    Err(CliError::input(problems.join("\nocigen: ")))
}
