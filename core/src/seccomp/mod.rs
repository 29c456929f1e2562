//! Seccomp profiles: Docker's and Podman's defaults as data, a user's profile file, and the
//! resolution of either for one container on one host.
//!
//! A Docker- or Podman-style profile is conditional: a rule group can apply only on some
//! architectures, only when the container holds (or lacks) capabilities, only from a kernel
//! version on. The engines decide those conditions when they create the container and hand
//! the runtime a plain runtime-spec `linux.seccomp`. [`resolve`] makes the same decisions from
//! the snapshot's `kernel.arch` and `kernel.release` and the container's bounding set, so the
//! rendered profile is the one `docker run` / `podman run` would load for this container on
//! this host. Each emitted rule comes with a [`RuleOrigin`] naming the profile group it came
//! from, for `explain`.
//!
//! Not decided here: a privileged container and `seccomp=unconfined` get no profile at all;
//! that is the caller's choice before it calls [`resolve`].

mod docker;
mod kernel;
mod model;
mod names;
mod podman;
mod table;
mod user;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use oci_spec::runtime::{Arch, LinuxSeccomp, LinuxSyscall};

use crate::error::{Error, Result};

pub use kernel::KernelVersion;
pub use model::{Filter, Profile, Rule};
pub use user::parse_profile;

/// Whose default profile, and whose resolution rules, apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Preset {
    /// Docker Engine (moby): `reference/seccomp/docker-default.json`.
    Docker,
    /// Podman (containers/common): `reference/seccomp/podman-default.json`.
    Podman,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Docker, Preset::Podman];

    /// The name a render option or `--preset` uses.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Docker => "docker",
            Preset::Podman => "podman",
        }
    }

    /// The preset called `name` (`docker`, `podman`).
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The preset's default profile, unresolved.
    pub fn profile(self) -> Result<Profile> {
        match self {
            Preset::Docker => docker::DOCKER.profile(),
            Preset::Podman => podman::PODMAN.profile(),
        }
    }
}

/// A resolved profile and, for each of its syscall rules, where the rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub seccomp: LinuxSeccomp,
    /// `origins[i]` explains `seccomp.syscalls[i]`.
    pub origins: Vec<RuleOrigin>,
}

/// The profile rule group a resolved syscall rule came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleOrigin {
    /// `docker-default`, `podman-default`, or the user's profile file.
    pub profile: String,
    /// The group's index in the profile's `syscalls` list.
    pub index: usize,
    /// The group's conditions, which this container and host met (`caps: CAP_SYS_ADMIN`);
    /// empty for an unconditional group.
    pub conditions: String,
}

impl fmt::Display for RuleOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.profile, self.index)?;
        if !self.conditions.is_empty() {
            write!(f, " ({})", self.conditions)?;
        }
        Ok(())
    }
}

/// Resolve `preset`'s default profile for a container with bounding set `caps` (capability
/// names, `CAP_X`) on a host whose `uname -m` is `arch` and whose kernel release is
/// `kernel_release` (both as the snapshot records them).
pub fn resolve(
    preset: Preset,
    arch: &str,
    caps: &BTreeSet<String>,
    kernel_release: &str,
) -> Result<Resolved> {
    // A preset's profile resolves to the same rules for the same (preset, arch, capabilities,
    // kernel), and resolving it walks every group of the profile: a sixth of a render before
    // this cache (issue 11). Kept per thread for the last few keys; errors are not kept.
    type Key = (Preset, String, BTreeSet<String>, String);
    const KEPT: usize = 4;
    thread_local! {
        static RECENT: std::cell::RefCell<Vec<(Key, Resolved)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let hit = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|((p, a, c, k), _)| *p == preset && a == arch && c == caps && k == kernel_release)
            .map(|(_, resolved)| resolved.clone())
    });
    if let Some(resolved) = hit {
        return Ok(resolved);
    }
    let resolved = resolve_profile(preset.profile()?, preset, arch, caps, kernel_release)?;
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() == KEPT {
            r.remove(0);
        }
        let key = (
            preset,
            arch.to_string(),
            caps.clone(),
            kernel_release.to_string(),
        );
        r.push((key, resolved.clone()));
    });
    Ok(resolved)
}

/// Resolve any profile (a preset's, or a user's from [`parse_profile`]) the way `engine`
/// resolves one, for the container and host described as in [`resolve`].
pub fn resolve_profile(
    profile: Profile,
    engine: Preset,
    arch: &str,
    caps: &BTreeSet<String>,
    kernel_release: &str,
) -> Result<Resolved> {
    let native = native_arch(engine, arch)?;
    let profile_name = profile.name.clone();
    // The host kernel is read only when a rule asks for it (as the engines do), so a release
    // we cannot read matters only to a profile with a `minKernel`.
    let mut host_kernel: Option<KernelVersion> = None;
    let mut kernel_at_least = |min: KernelVersion| -> Result<bool> {
        let host = match host_kernel {
            Some(k) => k,
            None => {
                let k = KernelVersion::from_release(kernel_release).ok_or_else(|| {
                    Error::invalid(
                        "kernel.release",
                        format!(
                            "a kernel release starting with <kernel>.<major> (like \
                             6.8.0-45-generic), which seccomp profile {} needs for a minKernel \
                             condition",
                            profile_name
                        ),
                        format!("{kernel_release:?}"),
                    )
                })?;
                *host_kernel.get_or_insert(k)
            }
        };
        Ok(host >= min)
    };

    let mut architectures = profile.architectures;
    if let Some(scmp) = native.scmp {
        if let Some((arch, subs)) = profile.arch_map.iter().find(|(a, _)| *a == scmp) {
            architectures.push(*arch);
            architectures.extend(subs.iter().copied());
        }
    }
    let min_kernel_counts = engine == Preset::Docker;

    let mut syscalls = Vec::new();
    let mut origins = Vec::new();
    for (index, rule) in profile.rules.into_iter().enumerate() {
        // The engines' order of checks, which matters only for when an unreadable kernel
        // release becomes an error: excluded arches, excluded caps, excluded kernel, then the
        // same three for includes.
        let ex = &rule.excludes;
        if ex.arches.iter().any(|a| a == native.name) || ex.caps.iter().any(|c| caps.contains(c)) {
            continue;
        }
        if let (true, Some(min)) = (min_kernel_counts, ex.min_kernel) {
            if kernel_at_least(min)? {
                continue;
            }
        }
        let inc = &rule.includes;
        if (!inc.arches.is_empty() && !inc.arches.iter().any(|a| a == native.name))
            || !inc.caps.iter().all(|c| caps.contains(c))
        {
            continue;
        }
        if let (true, Some(min)) = (min_kernel_counts, inc.min_kernel) {
            if !kernel_at_least(min)? {
                continue;
            }
        }
        origins.push(RuleOrigin {
            profile: profile_name.clone(),
            index,
            conditions: conditions(&rule, min_kernel_counts),
        });
        syscalls.push(emit(rule, engine));
    }

    let mut seccomp = LinuxSeccomp::default();
    seccomp.set_default_action(profile.default_action);
    seccomp.set_default_errno_ret(match engine {
        Preset::Podman => profile.default_errno.or(profile.default_errno_ret),
        Preset::Docker => profile.default_errno_ret,
    });
    seccomp.set_architectures(non_empty(architectures));
    seccomp.set_flags(non_empty(profile.flags));
    seccomp.set_listener_path(profile.listener_path.map(PathBuf::from));
    seccomp.set_listener_metadata(profile.listener_metadata);
    seccomp.set_syscalls(non_empty(syscalls));
    Ok(Resolved { seccomp, origins })
}

/// The runtime-spec rule for a rule that applies. Empty `args` are left out, as the engines'
/// JSON does.
fn emit(rule: Rule, engine: Preset) -> LinuxSyscall {
    let errno = match engine {
        Preset::Podman => rule.errno.or(rule.errno_ret),
        Preset::Docker => rule.errno_ret,
    };
    let mut out = LinuxSyscall::default();
    out.set_names(rule.names);
    out.set_action(rule.action);
    out.set_errno_ret(errno);
    out.set_args(non_empty(rule.args));
    out
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// The conditions a rule states, in words for `explain`: `caps: CAP_SYS_ADMIN`,
/// `without caps: CAP_SYS_ADMIN; not arches: s390, s390x`, `kernel >= 4.8`.
fn conditions(rule: &Rule, min_kernel_counts: bool) -> String {
    let mut parts = Vec::new();
    let (inc, ex) = (&rule.includes, &rule.excludes);
    let list = |v: &[String]| v.join(", ");
    if !inc.caps.is_empty() {
        parts.push(format!("caps: {}", list(&inc.caps)));
    }
    if !ex.caps.is_empty() {
        parts.push(format!("without caps: {}", list(&ex.caps)));
    }
    if !inc.arches.is_empty() {
        parts.push(format!("arches: {}", list(&inc.arches)));
    }
    if !ex.arches.is_empty() {
        parts.push(format!("not arches: {}", list(&ex.arches)));
    }
    if min_kernel_counts {
        if let Some(k) = inc.min_kernel {
            parts.push(format!("kernel >= {k}"));
        }
        if let Some(k) = ex.min_kernel {
            parts.push(format!("kernel < {k}"));
        }
    }
    parts.join("; ")
}

/// The host's native architecture as an engine sees it.
struct NativeArch {
    /// The name rule conditions compare with (`amd64`).
    name: &'static str,
    /// The archMap entry looked up, if the engine knows one for this architecture.
    scmp: Option<Arch>,
}

/// What each engine calls the native architecture of a host whose `uname -m` is `uname_m`.
///
/// Docker maps its own build's GOARCH through two tables: GOARCH -> libseccomp's name (used
/// by rule conditions) -> archMap key. Podman asks libseccomp, whose names are the same for
/// these architectures, but its archMap table is shorter (no x86, arm, ppc or riscv entry), so
/// there the profile lists no architectures and the runtime uses the native one alone. Both
/// engines run natively on the host, so `uname -m` stands for their build's architecture (a
/// 32-bit engine on a 64-bit kernel would differ; nobody runs that). MIPS is left out: its
/// `uname -m` does not tell the byte order, which decides the engine build.
fn native_arch(engine: Preset, uname_m: &str) -> Result<NativeArch> {
    use Arch::*;
    let docker = engine == Preset::Docker;
    let (name, scmp) = match uname_m {
        "x86_64" | "amd64" => ("amd64", Some(ScmpArchX86_64)),
        "aarch64" | "arm64" => ("arm64", Some(ScmpArchAarch64)),
        "s390x" => ("s390x", Some(ScmpArchS390x)),
        "i386" | "i486" | "i586" | "i686" => ("x86", docker.then_some(ScmpArchX86)),
        "armv6l" | "armv7l" | "armv8l" | "arm" => ("arm", docker.then_some(ScmpArchArm)),
        "ppc64le" => ("ppc64le", docker.then_some(ScmpArchPpc64le)),
        "ppc64" => ("ppc64", docker.then_some(ScmpArchPpc64)),
        "riscv64" => ("riscv64", docker.then_some(ScmpArchRiscv64)),
        // moby maps GOARCH loong64 to the name "loongarch64" but keys its archMap lookup by
        // "loong64", so Docker finds no entry there (kept: it is what Docker loads). For
        // Podman the name is libseccomp's; no Podman default rule mentions it.
        "loongarch64" if docker => ("loongarch64", None),
        "loongarch64" => ("loong64", None),
        other => {
            return Err(Error::invalid(
                "kernel.arch",
                format!(
                    "an architecture the {} seccomp profile can be resolved for (x86_64, \
                     aarch64, s390x, ppc64le, ppc64, riscv64, loongarch64, i686, armv7l)",
                    engine.name()
                ),
                format!("{other:?}"),
            ))
        }
    };
    Ok(NativeArch { name, scmp })
}
