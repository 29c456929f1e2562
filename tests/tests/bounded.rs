//! Bounded work (issue 14): a service with many env entries, tmpfs mounts and devices renders,
//! every entry once. The times for 100,000 / 10,000 / 10,000 are in the README (bench
//! `render`, example `large_render`); a quadratic pass would make this test take minutes.

use ocigen_core::render_request;
use ocigen_tests::{large_request, request, services, snapshots};
use serde_json::Value;

#[test]
fn many_env_entries_mounts_and_devices_render_each_once() {
    let (env, storage, devices) = (20_000, 10_000, 2_000);
    let out = render_request(&large_request(env, storage, devices));
    let v: Value = serde_json::from_str(&out).expect("envelope JSON");
    assert_eq!(v["ok"], Value::Bool(true), "{}", &out[..out.len().min(600)]);
    let config = &v["config"];
    let count = |pointer: &str| {
        config
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    // PATH and TERM come on top of the service's variables.
    assert_eq!(count("/process/env"), env + 2);
    let scratch = config["mounts"].as_array().map_or(0, |m| {
        m.iter()
            .filter(|m| {
                m["destination"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("/scratch/"))
            })
            .count()
    });
    assert_eq!(scratch, storage);
    let big = config["linux"]["devices"].as_array().map_or(0, |d| {
        d.iter()
            .filter(|d| {
                d["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/dev/big"))
            })
            .count()
    });
    assert_eq!(big, devices);
    let rules = config["linux"]["resources"]["devices"]
        .as_array()
        .map_or(0, |r| r.iter().filter(|r| r["major"] == 240).count());
    assert_eq!(rules, devices, "one exact rule per node");
}

/// A CDI spec with thousands of edits, some repeating a key: each env key, node and mount
/// destination once (the last one), in n log n time.
#[test]
fn a_cdi_spec_with_many_edits_keeps_the_last_of_each() {
    let n = 5_000;
    let env: Vec<String> = (0..n)
        .map(|i| format!("\"E{}=v{i}\"", i % (n / 2)))
        .collect();
    let mounts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{{hostPath: /srv/m{i}, containerPath: /m/{}, options: [ro, rbind]}}",
                i % (n / 2)
            )
        })
        .collect();
    let spec = format!(
        "cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices:\n  - name: \"0\"\n    containerEdits:\n      deviceNodes: [{{path: /dev/nvidia0}}]\n      env: [{}]\n      mounts: [{}]\n",
        env.join(", "),
        mounts.join(", ")
    );
    let snap = snapshots()
        .into_iter()
        .find(|s| s.stem == "nvidia-h200-cdi")
        .expect("fixture");
    let mut v: Value = serde_json::from_str(&snap.json).expect("json");
    v["cdi"]["files"][0]["text"] = spec.into();
    let mut req = request(&services()[0], &snap);
    req.snapshot_json = v.to_string();
    req.service_text = "version: v1\ndeployment: cdi\nservices:\n  web:\n    image: {name: x}\n    command: {entrypoint: [/bin/app]}\n    resources: {gpu: {count: 1}}\n".into();
    req.options = Some(ocigen_core::RenderOptions::new("web", 1));
    req.image_config = None;
    req.passwd = None;
    req.group = None;
    let out: Value = serde_json::from_str(&render_request(&req)).expect("envelope");
    assert_eq!(out["ok"], Value::Bool(true), "{}", out["error"]);
    let env = out["config"]["process"]["env"].as_array().expect("env");
    let e0: Vec<&str> = env
        .iter()
        .filter_map(Value::as_str)
        .filter(|e| e.starts_with("E0="))
        .collect();
    assert_eq!(e0, [format!("E0=v{}", n / 2)], "the last value of E0, once");
    let m: Vec<&Value> = out["config"]["mounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .filter(|m| {
            m["destination"]
                .as_str()
                .is_some_and(|d| d.starts_with("/m/"))
        })
        .collect();
    assert_eq!(m.len(), n / 2);
    assert!(m
        .iter()
        .any(|m| m["destination"] == "/m/0" && m["source"] == format!("/srv/m{}", n / 2)));
}
