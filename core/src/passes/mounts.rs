//! Pass `mounts`: the default mounts, the service's storage, the agent API socket,
//! resolv.conf, then the GPU mounts the gpu pass resolved. A later mount with the same
//! destination replaces an earlier one.
//!
//! Decisions (README):
//! - Defaults: see [`super::defaults::default_mounts`] (`/sys/fs/cgroup` is type `cgroup`,
//!   read-only unless privileged).
//! - Bind, named, anonymous and s3 volumes are `type: bind` with `rbind` and `ro`/`rw` (the
//!   seed wrote `none`; runtimes treat both alike when `rbind` is given, and `bind` says what
//!   it is). Anonymous volumes are always `rw`.
//! - Named, anonymous and s3 volumes need their host path in `volume_paths` (keys `name`,
//!   `_anon_<target without leading / and with / as _>`, `_s3_<bucket>_<prefix or empty>`);
//!   a missing key is an error naming the volume.
//! - Targets (and bind sources) must be absolute and have no `..` component; we never resolve
//!   such a path ourselves.
//! - tmpfs `size` goes to the kernel as a byte count or an exact `k`/`m`/`g` (the kernel
//!   refuses `16Mi`); `0` (no limit for tmpfs) is refused as probably unintended.
//! - tmpfs `mode` is written in octal. A string is octal digits (`"1777"`, `"0o1777"`). A
//!   number is ambiguous, because YAML's `0o1777` arrives as 1023 while a plain `1777` arrives
//!   as 1777. Its two readings, "decimal digits are octal digits" (1777 -> 0o1777) and "the
//!   number is the mode's value" (1023 -> 0o1777), are both tried; a reading needs a mode
//!   <= 0o7777 (and, for the first, digits 0-7 only). If they agree or only one exists, it is
//!   used. If both exist and differ, the one whose permissions narrow from owner to group to
//!   other (each class a subset of the one before, as in 1777, 755, 750, 700, 644) wins; if
//!   both or neither do (e.g. 511, which is both 0o511 and 0o777), it is an error asking for a
//!   quoted string. So `1777` and `0o1777` both mean 0o1777, and no number is silently misread.
//! - resolv.conf is written when `dns` is non-empty and the container does not share the host
//!   network (render option or service setting: one notion, seed bug 13). It is a bundle file
//!   `resolv.conf` (0644), mounted at /etc/resolv.conf from `<bundle_dir>/resolv.conf`, or from
//!   the relative path `resolv.conf` when no bundle dir is given (runc resolves it against the
//!   bundle directory).

use std::net::IpAddr;

use crate::draft::{BundleFile, Draft};
use crate::error::{Error, Result};
use crate::passes::defaults::{default_mounts, mount, API_SOCKET_DESTINATION, RESOLV_CONF_FILE};
use crate::render::Inputs;
use crate::service::{StorageSpec, StorageTier, TmpfsMode};
use crate::trace::{codes, Source};

pub fn apply(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    for (m, name) in default_mounts(cx.service.spec.privileged)? {
        d.add_mount(m, Source::default(name));
    }
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
    resolv_conf(cx, d)?;
    for (m, source) in d.gpu.mounts.clone() {
        d.add_mount(m, source);
    }
    Ok(())
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

fn storage_mount(cx: &Inputs<'_>, d: &mut Draft, i: usize, storage: &StorageSpec) -> Result<()> {
    let field = cx.service.field(&format!("storage[{i}]"));
    let target = storage.target();
    check_path(target, &format!("{field}.target"))?;
    let access = |readonly: bool| if readonly { "ro" } else { "rw" };
    let m = match storage {
        StorageSpec::Bind {
            source, readonly, ..
        } => {
            check_path(source, &format!("{field}.source"))?;
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
            mount(target, "bind", path, &["rbind", access(*readonly)])?
        }
        StorageSpec::Tmpfs { size, mode, .. } => {
            let mut options = vec!["nosuid".to_string(), "nodev".to_string()];
            if let Some(size) = size {
                options.push(kernel_size(size, &format!("{field}.size"))?);
            }
            if let Some(mode) = mode {
                options.push(format!(
                    "mode={:o}",
                    tmpfs_mode(mode, &format!("{field}.mode"))?
                ));
            }
            let opts: Vec<&str> = options.iter().map(String::as_str).collect();
            mount(target, "tmpfs", "tmpfs", &opts)?
        }
    };
    d.add_mount(m, Source::input(field));
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

fn volume_path<'a>(cx: &'a Inputs<'_>, key: &str, what: &str, field: &str) -> Result<&'a str> {
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

/// A size the kernel's tmpfs accepts: bytes, or an exact count of k/m/g (powers of 1024).
/// `size=<n>[kmg]` as the kernel accepts it (it rejects `16Mi`); zero is refused because
/// tmpfs reads it as "no limit".
fn kernel_size(text: &str, field: &str) -> Result<String> {
    let bytes = crate::units::parse_size(text, field)?;
    if bytes == 0 {
        return Err(Error::invalid(
            field,
            "a size above 0 (tmpfs reads 0 as no limit)",
            format!("`{text}`"),
        ));
    }
    Ok(crate::units::tmpfs_size_option(bytes))
}

const MAX_MODE: u32 = 0o7777;

/// The mode a tmpfs `mode` stands for; see the module doc for the rule for numbers.
pub fn tmpfs_mode(mode: &TmpfsMode, field: &str) -> Result<u32> {
    match mode {
        TmpfsMode::Text(text) => {
            let digits = text.trim().strip_prefix("0o").unwrap_or(text.trim());
            octal_text(digits)
                .filter(|m| *m <= MAX_MODE)
                .ok_or_else(|| {
                    Error::invalid(
                        field,
                        "an octal mode such as \"1777\" (at most 7777)",
                        format!("`{text}`"),
                    )
                })
        }
        TmpfsMode::Number(n) => number_mode(*n, field),
    }
}

fn octal_text(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(digits, 8).ok()
}

/// Owner, group and other narrow down: each class's bits are a subset of the one before.
fn narrows(mode: u32) -> bool {
    let (u, g, o) = ((mode >> 6) & 7, (mode >> 3) & 7, mode & 7);
    u & g == g && g & o == o
}

fn number_mode(n: u32, field: &str) -> Result<u32> {
    let as_digits = octal_text(&n.to_string()).filter(|m| *m <= MAX_MODE);
    let as_value = Some(n).filter(|m| *m <= MAX_MODE);
    let ambiguous = |why: &str| {
        Error::invalid(
            field,
            "a tmpfs mode; write it as a quoted octal string such as \"1777\"",
            format!("the number {n}, {why}"),
        )
    };
    match (as_digits, as_value) {
        (Some(a), Some(b)) if a == b => Ok(a),
        (Some(a), Some(b)) => match (narrows(a), narrows(b)) {
            (true, false) => Ok(a),
            (false, true) => Ok(b),
            _ => Err(ambiguous(&format!(
                "which could mean {a:o} or {b:o} (octal)"
            ))),
        },
        (Some(m), None) | (None, Some(m)) => Ok(m),
        (None, None) => Err(ambiguous("which is above 7777 octal")),
    }
}

fn resolv_conf(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let dns = &cx.service.spec.dns;
    let host_network = cx.options.host_network || cx.service.host_network();
    if dns.is_empty() || host_network {
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
    d.bundle_files.retain(|f| f.path != RESOLV_CONF_FILE);
    d.bundle_files.push(BundleFile {
        path: RESOLV_CONF_FILE.to_string(),
        contents,
        mode: 0o644,
    });
    d.record(
        format!("bundle_files.{RESOLV_CONF_FILE}"),
        Source::input(field.clone()),
    );
    let source = match &cx.options.bundle_dir {
        Some(dir) => format!("{}/{RESOLV_CONF_FILE}", dir.trim_end_matches('/')),
        None => RESOLV_CONF_FILE.to_string(),
    };
    d.add_mount(
        mount("/etc/resolv.conf", "bind", &source, &["rbind", "ro"])?,
        Source::input(field),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::defaults::fixture::{fixture, Fixture};
    use oci_spec::runtime::{Mount, MountBuilder};

    fn find<'a>(d: &'a Draft, dest: &str) -> &'a Mount {
        d.mounts
            .iter()
            .find(|m| m.destination().to_str() == Some(dest))
            .unwrap_or_else(|| panic!("no mount at {dest}: {:?}", d.mounts))
    }

    fn options(m: &Mount) -> Vec<String> {
        m.options().clone().unwrap_or_default()
    }

    fn storage(items: &str) -> Fixture {
        fixture(&format!("    storage:\n{items}"))
    }

    #[test]
    fn defaults_cgroup_and_sys_read_only_unless_privileged() {
        let d = fixture("").run(apply).unwrap();
        assert_eq!(d.mounts.len(), 7);
        let cg = find(&d, "/sys/fs/cgroup");
        assert_eq!(cg.typ().as_deref(), Some("cgroup"));
        assert_eq!(options(cg), ["nosuid", "noexec", "nodev", "relatime", "ro"]);
        assert!(options(find(&d, "/sys")).contains(&"ro".to_string()));
        let d = fixture("    privileged: true\n").run(apply).unwrap();
        assert!(!options(find(&d, "/sys/fs/cgroup")).contains(&"ro".to_string()));
        assert!(!options(find(&d, "/sys")).contains(&"ro".to_string()));
    }

    #[test]
    fn bind_and_volumes() {
        let mut f = storage(concat!(
            "      - { type: bind, source: /host/data, target: /data, readonly: true }\n",
            "      - { type: named, name: db, target: /var/lib/db, tier: network }\n",
            "      - { type: anonymous, target: /app/cache }\n",
            "      - { type: s3, bucket: b, prefix: p/, target: /s3 }\n",
        ));
        for (k, v) in [
            ("db", "/vol/db"),
            ("_anon_app_cache", "/vol/anon"),
            ("_s3_b_p/", "/vol/s3"),
        ] {
            f.options.volume_paths.insert(k.into(), v.into());
        }
        let d = f.run(apply).unwrap();
        let bind = find(&d, "/data");
        assert_eq!(
            (bind.typ().as_deref(), options(bind)),
            (Some("bind"), vec!["rbind".into(), "ro".into()])
        );
        assert_eq!(
            find(&d, "/var/lib/db")
                .source()
                .as_deref()
                .and_then(|p| p.to_str()),
            Some("/vol/db")
        );
        assert_eq!(options(find(&d, "/app/cache")), ["rbind", "rw"]);
        assert_eq!(
            find(&d, "/s3").source().as_deref().and_then(|p| p.to_str()),
            Some("/vol/s3")
        );
        let codes_seen: Vec<_> = d.diagnostics.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes_seen, [codes::NETWORK_TIER, codes::S3_VOLUME]);
        assert_eq!(
            d.trace.last_for("mounts./data").unwrap().source,
            Source::input("services.web.storage[0]")
        );
    }

    #[test]
    fn unprepared_volume_is_error_naming_it() {
        let err = storage("      - { type: named, name: db, target: /db }\n")
            .run(apply)
            .unwrap_err();
        assert_eq!(err.field(), Some("services.web.storage[0]"));
        assert!(err.to_string().contains("`db`"), "{err}");
        let err = storage("      - { type: anonymous, target: /a/b }\n")
            .run(apply)
            .unwrap_err();
        assert!(err.to_string().contains("_anon_a_b"), "{err}");
    }

    #[test]
    fn dotdot_and_relative_targets_are_errors() {
        let err = storage("      - { type: tmpfs, target: /a/../etc }\n")
            .run(apply)
            .unwrap_err();
        assert_eq!(err.field(), Some("services.web.storage[0].target"));
        let err = storage("      - { type: bind, source: rel, target: /x }\n")
            .run(apply)
            .unwrap_err();
        assert_eq!(err.field(), Some("services.web.storage[0].source"));
        assert!(storage("      - { type: tmpfs, target: tmp }\n")
            .run(apply)
            .is_err());
    }

    #[test]
    fn seed_bug_12_tmpfs_mode_octal() {
        let field = "f";
        for (mode, want) in [
            (TmpfsMode::Number(1777), 0o1777),
            (TmpfsMode::Number(1023), 0o1777), // YAML 0o1777
            (TmpfsMode::Number(755), 0o755),
            (TmpfsMode::Number(493), 0o755), // YAML 0o755
            (TmpfsMode::Number(420), 0o644), // YAML 0o644
            (TmpfsMode::Number(700), 0o700),
            (TmpfsMode::Number(0), 0),
            (TmpfsMode::Text("1777".into()), 0o1777),
            (TmpfsMode::Text("0o755".into()), 0o755),
        ] {
            assert_eq!(tmpfs_mode(&mode, field).unwrap(), want, "{mode:?}");
        }
        // 511 is 0o511 or YAML 0o777: ambiguous, an error rather than a guess.
        assert!(tmpfs_mode(&TmpfsMode::Number(511), field).is_err());
        assert!(tmpfs_mode(&TmpfsMode::Text("1999".into()), field).is_err());
        assert!(tmpfs_mode(&TmpfsMode::Number(99999), field).is_err());
    }

    #[test]
    fn tmpfs_mount_options_from_yaml() {
        let d = storage("      - { type: tmpfs, target: /tmp, mode: 1777 }\n      - { type: tmpfs, target: /t2, mode: 0o1777 }\n")
            .run(apply)
            .unwrap();
        assert_eq!(options(find(&d, "/tmp")), ["nosuid", "nodev", "mode=1777"]);
        assert_eq!(options(find(&d, "/t2")), ["nosuid", "nodev", "mode=1777"]);
    }

    #[test]
    fn tmpfs_size_in_a_form_the_kernel_accepts() {
        let one = |size: &str| {
            let d = storage(&format!(
                "      - {{ type: tmpfs, target: /tmp, size: '{size}' }}\n"
            ))
            .run(apply)?;
            Ok::<_, Error>(options(find(&d, "/tmp")))
        };
        assert_eq!(one("1Gi").unwrap(), ["nosuid", "nodev", "size=1g"]);
        assert_eq!(one("1000").unwrap(), ["nosuid", "nodev", "size=1000"]);
        assert!(one("0").is_err());
        let d = storage("      - { type: tmpfs, target: /tmp, size: 16Mi }\n")
            .run(apply)
            .unwrap();
        assert_eq!(options(find(&d, "/tmp")), ["nosuid", "nodev", "size=16m"]);
    }

    #[test]
    fn api_socket_mount() {
        let mut f = fixture("");
        f.options.api_socket = Some("/run/zlayer/api.sock".into());
        let d = f.run(apply).unwrap();
        let m = find(&d, API_SOCKET_DESTINATION);
        assert_eq!(options(m), ["rbind", "ro"]);
        f.options.api_socket = Some("api.sock".into());
        assert_eq!(
            f.run(apply).unwrap_err().field(),
            Some("options.api_socket")
        );
    }

    #[test]
    fn resolv_conf_file_and_mount() {
        let mut f = fixture("    dns: [10.0.0.2, 'fd00::1']\n");
        f.options.bundle_dir = Some("/b/web/".into());
        let d = f.run(apply).unwrap();
        assert_eq!(d.bundle_files.len(), 1);
        assert_eq!(
            d.bundle_files[0].contents,
            "nameserver 10.0.0.2\nnameserver fd00::1\noptions edns0\n"
        );
        assert_eq!(d.bundle_files[0].mode, 0o644);
        let m = find(&d, "/etc/resolv.conf");
        assert_eq!(
            m.source().as_deref().and_then(|p| p.to_str()),
            Some("/b/web/resolv.conf")
        );
        f.options.bundle_dir = None;
        let d = f.run(apply).unwrap();
        assert_eq!(
            find(&d, "/etc/resolv.conf")
                .source()
                .as_deref()
                .and_then(|p| p.to_str()),
            Some("resolv.conf")
        );
        assert!(fixture("    dns: [not-an-ip]\n").run(apply).is_err());
        assert!(fixture("").run(apply).unwrap().bundle_files.is_empty());
    }

    #[test]
    fn seed_bug_13_one_host_network_notion() {
        let mut f = fixture("    dns: [10.0.0.2]\n");
        f.options.host_network = true;
        assert!(f.run(apply).unwrap().bundle_files.is_empty());
        let d = fixture("    dns: [10.0.0.2]\n    network_mode: host\n")
            .run(apply)
            .unwrap();
        assert!(d.bundle_files.is_empty());
        assert!(!d
            .mounts
            .iter()
            .any(|m| m.destination().to_str() == Some("/etc/resolv.conf")));
    }

    #[test]
    fn gpu_mounts_appended_and_replace_same_destination() {
        let f = storage("      - { type: tmpfs, target: /dev/shm }\n");
        let mut draft = Draft::default();
        let gpu = MountBuilder::default()
            .destination("/usr/bin/nvidia-smi")
            .typ("bind")
            .source("/x")
            .build()
            .unwrap();
        draft.gpu.mounts.push((gpu, Source::default("gpu")));
        let d = f.run_on(apply, draft).unwrap();
        assert_eq!(d.mounts.len(), 8);
        assert_eq!(
            d.mounts.last().unwrap().destination().to_str(),
            Some("/usr/bin/nvidia-smi")
        );
        assert_eq!(
            find(&d, "/dev/shm")
                .source()
                .as_deref()
                .and_then(|p| p.to_str()),
            Some("tmpfs")
        );
    }
}
