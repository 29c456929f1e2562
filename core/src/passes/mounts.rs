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

use core::net::IpAddr;

use crate::defaults::{
    default_mounts, mount, API_SOCKET_DESTINATION, PRIVILEGE_DEPENDENT_MOUNTS, RESOLV_CONF_FILE,
};
use crate::draft::{BundleFile, Draft};
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::service::tmpfs::tmpfs_options;
use crate::service::{StorageSpec, StorageTier};
use crate::trace::{codes, Source};

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let privileged = cx.service.spec.privileged;
    for (m, name) in default_mounts(privileged)? {
        let dest = m.destination().to_string_lossy().into_owned();
        let mut sources = vec![Source::default(name)];
        // These two lack `ro` because of `privileged`, so that field shaped them too.
        if privileged && PRIVILEGE_DEPENDENT_MOUNTS.contains(&dest.as_str()) {
            sources.push(Source::input(cx.service.field("privileged")));
        }
        d.add_mount(m, sources);
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

fn resolv_conf(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let dns = &cx.service.spec.dns;
    let host_network = cx.host_network();
    if dns.is_empty() {
        return Ok(());
    }
    if host_network {
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
    use crate::passes::fixture::{fixture, Fixture};
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
        let codes_seen: Vec<_> = d.diagnostics().iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes_seen, [codes::NETWORK_TIER, codes::S3_VOLUME]);
        assert_eq!(
            d.trace().last_for("mounts./data").unwrap().source,
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
        // The file check refuses these first; the pass refuses them too, for services built
        // in code.
        let with = |s: StorageSpec| {
            let mut f = fixture("");
            f.service.spec.storage = vec![s];
            f.run(apply).unwrap_err()
        };
        let tmpfs = |target: &str| StorageSpec::Tmpfs {
            target: target.into(),
            size: None,
            mode: None,
        };
        let err = with(tmpfs("/a/../etc"));
        assert_eq!(err.field(), Some("services.web.storage[0].target"));
        let err = with(StorageSpec::Bind {
            source: "rel".into(),
            target: "/x".into(),
            readonly: false,
        });
        assert_eq!(err.field(), Some("services.web.storage[0].source"));
        assert_eq!(
            with(tmpfs("tmp")).field(),
            Some("services.web.storage[0].target")
        );
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
        draft.set_gpu_plan(crate::plan::GpuPlan {
            mounts: vec![(gpu, Source::default("gpu"))],
            ..Default::default()
        });
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

    fn sources(d: &Draft, target: &str) -> Vec<Source> {
        d.trace()
            .sources_of(target)
            .map(|e| e.source.clone())
            .collect()
    }

    #[test]
    fn volume_mounts_cite_storage_and_volume_paths() {
        let mut f = storage(concat!(
            "      - { type: named, name: db, target: /db }\n",
            "      - { type: anonymous, target: /app/cache }\n",
            "      - { type: s3, bucket: b, target: /s3 }\n",
            "      - { type: bind, source: /h, target: /h }\n",
        ));
        for k in ["db", "_anon_app_cache", "_s3_b_"] {
            f.options.volume_paths.insert(k.into(), "/vol".into());
        }
        let d = f.run(apply).unwrap();
        for (i, (target, key)) in [
            ("/db", "db"),
            ("/app/cache", "_anon_app_cache"),
            ("/s3", "_s3_b_"),
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(
                sources(&d, &format!("mounts.{target}")),
                [
                    Source::input(format!("services.web.storage[{i}]")),
                    Source::option(format!("volume_paths.{key}"))
                ]
            );
        }
        // A bind mount's source is in the service file itself.
        assert_eq!(
            sources(&d, "mounts./h"),
            [Source::input("services.web.storage[3]")]
        );
    }

    #[test]
    fn privileged_sys_mounts_cite_privileged() {
        let d = fixture("    privileged: true\n").run(apply).unwrap();
        for target in ["mounts./sys", "mounts./sys/fs/cgroup"] {
            assert_eq!(
                sources(&d, target),
                [
                    Source::default("default_mounts"),
                    Source::input("services.web.privileged")
                ]
            );
        }
        assert_eq!(
            sources(&d, "mounts./proc"),
            [Source::default("default_mounts")]
        );
        let d = fixture("").run(apply).unwrap();
        assert_eq!(
            sources(&d, "mounts./sys"),
            [Source::default("default_mounts")]
        );
        // The list of privilege-dependent mounts is exactly the defaults that carry `ro`.
        let with_ro: Vec<String> = default_mounts(false)
            .unwrap()
            .iter()
            .filter(|(m, _)| options(m).contains(&"ro".to_string()))
            .map(|(m, _)| m.destination().to_string_lossy().into_owned())
            .collect();
        assert_eq!(with_ro, PRIVILEGE_DEPENDENT_MOUNTS);
    }

    #[test]
    fn dns_with_host_network_is_an_info() {
        let d = fixture("    dns: [10.0.0.2]\n    network_mode: host\n")
            .run(apply)
            .unwrap();
        assert_eq!(d.diagnostics().len(), 1);
        let diag = &d.diagnostics()[0];
        assert_eq!(diag.code, codes::DNS_IGNORED_HOST_NETWORK);
        assert_eq!(diag.severity, crate::trace::Severity::Info);
        assert_eq!(diag.field.as_deref(), Some("services.web.dns"));
        assert!(diag.message.contains("resolv.conf"), "{}", diag.message);
        // Without dns, or without the host network, no such note.
        let mut f = fixture("");
        f.options.host_network = true;
        assert!(f.run(apply).unwrap().diagnostics().is_empty());
        assert!(fixture("    dns: [10.0.0.2]\n")
            .run(apply)
            .unwrap()
            .diagnostics()
            .is_empty());
    }
}
