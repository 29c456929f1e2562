//! Pass `mounts`: the default mounts, the service's storage, the agent API socket,
//! resolv.conf, then the GPU mounts the gpu pass resolved. A later mount with the same
//! destination replaces an earlier one.
//!
//! Decisions (README):
//! - Defaults: see [`crate::defaults::default_mounts`] (`/sys/fs/cgroup` is type `cgroup`,
//!   read-only unless privileged).
//! - Bind, named, anonymous and s3 volumes are `type: bind` with `rbind` and `ro`/`rw` (the
//!   seed wrote `none`; runtimes treat both alike when `rbind` is given, and `bind` says what
//!   it is). Anonymous volumes are always `rw`.
//! - Named, anonymous and s3 volumes need their host path in `volume_paths` (keys `name`,
//!   `_anon_<target without leading / and with / as _>`, `_s3_<bucket>_<prefix or empty>`);
//!   a missing key is an error naming the volume. The trace cites both the storage entry and
//!   `volume_paths.<key>` for such a mount.
//! - Targets (and bind sources) must be absolute and have no `..` component; we never resolve
//!   such a path ourselves.
//! - tmpfs `size` and `mode`: see [`crate::service::tmpfs`].
//! - resolv.conf is written when `dns` is non-empty and the container does not share the host
//!   network (render option or service setting: one notion, seed bug 13). It is a bundle file
//!   `resolv.conf` (0644), mounted at /etc/resolv.conf from `<bundle_dir>/resolv.conf`, or from
//!   the relative path `resolv.conf` when no bundle dir is given (runc resolves it against the
//!   bundle directory). With the host network, `dns` is ignored with info I003.
//! - /etc/hosts is written when `extra_hosts` is non-empty ([`crate::etc_hosts`]): bundle file
//!   `hosts` (0644), mounted read-write as Docker does, from the bundle like resolv.conf. With
//!   the host network it is written too, with info I005: the host's own entries are not in it.
//! - In another container's network (`network_mode: container:<id>`) the resolver and hosts
//!   are that container's: `dns` and `extra_hosts` are errors naming both fields, as in Docker.
//! - /dev/shm follows `ipc_mode`: the host's /dev/shm bound for `host`, none for `none`
//!   (Docker's meanings), the default tmpfs otherwise.
//! - Two storage entries with the same target are an error naming both (Docker refuses them);
//!   a bind source the snapshot records as missing is an error with the path (Docker's
//!   `--mount`; ZLayer's bind entry has no "create it" option).

use core::net::IpAddr;

use oci_spec::runtime::Mount;

use crate::defaults::{
    default_mounts, mount, API_SOCKET_DESTINATION, PRIVILEGE_DEPENDENT_MOUNTS, RESOLV_CONF_FILE,
};
use crate::draft::{BundleFile, Draft};
use crate::error::{Error, Result};
use crate::etc_hosts::{hosts_file, parse_extra_host, HOSTS_FILE};
use crate::inputs::Context;
use crate::ns_modes::{self, Mode, Share};
use crate::rootless;
use crate::service::tmpfs::tmpfs_options;
use crate::service::{StorageSpec, StorageTier};
use crate::snapshot::PathKind;
use crate::trace::{codes, Source};

/// Where the container's POSIX shared memory lives.
const SHM: &str = "/dev/shm";

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let privileged = cx.service.spec.privileged;
    let ipc = ns_modes::ipc(cx)?;
    let network = ns_modes::network(cx)?;
    for (m, name) in default_mounts(privileged)? {
        let dest = m.destination().to_string_lossy().into_owned();
        if dest == SHM && shm(cx, d, &ipc)? {
            continue;
        }
        let mut sources = vec![Source::default(name)];
        // These two lack `ro` because of `privileged`, so that field shaped them too.
        if privileged && PRIVILEGE_DEPENDENT_MOUNTS.contains(&dest.as_str()) {
            sources.push(Source::input(cx.service.field("privileged")));
        }
        let m = rootless_shape(cx, m, &network, &mut sources)?;
        d.add_mount(m, sources);
    }
    check_targets(cx)?;
    for (i, storage) in cx.service.spec.storage.iter().enumerate() {
        storage_mount(cx, d, i, storage)?;
    }
    if let Some(socket) = &cx.options.api_socket {
        check_path(socket, "options.api_socket")?;
        d.add_mount(
            mount(API_SOCKET_DESTINATION, "bind", socket, &["rbind", "ro"])?,
            Source::option("api_socket"),
        );
    }
    resolv_conf(cx, d, &network)?;
    etc_hosts(cx, d, &network)?;
    for (m, source) in d.gpu.mounts.clone() {
        d.add_mount(m, source);
    }
    Ok(())
}

/// Rootless, two default mounts cannot be used as they are (see [`crate::rootless`]): a
/// fresh sysfs needs the container's own network namespace, else `/sys` becomes a read-only
/// recursive bind of the host's; and devpts' `gid=5` fails unless container gid 5 is mapped.
fn rootless_shape(
    cx: &Context<'_>,
    m: Mount,
    network: &Mode,
    sources: &mut Vec<Source>,
) -> Result<Mount> {
    if !cx.host.rootless() {
        return Ok(m);
    }
    match m.destination().to_string_lossy().as_ref() {
        "/sys" if !rootless::sysfs_mountable(&cx.host, network) => {
            sources.push(Source::fact("user"));
            if let Some(field) = &network.field {
                sources.push(Source::input(field.clone()));
            }
            // `ro` only as the default had it (privileged keeps the host's /sys writable
            // where the user may write it at all).
            let ro = m.options().iter().flatten().any(|o| o == "ro");
            let mut options = vec!["rbind", "nosuid", "noexec", "nodev"];
            if ro {
                options.push("ro");
            }
            mount("/sys", "bind", "/sys", &options)
        }
        "/dev/pts" if !rootless::gid_mapped(&cx.host, 5, "mounts./dev/pts")? => {
            sources.push(Source::fact("subgid"));
            let options: Vec<&str> = m
                .options()
                .iter()
                .flatten()
                .map(String::as_str)
                .filter(|o| !o.starts_with("gid="))
                .collect();
            mount("/dev/pts", "devpts", "devpts", &options)
        }
        _ => Ok(m),
    }
}

/// An absolute path with no `..` component.
fn check_path(path: &str, field: &str) -> Result<()> {
    if !path.starts_with('/') || path.split('/').any(|c| c == "..") {
        return Err(Error::invalid(
            field,
            "an absolute path without `..` components",
            format!("`{path}`"),
        ));
    }
    Ok(())
}

/// /dev/shm for `ipc_mode` `host` (the host's, bound) or `none` (nothing); returns whether
/// the default tmpfs is replaced.
fn shm(cx: &Context<'_>, d: &mut Draft, ipc: &Mode) -> Result<bool> {
    if ns_modes::ipc_without_shm(cx) {
        return Ok(true);
    }
    if ipc.share != Share::Host {
        return Ok(false);
    }
    let sources = vec![Source::input(ipc.field.clone().unwrap_or_default())];
    d.add_mount(mount(SHM, "bind", SHM, &["rbind", "rw"])?, sources);
    Ok(true)
}

/// One storage entry per container path: a later one would hide the earlier silently.
fn check_targets(cx: &Context<'_>) -> Result<()> {
    let storage = &cx.service.spec.storage;
    // The first entry of each target, so 10,000 entries take n log n, not a scan each.
    let mut first_of: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (j, later) in storage.iter().enumerate() {
        let target = later.target().trim_end_matches('/');
        if let Some(&i) = first_of.get(target) {
            let first = cx.service.field(&format!("storage[{i}]"));
            return Err(Error::invalid(
                cx.service.field(&format!("storage[{j}].target")),
                format!(
                    "one storage entry per target: {first} mounts `{}` too",
                    storage[i].target()
                ),
                format!("`{}` twice", later.target()),
            ));
        }
        first_of.insert(target, j);
    }
    Ok(())
}

fn storage_mount(cx: &Context<'_>, d: &mut Draft, i: usize, storage: &StorageSpec) -> Result<()> {
    let field = cx.service.field(&format!("storage[{i}]"));
    let target = storage.target();
    check_path(target, &format!("{field}.target"))?;
    let access = |readonly: bool| if readonly { "ro" } else { "rw" };
    // The `volume_paths` key the host path came from, for named, anonymous and s3 volumes.
    let mut volume_key: Option<String> = None;
    let m = match storage {
        StorageSpec::Bind {
            source, readonly, ..
        } => {
            let source_field = format!("{field}.source");
            check_path(source, &source_field)?;
            if cx.host.path_kind(source, &source_field)? == PathKind::Missing {
                return Err(Error::unsatisfiable(
                    source_field,
                    format!("bind source {source} does not exist on the host; create it first (a bind mount of a missing path fails, and Docker's --mount refuses it)"),
                ));
            }
            mount(target, "bind", source, &["rbind", access(*readonly)])?
        }
        StorageSpec::Named {
            name,
            readonly,
            tier,
            ..
        } => {
            tier_warning(d, *tier, &field);
            let path = volume_path(cx, name, &format!("named volume `{name}`"), &field)?;
            volume_key = Some(name.clone());
            mount(target, "bind", path, &["rbind", access(*readonly)])?
        }
        StorageSpec::Anonymous { tier, .. } => {
            tier_warning(d, *tier, &field);
            let key = format!("_anon_{}", target.trim_start_matches('/').replace('/', "_"));
            let path = volume_path(
                cx,
                &key,
                &format!("anonymous volume for `{target}`"),
                &field,
            )?;
            volume_key = Some(key);
            mount(target, "bind", path, &["rbind", "rw"])?
        }
        StorageSpec::S3 {
            bucket,
            prefix,
            readonly,
            ..
        } => {
            let key = format!("_s3_{bucket}_{}", prefix.as_deref().unwrap_or(""));
            d.warn(
                codes::S3_VOLUME,
                format!("s3 volume `{bucket}` at {target} is a FUSE view with object-store semantics, not a POSIX file system"),
                Some(field.clone()),
            );
            let path = volume_path(
                cx,
                &key,
                &format!("s3 volume for bucket `{bucket}`"),
                &field,
            )?;
            volume_key = Some(key);
            mount(target, "bind", path, &["rbind", access(*readonly)])?
        }
        StorageSpec::Tmpfs { size, mode, .. } => {
            let options = tmpfs_options(size.as_ref(), *mode);
            let opts: Vec<&str> = options.iter().map(String::as_str).collect();
            mount(target, "tmpfs", "tmpfs", &opts)?
        }
    };
    let mut sources = vec![Source::input(field)];
    if let Some(key) = volume_key {
        sources.push(Source::option(format!("volume_paths.{key}")));
    }
    d.add_mount(m, sources);
    Ok(())
}

fn tier_warning(d: &mut Draft, tier: StorageTier, field: &str) {
    if tier == StorageTier::Network {
        d.warn(
            codes::NETWORK_TIER,
            "volume on the `network` tier is NOT SQLite-safe: databases and fsync-heavy apps may corrupt data",
            Some(format!("{field}.tier")),
        );
    }
}

fn volume_path<'a>(cx: &'a Context<'_>, key: &str, what: &str, field: &str) -> Result<&'a str> {
    cx.options
        .volume_paths
        .get(key)
        .map(String::as_str)
        .ok_or_else(|| {
            Error::unsatisfiable(
                field,
                format!("{what} was not prepared: render option `volume_paths` has no key `{key}`"),
            )
        })
}

/// `field` (dns or extra_hosts) in another container's network: that container's files rule.
fn borrowed_network(cx: &Context<'_>, network: &Mode, what: &str) -> Result<()> {
    if let Share::Container(id) = &network.share {
        return Err(Error::invalid(
            cx.service.field(what),
            format!(
                "no `{what}`: {} joins container `{id}`'s network, whose resolver and hosts it shares",
                network.field.as_deref().unwrap_or("network_mode")
            ),
            format!("`{what}` with a borrowed network"),
        ));
    }
    Ok(())
}

/// Where a bundle file is mounted from: the bundle directory, or relative for runc.
fn bundle_source(cx: &Context<'_>, file: &str) -> String {
    match &cx.options.bundle_dir {
        Some(dir) => format!("{}/{file}", dir.trim_end_matches('/')),
        None => file.to_string(),
    }
}

fn etc_hosts(cx: &Context<'_>, d: &mut Draft, network: &Mode) -> Result<()> {
    let extra = &cx.service.spec.extra_hosts;
    if extra.is_empty() {
        return Ok(());
    }
    borrowed_network(cx, network, "extra_hosts")?;
    let field = cx.service.field("extra_hosts");
    let entries = extra
        .iter()
        .enumerate()
        .map(|(i, text)| parse_extra_host(text, &format!("{field}[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    if network.share == Share::Host {
        d.info(
            codes::HOSTS_WITHOUT_HOST_ENTRIES,
            "the container shares the host network but gets its own /etc/hosts (localhost, `extra_hosts`, its hostname): the host's own entries are not in it",
            Some(field.clone()),
        );
    }
    let sources = vec![
        Source::input(field),
        Source::default("hosts_localhost_lines"),
    ];
    d.add_bundle_file(
        BundleFile {
            path: HOSTS_FILE.to_string(),
            contents: hosts_file(&d.hostname, &entries),
            mode: 0o644,
        },
        sources.clone(),
    );
    let source = bundle_source(cx, HOSTS_FILE);
    d.add_mount(
        mount("/etc/hosts", "bind", &source, &["rbind", "rw"])?,
        sources,
    );
    Ok(())
}

fn resolv_conf(cx: &Context<'_>, d: &mut Draft, network: &Mode) -> Result<()> {
    let dns = &cx.service.spec.dns;
    if dns.is_empty() {
        return Ok(());
    }
    borrowed_network(cx, network, "dns")?;
    if network.share == Share::Host {
        d.info(
            codes::DNS_IGNORED_HOST_NETWORK,
            "`dns` is ignored: the container shares the host network, so it uses the host's resolv.conf and none is injected",
            Some(cx.service.field("dns")),
        );
        return Ok(());
    }
    let mut contents = String::new();
    for (i, server) in dns.iter().enumerate() {
        let ip: IpAddr = server.trim().parse().map_err(|_| {
            Error::invalid(
                cx.service.field(&format!("dns[{i}]")),
                "an IP address",
                format!("`{server}`"),
            )
        })?;
        contents.push_str(&format!("nameserver {ip}\n"));
    }
    contents.push_str("options edns0\n");
    let field = cx.service.field("dns");
    d.add_bundle_file(
        BundleFile {
            path: RESOLV_CONF_FILE.to_string(),
            contents,
            mode: 0o644,
        },
        Source::input(field.clone()),
    );
    let source = bundle_source(cx, RESOLV_CONF_FILE);
    d.add_mount(
        mount("/etc/resolv.conf", "bind", &source, &["rbind", "ro"])?,
        Source::input(field),
    );
    Ok(())
}

#[cfg(test)]
#[path = "mounts_tests.rs"]
mod tests;
