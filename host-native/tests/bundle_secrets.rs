//! Bundle writing and cleanup, secrets resolution, and the cgroup leaf migration on a fake tree.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};

use ocigen_core::snapshot::CgroupLayout;
use ocigen_core::BundleFile;
use ocigen_host::bundle::{create_bundle_dir, remove_bundle, write_atomic, write_bundle_parts};
use ocigen_host::cgroup_leaf::{ensure_daemon_leaf_and_container_parent, move_scope_into_leaf};
use ocigen_host::probe::HostRoot;
use ocigen_host::secrets::{resolve_secrets, EnvFileSecrets};

#[test]
fn bundle_writes_config_and_files_with_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = create_bundle_dir(&tmp.path().join("b/nested")).unwrap();
    assert!(dir.is_absolute());
    let files = vec![BundleFile {
        path: "resolv.conf".into(),
        contents: "nameserver 10.0.0.2\n".into(),
        mode: 0o644,
    }];
    write_bundle_parts(&dir, "{\"ociVersion\":\"1.2.0\"}\n", &files).unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("config.json")).unwrap(),
        "{\"ociVersion\":\"1.2.0\"}\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("resolv.conf")).unwrap(),
        "nameserver 10.0.0.2\n"
    );
    let mode = fs::metadata(dir.join("resolv.conf"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644);
    // Rewriting replaces in place and leaves no temp files behind.
    write_bundle_parts(&dir, "{}\n", &files).unwrap();
    assert_eq!(fs::read_to_string(dir.join("config.json")).unwrap(), "{}\n");
    let names: BTreeSet<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn atomic_write_replaces_a_symlink_instead_of_writing_through_it() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    fs::write(&victim, "keep").unwrap();
    let link = tmp.path().join("config.json");
    symlink(&victim, &link).unwrap();
    write_atomic(&link, b"new", 0o600).unwrap();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    assert!(!fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn bundle_files_cannot_escape() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let dir = create_bundle_dir(&tmp.path().join("b")).unwrap();
    symlink(&outside, dir.join("etc")).unwrap();
    for path in ["../x", "/etc/passwd", "etc/resolv.conf", ""] {
        let f = vec![BundleFile {
            path: path.into(),
            contents: "x".into(),
            mode: 0o644,
        }];
        assert!(
            write_bundle_parts(&dir, "{}", &f).is_err(),
            "{path} was accepted"
        );
    }
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn cleanup_unlinks_links_and_refuses_a_linked_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("rootfs");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("precious"), "data").unwrap();
    let dir = create_bundle_dir(&tmp.path().join("b")).unwrap();
    fs::create_dir(dir.join("sub")).unwrap();
    fs::write(dir.join("sub/f"), "x").unwrap();
    symlink(&outside, dir.join("rootfs")).unwrap();
    symlink(&outside, dir.join("sub/link")).unwrap();

    let alias = tmp.path().join("alias");
    symlink(&dir, &alias).unwrap();
    assert!(remove_bundle(&alias)
        .unwrap_err()
        .to_string()
        .contains("symbolic link"));
    assert!(create_bundle_dir(&alias).is_err());
    assert!(dir.exists());

    remove_bundle(&dir).unwrap();
    assert!(!dir.exists());
    assert_eq!(
        fs::read_to_string(outside.join("precious")).unwrap(),
        "data"
    );
}

fn refs(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn secrets_from_files_and_env() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("shop/api")).unwrap();
    fs::write(tmp.path().join("shop/api/db-password"), "s3cret\n").unwrap();
    let mut env = BTreeMap::new();
    env.insert(
        "OCIGEN_SECRET_DATABASE".to_string(),
        r#"{"port":5432,"user":"app"}"#.to_string(),
    );
    env.insert(
        "OCIGEN_SECRETS_DIR".to_string(),
        tmp.path().to_string_lossy().into_owned(),
    );
    let provider = EnvFileSecrets::new(&env, None);
    let got = resolve_secrets(
        &provider,
        "shop",
        &refs(&[
            "@api/db-password",
            "database/port",
            "prod:stage/database/user",
        ]),
    )
    .await
    .unwrap();
    assert_eq!(got["@api/db-password"], "s3cret");
    assert_eq!(got["database/port"], "5432");
    assert_eq!(got["prod:stage/database/user"], "app");
}

#[tokio::test]
async fn missing_secret_names_it() {
    let provider = EnvFileSecrets::new(&BTreeMap::new(), None);
    let err = resolve_secrets(&provider, "shop", &refs(&["@api/db-password"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("$S:@api/db-password"), "{err}");
    assert!(
        err.contains("scope `shop/api`") && err.contains("OCIGEN_SECRET_DB_PASSWORD"),
        "{err}"
    );
    let err = resolve_secrets(&provider, "shop", &refs(&["a/b/c"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid secret reference"), "{err}");
}

#[test]
fn cgroup_leaf_migration_on_a_fake_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("proc/42")).unwrap();
    fs::write(root.join("proc/42/cgroup"), "0::/system.slice/z.service\n").unwrap();
    fs::create_dir_all(root.join("sys/fs/cgroup/system.slice/z.service/init")).unwrap();
    // The fake cgroup.procs is a plain file: it lists what we write, as the kernel would.
    fs::write(
        root.join("sys/fs/cgroup/system.slice/z.service/init/cgroup.procs"),
        "",
    )
    .unwrap();
    let host = HostRoot::fake(root, Default::default());
    let parent = ensure_daemon_leaf_and_container_parent(&host, CgroupLayout::V2, 42).unwrap();
    assert_eq!(
        parent.as_deref(),
        Some("/system.slice/z.service/containers")
    );
    assert!(root
        .join("sys/fs/cgroup/system.slice/z.service/containers")
        .is_dir());
    let procs =
        fs::read_to_string(root.join("sys/fs/cgroup/system.slice/z.service/init/cgroup.procs"))
            .unwrap();
    assert_eq!(procs.trim(), "42");
    // Not v2, or at the root: nothing to do.
    assert_eq!(
        ensure_daemon_leaf_and_container_parent(&host, CgroupLayout::Hybrid, 42).unwrap(),
        None
    );
    fs::write(root.join("proc/42/cgroup"), "0::/\n").unwrap();
    assert_eq!(
        ensure_daemon_leaf_and_container_parent(&host, CgroupLayout::V2, 42).unwrap(),
        None
    );
}

#[test]
fn cgroup_leaf_for_a_whole_scope_on_a_fake_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let scope = root.join("sys/fs/cgroup/process_api/abc");
    fs::create_dir_all(root.join("proc/42")).unwrap();
    fs::write(root.join("proc/42/cgroup"), "0::/process_api/abc\n").unwrap();
    fs::create_dir_all(scope.join("init")).unwrap();
    // The shell that started ocigen (7) and ocigen itself (42) share the scope.
    fs::write(scope.join("cgroup.procs"), "7\n42\n").unwrap();
    fs::write(scope.join("init/cgroup.procs"), "").unwrap();
    let host = HostRoot::fake(root, Default::default());
    let parent = move_scope_into_leaf(&host, CgroupLayout::V2, 42).unwrap();
    assert_eq!(parent.as_deref(), Some("/process_api/abc/containers"));
    let moved = fs::read_to_string(scope.join("init/cgroup.procs")).unwrap();
    assert_eq!(moved, "7\n42\n");
    assert!(scope.join("containers").is_dir());
    // The same command line that the core's warning prints does the same by hand.
    assert!(ocigen_core::cgroup_leaf::leaf_command("/process_api/abc")
        .contains("/sys/fs/cgroup/process_api/abc/init/cgroup.procs"));
    assert_eq!(
        move_scope_into_leaf(&host, CgroupLayout::Hybrid, 42).unwrap(),
        None
    );
}
