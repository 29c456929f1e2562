//! The tracked deserializer against serde_path_to_error over serde_json's own deserializer
//! (the reader it replaced): for every input type, every shipped example, and every one of
//! thousands of single edits to them (each node replaced by each kind of value, each key
//! dropped, an unknown key added), both give the same typed value or the same message at
//! the same path.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::from_value;
use crate::cdi::spec::CdiSpec;
use crate::image::ImageConfig;
use crate::options::RenderOptions;
use crate::service::{DeploymentSpec, ServiceSpec};
use crate::snapshot::Snapshot;

type Outcome = Result<String, (String, String)>;

/// What a reader made of a value: the typed value shown by `show`, or message and path.
fn ours<T: DeserializeOwned>(v: Value, show: fn(&T) -> String) -> Outcome {
    from_value::<T>(v)
        .map(|t| show(&t))
        .map_err(|e| (e.message().to_string(), e.path_below("")))
}

fn theirs<T: DeserializeOwned>(v: Value, show: fn(&T) -> String) -> Outcome {
    serde_path_to_error::deserialize::<_, T>(v)
        .map(|t| show(&t))
        .map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            (e.into_inner().to_string(), path)
        })
}

/// Every value one edit away from `v`.
fn edits(v: &Value) -> Vec<Value> {
    let kinds = [
        Value::Null,
        json!(true),
        json!(7),
        json!(-1),
        json!(1.5),
        json!("x"),
        json!(""),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"zz": 1}),
    ];
    let mut out: Vec<Value> = kinds.to_vec();
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for e in edits(item) {
                    let mut copy = items.clone();
                    copy[i] = e;
                    out.push(Value::Array(copy));
                }
            }
        }
        Value::Object(map) => {
            let mut extra = map.clone();
            extra.insert("zz_unknown".into(), json!(1));
            out.push(Value::Object(extra));
            for (k, child) in map {
                let mut dropped = map.clone();
                dropped.remove(k);
                out.push(Value::Object(dropped));
                for e in edits(child) {
                    let mut copy = map.clone();
                    copy.insert(k.clone(), e);
                    out.push(Value::Object(copy));
                }
            }
        }
        _ => {}
    }
    out
}

/// Both readers agree on `base` and on every edit of it; returns how many values were
/// compared and how many of them were errors.
fn agree<T: DeserializeOwned + Debug>(name: &str, base: Value) -> (usize, usize) {
    agree_shown::<T>(name, base, |t| format!("{t:?}"))
}

/// `agree`, comparing typed values as `show` writes them (for types with hash sets, whose
/// Debug order differs between two equal values).
fn agree_shown<T: DeserializeOwned>(
    name: &str,
    base: Value,
    show: fn(&T) -> String,
) -> (usize, usize) {
    let mut values = vec![base.clone()];
    values.extend(edits(&base));
    let mut errors = 0;
    for v in &values {
        let (a, b) = (ours::<T>(v.clone(), show), theirs::<T>(v.clone(), show));
        assert_eq!(a, b, "{name}: the readers differ on {v}");
        errors += usize::from(a.is_err());
    }
    (values.len(), errors)
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("a shipped example parses")
}

fn json_text(text: &str) -> Value {
    serde_json::from_str(text).expect("a shipped example parses")
}

#[test]
fn service_files_read_the_same() {
    let files = [
        include_str!("../../../fixtures/services/web.yaml"),
        include_str!("../../../fixtures/services/gpu-inference.yaml"),
        include_str!("../../../fixtures/services/storage-all.yaml"),
        include_str!("../../../fixtures/services/privileged-runner.yaml"),
        include_str!("../../../fixtures/services/resource-extras.yaml"),
        include_str!("../../../fixtures/services/kernel-tuned.yaml"),
    ];
    let (mut n, mut errors) = (0, 0);
    for text in files {
        let (a, b) = agree::<DeploymentSpec>("deployment", yaml(text));
        n += a;
        errors += b;
    }
    let bare = include_str!("../../../fixtures/services/bare-service.yaml");
    let (a, b) = agree::<ServiceSpec>("bare service", yaml(bare));
    // The edits must reach both outcomes, or the comparison proves little.
    assert!(n + a > 2_000 && errors + b > 1_000, "{n} {errors}");
    assert!(errors + b < n + a, "some edits are still valid services");
}

#[test]
fn snapshots_cdi_image_and_options_read_the_same() {
    agree::<Snapshot>(
        "snapshot",
        json_text(include_str!(
            "../../../fixtures/snapshots/nvidia-h200-v2-nested.json"
        )),
    );
    agree::<CdiSpec>(
        "cdi",
        yaml(include_str!("../../../fixtures/cdi/nvidia-ctk-h200.yaml")),
    );
    agree::<ImageConfig>(
        "image",
        json_text(include_str!("../../../fixtures/services/web.image.json")),
    );
    agree::<RenderOptions>(
        "options",
        json_text(include_str!(
            "../../../fixtures/services/storage-all.options.json"
        )),
    );
}

#[test]
fn oci_spec_reads_the_same() {
    let spec = serde_json::to_value(oci_spec::runtime::Spec::default()).expect("serialises");
    // Capability sets are hash sets: their order is not the document's, so lists of
    // names are compared sorted.
    fn sorted(v: &mut Value) {
        match v {
            Value::Array(items) if items.iter().all(Value::is_string) => {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()))
            }
            Value::Array(items) => items.iter_mut().for_each(sorted),
            Value::Object(map) => map.values_mut().for_each(sorted),
            _ => {}
        }
    }
    let (n, errors) = agree_shown::<oci_spec::runtime::Spec>("config.json", spec, |s| {
        let mut v = serde_json::to_value(s).expect("serialises");
        sorted(&mut v);
        v.to_string()
    });
    assert!(n > 500 && errors > 100, "{n} {errors}");
}

#[test]
fn paths_name_keys_indexes_and_variants() {
    let v = json!({"services": {"web": {"image": {"name": "x"}, "resources": {"memory": 5}}}});
    let e = from_value::<DeploymentSpec>(v).expect_err("memory must be a size text");
    assert_eq!(e.path_below(""), "services.web.resources.memory");
    assert_eq!(e.path_below("base"), "base.services.web.resources.memory");

    let e = from_value::<Vec<Vec<u8>>>(json!([[1], [2, 300]])).expect_err("300 is not a u8");
    assert_eq!(e.path_below(""), "[1][1]");
    assert_eq!(
        e.message(),
        "invalid value: integer `300`, expected u8",
        "messages are serde_json's words"
    );

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    enum Shape {
        Square { side: u32 },
    }
    let e = from_value::<Shape>(json!({"Square": {"side": "big"}})).expect_err("not a number");
    assert_eq!(e.path_below(""), "Square.side");
    let e = from_value::<Vec<u8>>(Value::Null).expect_err("null is not a list");
    assert_eq!(e.message(), "invalid type: null, expected a sequence");
    assert_eq!(e.path_below(""), "");
}
