//! The README's "Embedding in an agent" code is `examples/embed.rs`, word for word, and it
//! works: it writes a bundle for a fixture service on this host.

#[path = "../examples/embed.rs"]
#[allow(dead_code)] // `main` is the example's; the test calls `embed` itself.
mod embed;

use std::path::Path;

fn manifest(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn readme_shows_the_example_word_for_word() {
    let readme = std::fs::read_to_string(manifest("../README.md")).unwrap();
    let example = std::fs::read_to_string(manifest("examples/embed.rs")).unwrap();
    let section = readme
        .split("## Embedding in an agent")
        .nth(1)
        .expect("README has an `Embedding in an agent` section");
    let code = section
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section starts with a rust code block");
    assert_eq!(
        code, example,
        "README's code differs from host-native/examples/embed.rs: copy the example into the README"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_writes_a_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let rootfs = tmp.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let service = tmp.path().join("web.yaml");
    std::fs::write(
        &service,
        "version: v1\ndeployment: demo\nservices:\n  web:\n    image: {name: busybox}\n    \
         command: {entrypoint: [/bin/sh, -c, 'echo hello']}\n",
    )
    .unwrap();
    let id = embed::embed(
        service.to_str().unwrap(),
        &rootfs,
        &tmp.path().join("bundle"),
    )
    .await
    .unwrap();
    assert_eq!(id, "web-rep-1");
    let config = std::fs::read_to_string(tmp.path().join("bundle/config.json")).unwrap();
    assert!(ocigen_host::validate::validate_config_text(&config).is_empty());
}
