//! Many bundle writes at once: to different directories (an agent starting a deployment)
//! and to the same directory (two rounds of one agent racing, or two agents). Every
//! config.json must be whole, one writer's bytes, and never beside another writer's files.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ocigen_core::{parse_service_file, BundleFile};
use ocigen_host::agent::{Agent, Container};
use ocigen_host::bundle::write_bundle_parts;

const WRITERS: usize = 16;
const ROUNDS: usize = 12;

/// A config.json of writer `w` that is big enough (about 300 KB) for a torn write to show.
fn config_of(w: usize) -> String {
    let filler = format!("writer-{w:02}-").repeat(20_000);
    format!("{{\"writer\":{w},\"filler\":\"{filler}\"}}\n")
}

fn files_of(w: usize) -> Vec<BundleFile> {
    vec![
        BundleFile {
            path: "resolv.conf".into(),
            contents: format!("nameserver 10.0.0.{w}\n"),
            mode: 0o644,
        },
        BundleFile {
            path: "etc/hosts".into(),
            contents: format!("10.0.0.{w} writer-{w}\n"),
            mode: 0o644,
        },
    ]
}

/// The writer whose whole config.json `text` is, or a panic saying how it is broken.
fn writer_of(text: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("config.json is torn ({} bytes): {e}", text.len()));
    let w = v["writer"].as_u64().expect("writer") as usize;
    assert_eq!(text, config_of(w), "config.json mixes writers");
    w
}

fn leftovers(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

#[test]
fn same_bundle_many_writers_never_mixed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Arc::new(tmp.path().join("bundle"));
    std::fs::create_dir(&*dir).unwrap();
    write_bundle_parts(&dir, &config_of(0), &files_of(0)).unwrap();

    // A reader that keeps opening config.json while the writers race: every read is whole.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (dir, done) = (dir.clone(), done.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) {
                writer_of(&std::fs::read_to_string(dir.join("config.json")).unwrap());
                reads += 1;
            }
            reads
        })
    };
    let writers: Vec<_> = (1..=WRITERS)
        .map(|w| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                for _ in 0..ROUNDS {
                    write_bundle_parts(&dir, &config_of(w), &files_of(w)).unwrap();
                }
            })
        })
        .collect();
    for t in writers {
        t.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert!(reads > 0);

    // The last writer's config.json, with that same writer's files beside it.
    let w = writer_of(&std::fs::read_to_string(dir.join("config.json")).unwrap());
    for f in files_of(w) {
        assert_eq!(
            std::fs::read_to_string(dir.join(&f.path)).unwrap(),
            f.contents,
            "{} is not from writer {w}, whose config.json is there",
            f.path
        );
    }
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    assert!(leftovers(&dir.join("etc")).is_empty());
}

fn service_file() -> ocigen_core::ServiceFile {
    parse_service_file(
        "web.yaml",
        "version: v1\ndeployment: race\nservices:\n  web:\n    image: {name: busybox}\n    \
         dns: [10.0.0.53]\n    command: {entrypoint: [/bin/true]}\n",
    )
    .unwrap()
}

/// One render per replica, all written at once through the async API on a multi-threaded
/// runtime: every bundle holds its own replica's render, whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_bundles_at_once_each_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let rootfs = tmp.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let agent = Arc::new(Agent::live());
    let service = Arc::new(service_file().service(Some("web")).unwrap());
    let snapshot = Arc::new(agent.probe_for(&service).await.unwrap());

    let mut tasks = tokio::task::JoinSet::new();
    for replica in 1..=48 {
        let (agent, snapshot, rootfs) = (agent.clone(), snapshot.clone(), rootfs.clone());
        let container = Container::new("race", service.clone(), replica);
        let dir = tmp.path().join(container.id());
        tasks.spawn(async move {
            agent
                .write_bundle(&container, &snapshot, &rootfs, &dir)
                .await
                .unwrap()
        });
    }
    let mut ids = BTreeSet::new();
    while let Some(bundle) = tasks.join_next().await {
        let bundle = bundle.unwrap();
        let text = std::fs::read_to_string(bundle.dir.join("config.json")).unwrap();
        assert_eq!(text, bundle.rendered.config_json());
        let config: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(config["hostname"], bundle.id.as_str());
        assert!(bundle.dir.join("resolv.conf").is_file());
        assert!(leftovers(&bundle.dir).is_empty());
        ids.insert(bundle.id);
    }
    assert_eq!(ids.len(), 48);
}

/// The same bundle directory written by many tasks through the async API: the result is
/// one task's render, whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_bundle_from_many_tasks() {
    let tmp = tempfile::tempdir().unwrap();
    let rootfs = tmp.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let dir = tmp.path().join("bundle");
    let agent = Arc::new(Agent::live());
    let service = Arc::new(service_file().service(Some("web")).unwrap());
    let snapshot = Arc::new(agent.probe_for(&service).await.unwrap());

    let mut tasks = tokio::task::JoinSet::new();
    for replica in 1..=32 {
        let (agent, snapshot, rootfs, dir) =
            (agent.clone(), snapshot.clone(), rootfs.clone(), dir.clone());
        let container = Container::new("race", service.clone(), replica);
        tasks.spawn(async move {
            let b = agent
                .write_bundle(&container, &snapshot, &rootfs, &dir)
                .await
                .unwrap();
            b.rendered.config_json()
        });
    }
    let mut written = BTreeSet::new();
    while let Some(config) = tasks.join_next().await {
        written.insert(config.unwrap());
    }
    assert_eq!(written.len(), 32, "each replica renders differently");
    let last = std::fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(
        written.contains(&last),
        "config.json is no writer's whole render"
    );
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}
