//! Tests of the `mounts` pass.
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

/// A service with these storage entries, on a host where every bind source used here exists.
fn storage(items: &str) -> Fixture {
    let mut f = fixture(&format!("    storage:\n{items}"));
    for dir in ["/host/data", "/h"] {
        f.snapshot.paths.insert(dir.into(), PathKind::Directory);
    }
    f
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
    // The file check refuses these first; the pass refuses them too, for services built in
    // code.
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

#[test]
fn duplicate_targets_name_both_entries() {
    let mut f = storage(concat!(
        "      - { type: tmpfs, target: /data }\n",
        "      - { type: bind, source: /h, target: /x }\n",
        "      - { type: bind, source: /h, target: /y }\n",
    ));
    // `/data/` is refused by the file check (not normalised); set in code, the pass still
    // sees it as `/data`.
    if let StorageSpec::Bind { target, .. } = &mut f.service.spec.storage[2] {
        *target = "/data/".into();
    }
    let err = f.run(apply).unwrap_err();
    assert_eq!(err.field(), Some("services.web.storage[2].target"));
    assert!(
        err.to_string()
            .contains("one storage entry per target: services.web.storage[0] mounts `/data` too"),
        "{err}"
    );
}

#[test]
fn a_missing_bind_source_is_an_error_with_the_path() {
    let mut f = storage("      - { type: bind, source: /srv/gone, target: /x }\n");
    f.snapshot
        .paths
        .insert("/srv/gone".into(), PathKind::Missing);
    let err = f.run(apply).unwrap_err();
    assert_eq!(err.field(), Some("services.web.storage[0].source"));
    assert!(
        err.to_string()
            .contains("bind source /srv/gone does not exist on the host"),
        "{err}"
    );
    // Not probed at all: the missing fact, as for any other host path.
    let err = storage("      - { type: bind, source: /unprobed, target: /x }\n")
        .run(apply)
        .unwrap_err();
    assert_eq!(err.code(), "E_MISSING_FACT");
    // A file or a socket is a fine bind source.
    f.snapshot.paths.insert("/srv/gone".into(), PathKind::File);
    assert!(f.run(apply).is_ok());
}

#[test]
fn extra_hosts_write_a_hosts_file_with_the_hostname() {
    let mut f = fixture("    extra_hosts: [\"db:10.0.0.5\", \"cache=fd00::7\"]\n");
    f.options.bundle_dir = Some("/b/web".into());
    let mut draft = Draft::default();
    draft.set_hostname("web-1".into(), Source::default("h"));
    let d = f.run_on(apply, draft).unwrap();
    let file = d
        .bundle_files
        .iter()
        .find(|b| b.path == HOSTS_FILE)
        .unwrap();
    assert!(
        file.contents.starts_with("127.0.0.1\tlocalhost\n"),
        "{}",
        file.contents
    );
    assert!(
        file.contents
            .ends_with("10.0.0.5\tdb\nfd00::7\tcache\n127.0.1.1\tweb-1\n"),
        "{}",
        file.contents
    );
    let m = find(&d, "/etc/hosts");
    assert_eq!(
        m.source().as_deref().and_then(|p| p.to_str()),
        Some("/b/web/hosts")
    );
    assert_eq!(options(m), ["rbind", "rw"]);
    assert!(d.diagnostics().is_empty());
    let e = fixture("    extra_hosts: [\"db\"]\n")
        .run(apply)
        .unwrap_err();
    assert_eq!(e.field(), Some("services.web.extra_hosts[0]"));
    // On the host network: written, with a note that the host's entries are not in it.
    let d = fixture("    network_mode: host\n    extra_hosts: [\"db:10.0.0.5\"]\n")
        .run(apply)
        .unwrap();
    assert_eq!(d.diagnostics()[0].code, codes::HOSTS_WITHOUT_HOST_ENTRIES);
    assert!(d.bundle_files.iter().any(|b| b.path == HOSTS_FILE));
}

#[test]
fn a_borrowed_network_refuses_dns_and_extra_hosts() {
    for key in ["dns: [10.0.0.2]", "extra_hosts: [\"db:10.0.0.5\"]"] {
        let e = fixture(&format!("    network_mode: container:db\n    {key}\n"))
            .run(apply)
            .unwrap_err();
        let field = key.split(':').next().unwrap();
        assert_eq!(
            e.field().map(str::to_string),
            Some(format!("services.web.{field}"))
        );
        assert!(
            e.to_string()
                .contains("services.web.network_mode joins container `db`'s network"),
            "{e}"
        );
    }
}

#[test]
fn dev_shm_follows_ipc_mode() {
    let d = fixture("    ipc_mode: host\n").run(apply).unwrap();
    let shm = find(&d, "/dev/shm");
    assert_eq!(
        (
            shm.typ().as_deref(),
            shm.source().as_deref().and_then(|p| p.to_str())
        ),
        (Some("bind"), Some("/dev/shm"))
    );
    assert_eq!(
        sources(&d, "mounts./dev/shm"),
        [Source::input("services.web.ipc_mode")]
    );
    let d = fixture("    ipc_mode: none\n").run(apply).unwrap();
    assert!(!d
        .mounts
        .iter()
        .any(|m| m.destination().to_str() == Some("/dev/shm")));
    let d = fixture("    ipc_mode: shareable\n").run(apply).unwrap();
    assert_eq!(find(&d, "/dev/shm").typ().as_deref(), Some("tmpfs"));
}
