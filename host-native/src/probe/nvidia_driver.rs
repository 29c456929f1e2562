//! The NVIDIA driver's user-space files and capability devices (snapshot version 2), for
//! generating a CDI spec without nvidia-ctk. Nothing is run: the version comes from
//! `/proc/driver/nvidia/version`, libraries from the loader cache and the driver folders,
//! programs from the binary folders, capabilities from `/proc/driver/nvidia/capabilities`.
//! Which names are driver files is the core's rule (`ocigen_core::cdi::generate::driver`).

use std::collections::{BTreeSet, VecDeque};
use std::io::{self, ErrorKind};

use ocigen_core::cdi::generate::driver::{
    file_name, is_driver_library, may_name_a_library, DRIVER_BINARIES,
};
use ocigen_core::snapshot::{DriverFile, MigInstance, NvidiaCapabilities, NvidiaDriver};

use super::ldcache::{arch_flag, parse_ld_cache};
use super::{join, HostRoot, Probe};

const VERSION_FILE: &str = "/proc/driver/nvidia/version";
const CAPS_DIR: &str = "/proc/driver/nvidia/capabilities";
const LD_CACHE: &str = "/etc/ld.so.cache";

/// Folders a driver installs its 64-bit libraries in, searched after the loader cache (which
/// may be stale, or miss a folder no ld.so.conf names): the read-only `/usr/local/nvidia`
/// of GPU clouds (the H200 of host-facts.md), Debian/Ubuntu multiarch folders (and Debian's
/// `nvidia/current`), and the lib64 folders of Red Hat-like hosts.
pub fn library_folders(arch: &str) -> Vec<String> {
    let mut dirs = vec![
        "/usr/local/nvidia/lib64".to_string(),
        format!("/usr/lib/{arch}-linux-gnu"),
        format!("/usr/lib/{arch}-linux-gnu/nvidia/current"),
        format!("/lib/{arch}-linux-gnu"),
    ];
    if arch_flag(arch).is_some() {
        dirs.push("/usr/lib64".into());
        dirs.push("/lib64".into());
    }
    dirs
}

/// Folders searched for the driver's programs, in the order of a default `PATH`, then the
/// driver folder of GPU clouds.
pub const BINARY_FOLDERS: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    "/usr/local/nvidia/bin",
];

/// The version on the `NVRM version:` line: the first word made of digits and dots with at
/// least one dot (`580.159.04`), wherever the module's build text puts it.
pub fn parse_driver_version(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with("NVRM version:"))?;
    line.split_whitespace()
        .find(|w| {
            w.contains('.')
                && w.chars().all(|c| c.is_ascii_digit() || c == '.')
                && w.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
}

/// `DeviceFileMinor: N` of a capability's access file.
pub fn parse_capability_minor(text: &str) -> Option<u32> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim() == "DeviceFileMinor")
        .and_then(|(_, v)| v.trim().parse().ok())
}

pub(crate) fn probe_nvidia_driver(p: &mut Probe<'_>) {
    let text = match p.host.read(VERSION_FILE) {
        Ok(t) => t,
        // No driver loaded: no GPU to generate for, and nothing to record.
        Err(e) if e.kind() == ErrorKind::NotFound => return,
        Err(e) => return p.unreadable("nvidia_driver", format!("cannot read {VERSION_FILE}: {e}")),
    };
    let Some(version) = parse_driver_version(&text) else {
        return p.unreadable(
            "nvidia_driver",
            format!("{VERSION_FILE} has no `NVRM version:` line with a version number"),
        );
    };
    let arch = p.snap.kernel.arch.clone();
    let mut libs = Files::default();
    match std::fs::read(p.host.path(LD_CACHE)) {
        Ok(bytes) => match parse_ld_cache(&bytes) {
            Ok(entries) => {
                let want = arch_flag(&arch);
                for e in entries {
                    if want.is_none_or(|f| e.flags & 0xff00 == f) {
                        libs.library(p.host, &e.path, &version);
                    }
                }
            }
            Err(why) => p.unreadable("nvidia_driver.ld_cache", format!("{LD_CACHE}: {why}")),
        },
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => p.unreadable(
            "nvidia_driver.ld_cache",
            format!("cannot read {LD_CACHE}: {e}"),
        ),
    }
    for dir in library_folders(&arch) {
        for name in p.host.list(&dir).unwrap_or_default() {
            if may_name_a_library(&name) {
                libs.library(p.host, &join(&dir, &name), &version);
            }
        }
    }
    let mut bins = Files::default();
    for name in DRIVER_BINARIES {
        for dir in BINARY_FOLDERS {
            if bins.program(p.host, &join(dir, name)) {
                break;
            }
        }
    }
    let capabilities = probe_capabilities(p);
    p.snap.nvidia_driver = Some(NvidiaDriver {
        version,
        libraries: libs.files,
        binaries: bins.files,
        capabilities,
    });
}

/// Files found so far, each path once, in the order found.
#[derive(Default)]
struct Files {
    files: Vec<DriverFile>,
    seen: BTreeSet<String>,
}

impl Files {
    fn push(&mut self, path: &str, resolved: &str) {
        if self.seen.insert(path.to_string()) {
            self.files.push(DriverFile {
                path: path.to_string(),
                target: (resolved != path).then(|| resolved.to_string()),
            });
        }
    }

    /// `path` if it is, or links to, a regular file named as a library of `version`; the
    /// file it resolves to too (a container gets both names).
    fn library(&mut self, host: &HostRoot, path: &str, version: &str) {
        if !may_name_a_library(file_name(path)) {
            return;
        }
        let Ok(resolved) = resolve(host, path) else {
            return;
        };
        if is_driver_library(file_name(&resolved), version) && is_file(host, &resolved) {
            self.push(path, &resolved);
            self.push(&resolved, &resolved);
        }
    }

    /// `path` if it is, or links to, a regular file; whether it was found.
    fn program(&mut self, host: &HostRoot, path: &str) -> bool {
        match resolve(host, path) {
            Ok(resolved) if is_file(host, &resolved) => {
                self.push(path, &resolved);
                true
            }
            _ => false,
        }
    }
}

fn is_file(host: &HostRoot, path: &str) -> bool {
    std::fs::symlink_metadata(host.path(path)).is_ok_and(|m| m.is_file())
}

/// The host path `path` finally names, following links in every component as the host's
/// kernel would, but inside `host`'s root (an absolute link target is taken from the root,
/// so a fake tree never reaches the real host). At most 40 links, as Linux allows.
pub fn resolve(host: &HostRoot, path: &str) -> io::Result<String> {
    let mut pending: VecDeque<String> = components(path);
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(c) = pending.pop_front() {
        match c.as_str() {
            "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => done.push(c),
        }
        let here = format!("/{}", done.join("/"));
        let meta = std::fs::symlink_metadata(host.path(&here))?;
        if !meta.file_type().is_symlink() {
            continue;
        }
        links += 1;
        if links > 40 {
            return Err(io::Error::other(format!(
                "{path}: too many levels of links"
            )));
        }
        let target = std::fs::read_link(host.path(&here))?;
        let target = target.to_string_lossy().into_owned();
        done.pop();
        if target.starts_with('/') {
            done.clear();
        }
        let mut next = components(&target);
        next.extend(pending);
        pending = next;
    }
    Ok(format!("/{}", done.join("/")))
}

fn components(path: &str) -> VecDeque<String> {
    path.split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// MIG management capabilities and every compute instance's access capabilities.
fn probe_capabilities(p: &mut Probe<'_>) -> NvidiaCapabilities {
    let minor = |p: &mut Probe<'_>, file: &str| -> Option<u32> {
        match p.host.read(file) {
            Ok(text) => {
                let m = parse_capability_minor(&text);
                if m.is_none() {
                    p.unreadable(
                        "nvidia_driver.capabilities",
                        format!("{file} has no numeric DeviceFileMinor"),
                    );
                }
                m
            }
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => {
                p.unreadable(
                    "nvidia_driver.capabilities",
                    format!("cannot read {file}: {e}"),
                );
                None
            }
        }
    };
    let mut caps = NvidiaCapabilities {
        mig_config: minor(p, &format!("{CAPS_DIR}/mig/config")),
        mig_monitor: minor(p, &format!("{CAPS_DIR}/mig/monitor")),
        mig: Vec::new(),
    };
    let numbered = |name: &str, prefix: &str| name.strip_prefix(prefix)?.parse::<u32>().ok();
    for gpu in p.host.list(CAPS_DIR).unwrap_or_default() {
        // `gpu<N>` is numbered by the GPU's device minor, as /dev/nvidia<N> is.
        let Some(gpu_minor) = numbered(&gpu, "gpu") else {
            continue;
        };
        let mig_dir = format!("{CAPS_DIR}/{gpu}/mig");
        for gi in p.host.list(&mig_dir).unwrap_or_default() {
            let Some(gi_id) = numbered(&gi, "gi") else {
                continue;
            };
            let gi_dir = join(&mig_dir, &gi);
            let Some(gi_access) = minor(p, &join(&gi_dir, "access")) else {
                continue;
            };
            for ci in p.host.list(&gi_dir).unwrap_or_default() {
                let Some(ci_id) = numbered(&ci, "ci") else {
                    continue;
                };
                if let Some(ci_access) = minor(p, &format!("{gi_dir}/{ci}/access")) {
                    caps.mig.push(MigInstance {
                        gpu_minor,
                        gi: gi_id,
                        ci: ci_id,
                        gi_access,
                        ci_access,
                    });
                }
            }
        }
    }
    // Directory listings come sorted by name (gi10 before gi2): order by number.
    caps.mig.sort_by_key(|m| (m.gpu_minor, m.gi, m.ci));
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_line_of_open_and_proprietary_modules() {
        let open = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22-I3-AE18-23-3)  Thu Oct  9 20:42:00 UTC 2025\nGCC version:  gcc version 12.3.0\n";
        assert_eq!(parse_driver_version(open).as_deref(), Some("580.159.04"));
        let old = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n";
        assert_eq!(parse_driver_version(old).as_deref(), Some("535.104.05"));
        assert_eq!(parse_driver_version("GCC version: 12.3.0\n"), None);
    }

    #[test]
    fn capability_minor() {
        assert_eq!(
            parse_capability_minor(
                "DeviceFileMinor: 1\nDeviceFileMode: 256\nDeviceFileModify: 1\n"
            ),
            Some(1)
        );
        assert_eq!(parse_capability_minor("DeviceFileMode: 256\n"), None);
    }
}
