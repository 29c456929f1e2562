//! One render: run the passes in order over a [`Draft`], then assemble the OCI spec.

use oci_spec::runtime::{
    Capability, HookBuilder, Hooks, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxCpuBuilder,
    LinuxDevice, LinuxDeviceBuilder, LinuxDeviceType, LinuxMemoryBuilder, LinuxNamespaceBuilder,
    LinuxPidsBuilder, LinuxResourcesBuilder, PosixRlimitBuilder, ProcessBuilder, RootBuilder, Spec,
    SpecBuilder, UserBuilder,
};
use serde::Serialize;

use crate::draft::{BundleFile, Draft, HookStage};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::options::RenderOptions;
use crate::service::Service;
use crate::snapshot::{NodeType, Snapshot};
use crate::trace::{Diagnostic, Source, Trace};

/// The runtime-spec version our output conforms to. runc 1.1.5 accepts it; the v1.2.1 JSON
/// schema validates it. We emit no field newer than 1.2.
pub const OCI_VERSION: &str = "1.2.0";

/// Everything one render reads. All borrowed; nothing here touches the host.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub service: &'a Service,
    pub image: Option<&'a Image>,
    pub options: &'a RenderOptions,
    pub snapshot: &'a Snapshot,
}

/// A pass: reads the inputs, writes its part of the draft, records provenance.
pub type PassFn = fn(&Inputs<'_>, &mut Draft) -> Result<()>;

/// The passes, in the order they run. GPU resolution comes first because env, mounts,
/// devices and hooks apply what it decided.
pub const PASSES: &[(&str, PassFn)] = &[
    ("gpu", crate::gpu::pass),
    ("process", crate::passes::process::apply),
    ("env", crate::passes::env::apply),
    ("capabilities", crate::passes::capabilities::apply),
    ("mounts", crate::passes::mounts::apply),
    ("namespaces", crate::passes::namespaces::apply),
    ("resources", crate::passes::resources::apply),
    ("devices", crate::passes::devices::apply),
    ("hooks", crate::passes::hooks::apply),
    ("paths", crate::passes::paths::apply),
    ("cgroups", crate::passes::cgroups::apply),
];

/// What a render returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub spec: Spec,
    /// Files to write in the bundle beside config.json.
    pub bundle_files: Vec<BundleFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub trace: Trace,
}

impl Rendered {
    /// config.json bytes, canonical.
    pub fn config_json(&self) -> String {
        crate::canonical::to_canonical_json(&self.spec)
    }

    /// The whole result (config, bundle files, diagnostics, trace) as canonical JSON,
    /// the form the CLI's `--format full`, the wasm API and tests share.
    pub fn to_full_json(&self) -> String {
        #[derive(Serialize)]
        struct Full<'a> {
            config: serde_json::Value,
            bundle_files: &'a [BundleFile],
            diagnostics: &'a [Diagnostic],
            trace: &'a Trace,
        }
        let config: serde_json::Value =
            serde_json::from_str(&self.config_json()).unwrap_or(serde_json::Value::Null);
        crate::canonical::to_canonical_json(&Full {
            config,
            bundle_files: &self.bundle_files,
            diagnostics: &self.diagnostics,
            trace: &self.trace,
        })
    }
}

/// Render the OCI runtime spec for one container. Pure: same inputs, same output.
pub fn render(inputs: &Inputs<'_>) -> Result<Rendered> {
    let mut draft = Draft {
        root_path: inputs
            .options
            .rootfs
            .clone()
            .unwrap_or_else(|| "rootfs".to_string()),
        ..Draft::default()
    };
    draft.pass = "root";
    let root_source = match inputs.options.rootfs {
        Some(_) => Source::option("rootfs"),
        None => Source::default("bundle_rootfs_dir"),
    };
    draft.record("root.path", root_source);
    for (name, pass) in PASSES {
        draft.pass = name;
        pass(inputs, &mut draft)?;
    }
    let spec = assemble(&draft)?;
    Ok(Rendered {
        spec,
        bundle_files: draft.bundle_files,
        diagnostics: draft.diagnostics,
        trace: draft.trace,
    })
}

/// Render and return canonical config.json text.
pub fn render_json(inputs: &Inputs<'_>) -> Result<String> {
    Ok(render(inputs)?.config_json())
}

fn device_type(t: NodeType) -> LinuxDeviceType {
    match t {
        NodeType::Char => LinuxDeviceType::C,
        NodeType::Block => LinuxDeviceType::B,
        NodeType::Fifo => LinuxDeviceType::P,
    }
}

fn parse_capability(name: &str) -> Result<Capability> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).map_err(|_| {
        Error::Internal {
            message: format!("capability {name} passed validation but oci-spec rejects it"),
        }
    })
}

/// Draft -> typed oci-spec value, through its builders.
fn assemble(d: &Draft) -> Result<Spec> {
    let p = &d.process;
    let caps: oci_spec::runtime::Capabilities = p
        .capabilities
        .iter()
        .map(|c| parse_capability(c))
        .collect::<Result<_>>()?;
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        .inheritable(oci_spec::runtime::Capabilities::new())
        .ambient(oci_spec::runtime::Capabilities::new())
        .build()?;
    let mut user = UserBuilder::default().uid(p.uid).gid(p.gid);
    if !p.additional_gids.is_empty() {
        user = user.additional_gids(p.additional_gids.clone());
    }
    let rlimits = p
        .rlimits
        .iter()
        .map(|(typ, soft, hard)| {
            PosixRlimitBuilder::default()
                .typ(*typ)
                .soft(*soft)
                .hard(*hard)
                .build()
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let process = ProcessBuilder::default()
        .terminal(false)
        .user(user.build()?)
        .args(p.args.clone())
        .env(p.env.to_strings())
        .cwd(p.cwd.clone())
        .capabilities(capabilities)
        .rlimits(rlimits)
        .no_new_privileges(p.no_new_privileges)
        .build()?;

    let namespaces = d
        .namespaces
        .iter()
        .map(|t| LinuxNamespaceBuilder::default().typ(*t).build())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let devices = d
        .devices
        .iter()
        .map(|e| -> Result<LinuxDevice> {
            Ok(LinuxDeviceBuilder::default()
                .path(e.path.clone())
                .typ(device_type(e.node.kind))
                .major(e.node.major)
                .minor(e.node.minor)
                .file_mode(e.node.mode)
                .uid(e.node.uid)
                .gid(e.node.gid)
                .build()?)
        })
        .collect::<Result<Vec<_>>>()?;

    let r = &d.resources;
    let mut resources = LinuxResourcesBuilder::default().devices(d.device_rules.clone());
    if r.cpu_quota.is_some() || r.cpu_period.is_some() {
        let mut cpu = LinuxCpuBuilder::default();
        if let Some(q) = r.cpu_quota {
            cpu = cpu.quota(q);
        }
        if let Some(pd) = r.cpu_period {
            cpu = cpu.period(pd);
        }
        resources = resources.cpu(cpu.build()?);
    }
    if let Some(limit) = r.memory_limit {
        resources = resources.memory(LinuxMemoryBuilder::default().limit(limit).build()?);
    }
    if let Some(limit) = r.pids_limit {
        resources = resources.pids(LinuxPidsBuilder::default().limit(limit).build()?);
    }

    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .resources(resources.build()?)
        .devices(devices);
    if !d.uid_mappings.is_empty() {
        linux = linux
            .uid_mappings(d.uid_mappings.clone())
            .gid_mappings(d.gid_mappings.clone());
    }
    if let Some(m) = &d.masked_paths {
        linux = linux.masked_paths(m.clone());
    }
    if let Some(r) = &d.readonly_paths {
        linux = linux.readonly_paths(r.clone());
    }
    if let Some(prop) = &d.rootfs_propagation {
        linux = linux.rootfs_propagation(prop.clone());
    }
    if let Some(cg) = &d.cgroups_path {
        linux = linux.cgroups_path(cg.clone());
    }

    let mut spec = SpecBuilder::default()
        .version(OCI_VERSION)
        .root(
            RootBuilder::default()
                .path(d.root_path.clone())
                .readonly(d.root_readonly)
                .build()?,
        )
        .mounts(d.mounts.clone())
        .process(process)
        .hostname(d.hostname.clone())
        .linux(linux.build()?);
    if !d.hooks.is_empty() {
        spec = spec.hooks(assemble_hooks(d)?);
    }
    let mut spec = spec.build()?;
    // The builder starts from oci-spec's Default, which carries an empty annotations map.
    spec.set_annotations(None);
    Ok(spec)
}

fn assemble_hooks(d: &Draft) -> Result<Hooks> {
    let stage = |s: HookStage| -> Vec<oci_spec::runtime::Hook> {
        d.hooks
            .iter()
            .filter(|(st, _)| *st == s)
            .map(|(_, h)| h.clone())
            .collect()
    };
    let _ = HookBuilder::default;
    let mut hooks = Hooks::default();
    let set = |v: Vec<oci_spec::runtime::Hook>| if v.is_empty() { None } else { Some(v) };
    #[allow(deprecated)]
    hooks.set_prestart(set(stage(HookStage::Prestart)));
    hooks.set_create_runtime(set(stage(HookStage::CreateRuntime)));
    hooks.set_create_container(set(stage(HookStage::CreateContainer)));
    hooks.set_start_container(set(stage(HookStage::StartContainer)));
    hooks.set_poststart(set(stage(HookStage::Poststart)));
    hooks.set_poststop(set(stage(HookStage::Poststop)));
    Ok(hooks)
}
