//! Bounded work (issue 14): a service with many env entries, tmpfs mounts and devices renders,
//! every entry once. The times for 100,000 / 10,000 / 10,000 are in the README (bench
//! `render`, example `large_render`); a quadratic pass would make this test take minutes.

use ocigen_core::render_request;
use ocigen_tests::large_request;
use serde_json::Value;

#[test]
fn many_env_entries_mounts_and_devices_render_each_once() {
    let (env, storage, devices) = (20_000, 2_000, 2_000);
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
