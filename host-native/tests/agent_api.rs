//! The async agent API on fake host trees and this machine: volume keys agree with the
//! render, secrets and volumes come from the agent's plug-ins, replicas follow `scale`, kept
//! snapshots are reused only while true, the cgroup leaf is prepared, bundles are removed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use ocigen_core::snapshot::{KernelFacts, UserFacts};
use ocigen_core::{parse_service_file, Service, ServiceFile, Snapshot};
use ocigen_host::agent::{
    initial_replicas, volumes, Agent, Container, SecretsProvider, SnapshotOrigin, VolumeDirs,
};
use ocigen_host::probe::{HostIdentity, HostRoot};
use ocigen_host::HostError;

fn file(text: &str) -> ServiceFile {
    parse_service_file("test.yaml", text).unwrap()
}

fn service(body: &str) -> Arc<Service> {
    let text = format!("version: v1\ndeployment: demo\nservices:\n  app:\n{body}");
    Arc::new(file(&text).service(Some("app")).unwrap())
}

const CMD: &str = "    image: {name: busybox}\n    command: {entrypoint: [/bin/true]}\n";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A minimal v2 host: the agent in `/agent.service`, no GPUs.
fn fake_host(root: &Path) -> HostRoot {
    write(root, "proc/devices", "Character devices:\n  1 mem\n");
    write(root, "proc/self/status", "CapBnd:\t000001ffffffffff\n");
    write(root, "proc/self/cgroup", "0::/agent.service\n");
    write(
        root,
        "proc/self/mountinfo",
        "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
    );
    write(
        root,
        "sys/fs/cgroup/agent.service/cgroup.controllers",
        "cpu memory\n",
    );
    let identity = HostIdentity {
        user: UserFacts {
            euid: 0,
            egid: 0,
            name: Some("root".into()),
            id_map_tools: None,
        },
        kernel: KernelFacts {
            release: "6.18.0-test".into(),
            arch: "x86_64".into(),
        },
    };
    HostRoot::fake(root, identity)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

#[test]
fn volume_keys_are_the_ones_the_render_looks_up() {
    let svc = service(&format!(
        "{CMD}    storage:\n      - {{type: named, name: data, target: /data}}\n      \
         - {{type: anonymous, target: /var/cache/app}}\n      \
         - {{type: s3, bucket: backups, prefix: nightly/, target: /backups}}\n      \
         - {{type: tmpfs, target: /tmp}}\n"
    ));
    let vols = volumes(&svc);
    let keys: Vec<_> = vols.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(
        keys,
        ["data", "_anon_var_cache_app", "_s3_backups_nightly/"]
    );
    // A table with exactly these keys satisfies the render: the core looks up the same ones.
    let table: BTreeMap<String, String> = vols
        .iter()
        .map(|v| (v.key.clone(), format!("/vol/{}", v.key.replace('/', "_"))))
        .collect();
    let rt = rt();
    let tmp = tempfile::tempdir().unwrap();
    let agent = Agent::new(fake_host(tmp.path())).with_volumes(table);
    let snapshot = Arc::new(rt.block_on(agent.probe_for(&svc)).unwrap());
    let rendered = rt
        .block_on(agent.render(&Container::new("demo", svc.clone(), 1), &snapshot))
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(&rendered.config_json()).unwrap();
    let source = |dest: &str| {
        config["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["destination"] == dest)
            .map(|m| m["source"].as_str().unwrap().to_string())
    };
    assert_eq!(source("/data").as_deref(), Some("/vol/data"));
    assert_eq!(
        source("/var/cache/app").as_deref(),
        Some("/vol/_anon_var_cache_app")
    );
    assert_eq!(
        source("/backups").as_deref(),
        Some("/vol/_s3_backups_nightly_")
    );
}

#[test]
fn volume_dirs_share_named_volumes_and_separate_anonymous_ones() {
    let svc = service(&format!(
        "{CMD}    storage:\n      - {{type: named, name: data, target: /data}}\n      \
         - {{type: anonymous, target: /scratch}}\n"
    ));
    let rt = rt();
    let tmp = tempfile::tempdir().unwrap();
    let agent = Agent::new(fake_host(&tmp.path().join("host")))
        .with_volumes(VolumeDirs::new(tmp.path().join("volumes")));
    let options = |replica| {
        rt.block_on(agent.options(&Container::new("demo", svc.clone(), replica)))
            .unwrap()
            .volume_paths
    };
    let (one, two) = (options(1), options(2));
    assert_eq!(one["data"], two["data"]);
    assert_ne!(one["_anon_scratch"], two["_anon_scratch"]);
    assert!(one["_anon_scratch"].ends_with("anon/app-rep-1/_anon_scratch"));
    assert!(Path::new(&two["_anon_scratch"]).is_dir());
    // A path the agent already chose is kept.
    let mut c = Container::new("demo", svc.clone(), 3);
    c.options.volume_paths.insert("data".into(), "/mine".into());
    let got = rt.block_on(agent.options(&c)).unwrap();
    assert_eq!(got.volume_paths["data"], "/mine");
    // A name that would leave the root is refused, named.
    let bad = service(&format!(
        "{CMD}    storage:\n      - {{type: named, name: '..', target: /data}}\n"
    ));
    let err = rt
        .block_on(agent.options(&Container::new("demo", bad, 1)))
        .unwrap_err();
    assert!(
        matches!(err, HostError::Volume { ref key, .. } if key == ".."),
        "{err}"
    );
}

/// A provider that knows one secret.
struct OneSecret;

impl SecretsProvider for OneSecret {
    async fn get_secret(&self, scope: &str, name: &str) -> Result<Option<String>, String> {
        Ok((scope == "demo" && name == "token").then(|| "t0ken".to_string()))
    }
}

#[test]
fn secrets_come_from_the_agents_provider() {
    let svc = service(&format!(
        "{CMD}    env: {{TOKEN: \"$S:token\", PLAIN: x}}\n"
    ));
    let rt = rt();
    let tmp = tempfile::tempdir().unwrap();
    let agent = Agent::new(fake_host(tmp.path())).with_secrets(OneSecret);
    let snapshot = Arc::new(rt.block_on(agent.probe_for(&svc)).unwrap());
    let rendered = rt
        .block_on(agent.render(&Container::new("demo", svc.clone(), 1), &snapshot))
        .unwrap();
    assert!(rendered.config_json().contains("TOKEN=t0ken"));
    // Another deployment is another scope: not found, naming the reference and the service.
    let err = rt
        .block_on(agent.render(&Container::new("other", svc, 1), &snapshot))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("$S:token") && err.contains("service `app`"),
        "{err}"
    );
}

#[test]
fn replicas_follow_scale() {
    let f = file(
        "version: v1\ndeployment: dep\nservices:\n  \
         fixed: {image: {name: a}, scale: {mode: fixed, replicas: 3}}\n  \
         adaptive: {image: {name: a}, scale: {mode: adaptive, min: 2, max: 5}}\n  \
         zero: {image: {name: a}, scale: {mode: adaptive, min: 0, max: 5}}\n  \
         manual: {image: {name: a}, scale: {mode: manual}}\n  \
         plain: {image: {name: a}}\n",
    );
    let ids: Vec<_> = Container::all_in(&f, None)
        .unwrap()
        .iter()
        .map(|c| (c.deployment.clone(), c.id()))
        .collect();
    let want = [
        "adaptive-rep-1",
        "adaptive-rep-2",
        "fixed-rep-1",
        "fixed-rep-2",
        "fixed-rep-3",
        "manual-rep-1",
        "plain-rep-1",
    ];
    assert_eq!(
        ids,
        want.map(|id| ("dep".to_string(), id.to_string())),
        "zero starts none"
    );
    let bare = file("image: {name: a}\nscale: {mode: fixed, replicas: 2}\n");
    let ids: Vec<_> = Container::all_in(&bare, Some("solo"))
        .unwrap()
        .iter()
        .map(|c| (c.deployment.clone(), c.id()))
        .collect();
    assert_eq!(
        ids,
        [
            ("solo".to_string(), "solo-rep-1".to_string()),
            ("solo".into(), "solo-rep-2".into())
        ]
    );
    assert_eq!(initial_replicas(&bare.service(None).unwrap()), 2);
}

#[test]
fn a_kept_snapshot_is_reused_only_while_it_holds() {
    let rt = rt();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("host");
    let agent = Agent::new(fake_host(&root));
    let svc = service(&format!("{CMD}    env: {{REGION: \"$E:REGION\"}}\n"));
    let (kept, origin) = rt.block_on(agent.snapshot_for(&svc, None)).unwrap();
    assert_eq!(origin, SnapshotOrigin::Probed { missing: vec![] });
    let (again, origin) = rt.block_on(agent.snapshot_for(&svc, Some(&kept))).unwrap();
    assert_eq!((origin, &again), (SnapshotOrigin::Kept, &kept));

    // The host changed: the re-probe of the same facts, with what changed.
    write(
        &root,
        "proc/devices",
        "Character devices:\n  1 mem\n 10 misc\n",
    );
    let (fresh, origin) = rt.block_on(agent.snapshot_for(&svc, Some(&kept))).unwrap();
    let SnapshotOrigin::Refreshed { changes } = origin else {
        panic!("{origin:?}")
    };
    assert_eq!(
        changes[0].to_string(),
        "proc_devices.char.misc: absent -> 10"
    );
    assert_eq!(fresh.proc_devices.char["misc"], 10);

    // A service that needs a fact the kept snapshot never recorded: a new probe.
    let other = service(&format!("{CMD}    devices: [{{path: /dev/fuse}}]\n"));
    let (_, origin) = rt
        .block_on(agent.snapshot_for(&other, Some(&fresh)))
        .unwrap();
    assert_eq!(
        origin,
        SnapshotOrigin::Probed {
            missing: vec!["devices./dev/fuse".into()]
        }
    );
}

#[test]
fn the_cgroup_leaf_is_prepared_on_v2_only() {
    let rt = rt();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let agent = Agent::new(fake_host(root));
    let pid = std::process::id();
    write(root, &format!("proc/{pid}/cgroup"), "0::/agent.service\n");
    // The kernel gives every cgroup directory its cgroup.procs; a fake tree needs it made.
    write(root, "sys/fs/cgroup/agent.service/init/cgroup.procs", "");
    let layout = rt
        .block_on(agent.probe(&Default::default()))
        .unwrap()
        .cgroup
        .layout;
    let parent = rt.block_on(agent.prepare_cgroups(layout)).unwrap();
    assert_eq!(parent.as_deref(), Some("/agent.service/containers"));
    let procs = root.join("sys/fs/cgroup/agent.service/init/cgroup.procs");
    assert_eq!(
        std::fs::read_to_string(procs).unwrap().trim(),
        pid.to_string()
    );
    assert!(root.join("sys/fs/cgroup/agent.service/containers").is_dir());
    let v1 = ocigen_core::snapshot::CgroupLayout::Hybrid;
    assert_eq!(rt.block_on(agent.prepare_cgroups(v1)).unwrap(), None);
}

#[test]
fn bundles_are_written_and_removed_on_this_host() {
    let rt = rt();
    let tmp = tempfile::tempdir().unwrap();
    let rootfs = tmp.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let agent = Agent::live();
    let svc = service(CMD);
    let snapshot: Arc<Snapshot> = Arc::new(rt.block_on(agent.probe_for(&svc)).unwrap());
    let c = Container::new("demo", svc, 2);
    let dir = tmp.path().join("bundles/app-rep-2");
    let bundle = rt
        .block_on(agent.write_bundle(&c, &snapshot, &rootfs, &dir))
        .unwrap();
    assert_eq!(bundle.dir, dir.canonicalize().unwrap());
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config["root"]["path"],
        rootfs.canonicalize().unwrap().to_str().unwrap()
    );
    // Rewritten from a render the agent holds, then removed.
    rt.block_on(agent.write_rendered(&dir, Arc::new(bundle.rendered)))
        .unwrap();
    rt.block_on(agent.remove_bundle(&dir)).unwrap();
    assert!(!dir.exists());
    // A missing rootfs is an error naming it, and nothing is left half-made.
    let err = rt
        .block_on(agent.write_bundle(&c, &snapshot, &tmp.path().join("nope"), &dir))
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope"), "{err}");
    assert!(!dir.exists());
}
