//! Draft -> typed oci-spec value, through its builders. No decisions are made here: every
//! value was set (with its source) by a pass.

use oci_spec::runtime::{
    Capability, Hooks, LinuxBlockIoBuilder, LinuxBuilder, LinuxCapabilitiesBuilder,
    LinuxCpuBuilder, LinuxDevice, LinuxDeviceBuilder, LinuxDeviceType, LinuxMemoryBuilder,
    LinuxNamespaceBuilder, LinuxPidsBuilder, LinuxResources, LinuxResourcesBuilder,
    PosixRlimitBuilder, ProcessBuilder, RootBuilder, Spec, UserBuilder,
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
    crate::passes::capabilities::parse_capability(name).ok_or_else(|| Error::Internal {
        message: format!("capability {name} passed validation but oci-spec rejects it"),
    })
}

/// The finished draft state as an oci-spec `Spec`. Takes the state by value: its strings and
/// lists move into the spec rather than being copied (a render's largest part, the seccomp
/// profile, is a few hundred strings).
pub fn assemble(mut d: State) -> Result<Spec> {
    let p = &mut d.process;
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
        user = user.additional_gids(std::mem::take(&mut p.additional_gids));
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
        .args(std::mem::take(&mut p.args))
        .env(p.env.to_strings())
        .cwd(std::mem::take(&mut p.cwd))
        .capabilities(capabilities)
        .no_new_privileges(p.no_new_privileges);
    // None at all (containerd's preset) leaves the field out, so the runtime's own limits
    // apply; oci-spec's default would otherwise add RLIMIT_NOFILE 1024.
    let no_rlimits = rlimits.is_empty();
    process = process.rlimits(rlimits);
    if let Some(profile) = d.apparmor_profile.take() {
        process = process.apparmor_profile(profile);
    }
    if let Some(label) = d.selinux_label.take() {
        process = process.selinux_label(label);
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
                ns = ns.path(path);
            }
            ns.build()
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let devices = std::mem::take(&mut d.devices)
        .into_iter()
        .map(|e| -> Result<LinuxDevice> {
            Ok(LinuxDeviceBuilder::default()
                .path(e.path)
                .typ(device_type(e.node.kind))
                .major(e.node.major)
                .minor(e.node.minor)
                .file_mode(e.node.mode)
                .uid(e.node.uid)
                .gid(e.node.gid)
                .build()?)
        })
        .collect::<Result<Vec<_>>>()?;

    let resources = assemble_resources(&mut d)?;

    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .resources(resources)
        .devices(devices);
    if !d.sysctl.is_empty() {
        // oci-spec wants a HashMap; canonical JSON sorts its keys again on output.
        let sysctl: std::collections::HashMap<String, String> =
            std::mem::take(&mut d.sysctl).into_iter().collect();
        linux = linux.sysctl(sysctl);
    }
    if !d.uid_mappings.is_empty() {
        linux = linux
            .uid_mappings(std::mem::take(&mut d.uid_mappings))
            .gid_mappings(std::mem::take(&mut d.gid_mappings));
    }
    if let Some(seccomp) = d.seccomp.take() {
        linux = linux.seccomp(seccomp);
    }
    if let Some(label) = d.mount_label.take() {
        linux = linux.mount_label(label);
    }
    if let Some(m) = d.masked_paths.take() {
        linux = linux.masked_paths(m);
    }
    if let Some(r) = d.readonly_paths.take() {
        linux = linux.readonly_paths(r);
    }
    if let Some(prop) = d.rootfs_propagation.take() {
        linux = linux.rootfs_propagation(prop);
    }
    if let Some(cg) = d.cgroups_path.take() {
        linux = linux.cgroups_path(cg);
    }

    // What `SpecBuilder` gives, without building oci-spec's default mounts, process and
    // Linux section on every render only to drop them: the fields set below start empty in
    // a per-thread copy of `Spec::default()`, every other field keeps its default.
    let mut spec = blank_spec();
    spec.set_version(std::mem::take(&mut d.oci_version));
    spec.set_root(Some(
        RootBuilder::default()
            .path(std::mem::take(&mut d.root_path))
            .readonly(d.root_readonly)
            .build()?,
    ));
    spec.set_mounts(Some(std::mem::take(&mut d.mounts)));
    spec.set_process(Some(process));
    spec.set_hostname(Some(std::mem::take(&mut d.hostname)));
    spec.set_linux(Some(linux.build()?));
    if !d.hooks.is_empty() {
        spec.set_hooks(Some(assemble_hooks(std::mem::take(&mut d.hooks))?));
    }
    // oci-spec's Default carries an empty annotations map.
    spec.set_annotations(if d.annotations.is_empty() {
        None
    } else {
        Some(
            std::mem::take(&mut d.annotations)
                .into_iter()
                .collect::<std::collections::HashMap<_, _>>(),
        )
    });
    Ok(spec)
}

/// `Spec::default()` with the fields [`assemble`] always sets emptied, kept per thread: a
/// clone of it allocates next to nothing.
fn blank_spec() -> Spec {
    thread_local! {
        static BLANK: Spec = {
            let mut s = Spec::default();
            s.set_root(None);
            s.set_mounts(None);
            s.set_process(None);
            s.set_hostname(None);
            s.set_linux(None);
            s
        };
    }
    BLANK.with(Spec::clone)
}

/// `linux.resources`: only the settings a pass made, so an unset limit stays absent.
fn assemble_resources(d: &mut State) -> Result<LinuxResources> {
    let r = &mut d.resources;
    let mut resources =
        LinuxResourcesBuilder::default().devices(std::mem::take(&mut d.device_rules));
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
        if let Some(cpus) = r.cpus.take() {
            cpu = cpu.cpus(cpus);
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

fn assemble_hooks(hooks: Vec<(HookStage, oci_spec::runtime::Hook)>) -> Result<Hooks> {
    let stage = |s: HookStage| -> Vec<oci_spec::runtime::Hook> {
        hooks
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
