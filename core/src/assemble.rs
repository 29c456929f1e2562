//! Draft -> typed oci-spec value, through its builders. No decisions are made here: every
//! value was set (with its source) by a pass.

use oci_spec::runtime::{
    Capability, Hooks, LinuxBlockIoBuilder, LinuxBuilder, LinuxCapabilitiesBuilder,
    LinuxCpuBuilder, LinuxDevice, LinuxDeviceBuilder, LinuxDeviceType, LinuxMemoryBuilder,
    LinuxNamespaceBuilder, LinuxPidsBuilder, LinuxResources, LinuxResourcesBuilder,
    PosixRlimitBuilder, ProcessBuilder, RootBuilder, Spec, SpecBuilder, UserBuilder,
};

use crate::draft::State;
use crate::error::{Error, Result};
use crate::plan::HookStage;
use crate::snapshot::NodeType;

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

/// The finished draft state as an oci-spec `Spec`.
pub fn assemble(d: &State) -> Result<Spec> {
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
    let mut process = ProcessBuilder::default()
        .terminal(p.terminal)
        .user(user.build()?)
        .args(p.args.clone())
        .env(p.env.to_strings())
        .cwd(p.cwd.clone())
        .capabilities(capabilities)
        .no_new_privileges(p.no_new_privileges);
    // None at all (containerd's preset) leaves the field out, so the runtime's own limits
    // apply; oci-spec's default would otherwise add RLIMIT_NOFILE 1024.
    let no_rlimits = rlimits.is_empty();
    process = process.rlimits(rlimits);
    if let Some(profile) = &d.apparmor_profile {
        process = process.apparmor_profile(profile.clone());
    }
    if let Some(label) = &d.selinux_label {
        process = process.selinux_label(label.clone());
    }
    if let Some(adj) = p.oom_score_adj {
        process = process.oom_score_adj(adj);
    }
    let mut process = process.build()?;
    if no_rlimits {
        process.set_rlimits(None);
    }

    let namespaces = d
        .namespaces
        .iter()
        .map(|t| {
            let mut ns = LinuxNamespaceBuilder::default().typ(*t);
            if let Some((_, path)) = d.namespace_paths.iter().find(|(typ, _)| typ == t) {
                ns = ns.path(path.clone());
            }
            ns.build()
        })
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

    let resources = assemble_resources(d)?;

    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .resources(resources)
        .devices(devices);
    if !d.sysctl.is_empty() {
        // oci-spec wants a HashMap; canonical JSON sorts its keys again on output.
        let sysctl: std::collections::HashMap<String, String> =
            d.sysctl.clone().into_iter().collect();
        linux = linux.sysctl(sysctl);
    }
    if !d.uid_mappings.is_empty() {
        linux = linux
            .uid_mappings(d.uid_mappings.clone())
            .gid_mappings(d.gid_mappings.clone());
    }
    if let Some(seccomp) = &d.seccomp {
        linux = linux.seccomp(seccomp.clone());
    }
    if let Some(label) = &d.mount_label {
        linux = linux.mount_label(label.clone());
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
        .version(d.oci_version.clone())
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
    spec.set_annotations(if d.annotations.is_empty() {
        None
    } else {
        Some(
            d.annotations
                .clone()
                .into_iter()
                .collect::<std::collections::HashMap<_, _>>(),
        )
    });
    Ok(spec)
}

/// `linux.resources`: only the settings a pass made, so an unset limit stays absent.
fn assemble_resources(d: &State) -> Result<LinuxResources> {
    let r = &d.resources;
    let mut resources = LinuxResourcesBuilder::default().devices(d.device_rules.clone());
    let cpu_set = r.cpu_quota.is_some()
        || r.cpu_period.is_some()
        || r.cpu_shares.is_some()
        || r.cpus.is_some();
    if cpu_set {
        let mut cpu = LinuxCpuBuilder::default();
        if let Some(q) = r.cpu_quota {
            cpu = cpu.quota(q);
        }
        if let Some(pd) = r.cpu_period {
            cpu = cpu.period(pd);
        }
        if let Some(shares) = r.cpu_shares {
            cpu = cpu.shares(shares);
        }
        if let Some(cpus) = &r.cpus {
            cpu = cpu.cpus(cpus.clone());
        }
        resources = resources.cpu(cpu.build()?);
    }
    let memory_set = r.memory_limit.is_some()
        || r.memory_swap.is_some()
        || r.memory_reservation.is_some()
        || r.memory_swappiness.is_some()
        || r.disable_oom_killer.is_some();
    if memory_set {
        let mut memory = LinuxMemoryBuilder::default();
        if let Some(limit) = r.memory_limit {
            memory = memory.limit(limit);
        }
        if let Some(swap) = r.memory_swap {
            memory = memory.swap(swap);
        }
        if let Some(reservation) = r.memory_reservation {
            memory = memory.reservation(reservation);
        }
        if let Some(swappiness) = r.memory_swappiness {
            memory = memory.swappiness(swappiness);
        }
        if let Some(disable) = r.disable_oom_killer {
            memory = memory.disable_oom_killer(disable);
        }
        resources = resources.memory(memory.build()?);
    }
    if let Some(limit) = r.pids_limit {
        resources = resources.pids(LinuxPidsBuilder::default().limit(limit).build()?);
    }
    if let Some(weight) = r.blkio_weight {
        resources = resources.block_io(LinuxBlockIoBuilder::default().weight(weight).build()?);
    }
    Ok(resources.build()?)
}

fn assemble_hooks(d: &State) -> Result<Hooks> {
    let stage = |s: HookStage| -> Vec<oci_spec::runtime::Hook> {
        d.hooks
            .iter()
            .filter(|(st, _)| *st == s)
            .map(|(_, h)| h.clone())
            .collect()
    };
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
