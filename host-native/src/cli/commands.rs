//! The commands behind `ocigen`. Every error becomes a [`CliError`] whose message names the
//! file and field and says what to do.

use std::io::Read;
use std::path::Path;

use ocigen_core::cdi::generate::generate;
use ocigen_core::inputs::Host;
use ocigen_core::{
    canonical::to_canonical_json, parse_service_file, render as core_render,
    requirements as core_requirements, validate::validate_config_text, CdiMode, Diagnostic, Image,
    ImageConfig, Inputs, RenderOptions, Rendered, Requirements, Service, ServiceFile, Severity,
    Snapshot,
};

use super::{
    BundleArgs, CdiFormat, CdiGenerateArgs, CdiVendor, CliError, ExplainArgs, Format, ProbeArgs,
    RenderArgs, RenderInputs, RequirementsArgs, ValidateArgs,
};
use crate::bundle;
use crate::error::HostError;
use crate::probe::{probe as host_probe, HostRoot};
use crate::secrets::{resolve_secrets, EnvFileSecrets};

/// Read a named input file; `-` is stdin.
fn read_input(name: &str) -> Result<String, CliError> {
    let result = if name == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(name)
    };
    result.map_err(|e| CliError::input(format!("cannot read {}: {e}", display_name(name))))
}

fn display_name(name: &str) -> &str {
    if name == "-" {
        "<stdin>"
    } else {
        name
    }
}

/// A core error, with the file it concerns. A missing snapshot fact is a probe problem (3).
fn core_err(file: &str, snapshot: Option<&str>, e: ocigen_core::Error) -> CliError {
    let file = display_name(file);
    match e.code() {
        "E_PARSE" => CliError::input(e.to_string()),
        "E_MISSING_FACT" => {
            let hint = match snapshot {
                Some(s) => {
                    format!(" (snapshot {s}: `ocigen probe --for {file} -o {s}` records it)")
                }
                None => String::new(),
            };
            CliError::host(format!("{file}: {e}{hint}"))
        }
        "E_INTERNAL" => CliError::host(e.to_string()),
        _ => CliError::input(format!("{file}: {e}")),
    }
}

/// A host-side error: bad bundle paths and unreadable inputs are the user's to fix (1);
/// probe, secret and I/O failures of the host are 3.
fn host_err(e: HostError) -> CliError {
    match e {
        HostError::Core(c) => core_err("(input)", None, c),
        HostError::Bundle { .. } => CliError::input(e.to_string()),
        other => CliError::host(other.to_string()),
    }
}

/// Parse a service file and pick the service.
fn load_service(file: &str, name: Option<&str>) -> Result<(ServiceFile, Service), CliError> {
    let text = read_input(file)?;
    let shown = display_name(file);
    let parsed = parse_service_file(shown, &text).map_err(|e| core_err(file, None, e))?;
    let service = parsed.service(name).map_err(|e| core_err(file, None, e))?;
    Ok((parsed, service))
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
    let req = match &a.for_file {
        Some(file) => {
            let (_, service) = load_service(file, a.service.as_deref())?;
            Some(core_requirements(
                &service,
                &RenderOptions::for_service(service.name.clone()),
            ))
        }
        None => None,
    };
    let host = HostRoot {
        root: a.host_root,
        ..HostRoot::live()
    };
    let snap = host_probe(&host, req.as_ref()).map_err(|e| CliError::host(e.to_string()))?;
    emit(&snap.to_json(), a.output.as_deref())
}

pub(super) fn requirements(a: RequirementsArgs) -> Result<(), CliError> {
    let (_, service) = load_service(&a.service_file, a.service.as_deref())?;
    let req: Requirements =
        core_requirements(&service, &RenderOptions::for_service(service.name.clone()));
    emit(&to_canonical_json(&req), None)
}

/// Render options from the flags (bundle and rootfs are set by the caller).
fn options_for(service: &Service, i: &RenderInputs) -> RenderOptions {
    let mut o = RenderOptions::new(service.name.clone(), i.replica);
    o.hostname = i.hostname.clone();
    o.host_network = i.host_network;
    o.bundle_dir = i.bundle_dir.clone();
    o.cgroup_parent = i.cgroup_parent.clone();
    o.volume_paths = i.volumes.iter().cloned().collect();
    o.extra_env = i.env.clone();
    if i.strict_cdi {
        o.cdi_mode = CdiMode::Strict;
    }
    o.cdi_generated = i.cdi_generated;
    o
}

fn load_image(i: &RenderInputs) -> Result<Option<Image>, CliError> {
    if i.image_config.is_none() && i.passwd.is_none() && i.group.is_none() {
        return Ok(None);
    }
    let config = match &i.image_config {
        Some(f) => ImageConfig::from_json(display_name(f), &read_input(f)?)
            .map_err(|e| core_err(f, None, e))?,
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
    let (file, service) = load_service(&i.service_file, i.service.as_deref())?;
    let mut options = options_for(&service, i);
    adjust(&mut options);
    let req = core_requirements(&service, &options);
    let host = HostRoot::live();
    let snapshot = match &i.probe {
        Some(s) => Snapshot::from_json(display_name(s), &read_input(s)?)
            .map_err(|e| core_err(s, None, e))?,
        None => host_probe(&host, Some(&req)).map_err(|e| CliError::host(e.to_string()))?,
    };
    if !req.secret_refs.is_empty() {
        let deployment = match &file {
            ServiceFile::Deployment(d) => d.deployment.clone(),
            ServiceFile::Bare(_) => service.name.clone(),
        };
        let provider = EnvFileSecrets::new(&host.env, i.secrets_dir.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::host(format!("cannot start the async runtime: {e}")))?;
        options.secrets = rt
            .block_on(resolve_secrets(&provider, &deployment, &req.secret_refs))
            .map_err(|e| CliError::host(format!("{}: {e}", display_name(&i.service_file))))?;
    }
    let image = load_image(i)?;
    let inputs = Inputs {
        service: &service,
        image: image.as_ref(),
        options: &options,
        snapshot: &snapshot,
    };
    let rendered =
        core_render(&inputs).map_err(|e| core_err(&i.service_file, i.probe.as_deref(), e))?;
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

/// `warning[W003]: message (field)` on stderr.
fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let code = d.code.split('_').next().unwrap_or(&d.code);
        let field = d
            .field
            .as_ref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        eprintln!("{severity}[{code}]: {}{field}", d.message);
    }
}

fn print_notes(notes: &[String]) {
    for n in notes {
        eprintln!("note: {n}");
    }
}

pub(super) fn cdi_generate(a: CdiGenerateArgs) -> Result<(), CliError> {
    let CdiVendor::Nvidia = a.vendor;
    let snapshot = match &a.probe {
        Some(s) => Snapshot::from_json(display_name(s), &read_input(s)?)
            .map_err(|e| core_err(s, None, e))?,
        // A general probe: every NVIDIA node, capability node and driver file.
        None => host_probe(&HostRoot::live(), None).map_err(|e| CliError::host(e.to_string()))?,
    };
    let shown = a
        .probe
        .as_deref()
        .map(display_name)
        .unwrap_or("the live host");
    let g = generate(&Host::new(&snapshot), "cdi generate").map_err(|e| match e.code() {
        // The host lacks a GPU, the driver or a node: a host problem, not the input's.
        "E_UNSATISFIABLE" => CliError::host(format!("{shown}: {e}")),
        "E_MISSING_FACT" => CliError::host(format!(
            "{shown}: {e} (a general `ocigen probe -o FILE` records every fact this needs)"
        )),
        _ => core_err(shown, None, e),
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
    let out = bundle::create_bundle_dir(&a.out).map_err(host_err)?;
    let rendered = do_render(&a.inputs, |o| {
        o.rootfs = Some(rootfs.to_string_lossy().into_owned());
        o.bundle_dir = Some(out.to_string_lossy().into_owned());
    })?;
    bundle::write_bundle(&out, &rendered).map_err(host_err)?;
    println!("{}", out.display());
    Ok(())
}

/// A missing or wrong rootfs is the user's input error.
fn host_err_input(e: HostError) -> CliError {
    CliError::input(e.to_string())
}

pub(super) fn validate(a: ValidateArgs) -> Result<(), CliError> {
    let file = display_name(&a.config);
    let problems = validate_config_text(&read_input(&a.config)?);
    if problems.is_empty() {
        println!("{file}: valid");
        return Ok(());
    }
    Err(CliError::input(
        problems
            .iter()
            .map(|p| format!("{file}: {p}"))
            .collect::<Vec<_>>()
            .join("\nocigen: "),
    ))
}
