//! The calls the web page's worker makes besides rendering: the core's semantic diff and
//! fleet check, the config view's line-to-field map, explain from an envelope the page
//! already has, and where a field is in the service text. Text in, canonical JSON out, as in
//! [`crate::envelope`]; the logic is the core's, so the page says what the CLI says.

use ocigen_core::canonical::to_canonical_json;
use ocigen_core::diff::{diff, keys::line_fields, Side};
use ocigen_core::explain::entries_for;
use ocigen_core::fleet::{fleet, Baseline, FleetHost};
use ocigen_core::read::{locate, Source, Syntax};
use ocigen_core::request::{error_envelope, located_error_envelope};
use ocigen_core::{
    parse_service_file, render_request_located, render_request_recording, Error, InputKind,
    RenderRequest, Trace,
};
use serde::Deserialize;
use serde_json::{json, Value};

fn internal(message: impl Into<String>) -> String {
    error_envelope(&Error::Internal {
        message: message.into(),
    })
}

fn read_request(request_json: &str) -> Result<RenderRequest, Error> {
    Source::new(InputKind::Request, "request", request_json, Syntax::Json).read()
}

/// The render envelope with the error's place as data (`at`: input, file, line, column,
/// fact), which the page needs to mark the editor line; otherwise `renderRequest`'s bytes.
pub fn render_located(request_json: &str) -> String {
    match read_request(request_json) {
        Ok(r) => render_request_located(&r),
        Err(e) => located_error_envelope(&e),
    }
}

fn side_of(envelope_json: &str) -> Result<Side, String> {
    let v: Value = serde_json::from_str(envelope_json).map_err(|e| e.to_string())?;
    Side::from_envelope(&v)
}

/// The core's diff of two render envelopes (either may hold an error).
pub fn diff_envelopes(a_json: &str, b_json: &str) -> String {
    match (side_of(a_json), side_of(b_json)) {
        (Ok(a), Ok(b)) => to_canonical_json(&diff(&a, &b)),
        (Err(e), _) | (_, Err(e)) => internal(e),
    }
}

#[derive(Deserialize)]
struct HostText {
    name: String,
    snapshot_json: String,
}

/// The fleet check: `request_json` rendered on each host of `hosts_json`
/// (`[{"name", "snapshot_json"}]`), compared with the majority (`baseline` "majority") or the
/// first host ("first").
pub fn fleet_report(request_json: &str, hosts_json: &str, baseline: &str) -> String {
    let request = match read_request(request_json) {
        Ok(r) => r,
        Err(e) => return error_envelope(&e),
    };
    let hosts: Vec<HostText> = match serde_json::from_str(hosts_json) {
        Ok(h) => h,
        Err(e) => return internal(format!("hosts: {e}")),
    };
    let baseline = if baseline == "first" {
        Baseline::First
    } else {
        Baseline::Majority
    };
    let hosts: Vec<FleetHost> = hosts
        .into_iter()
        .map(|h| {
            let r = RenderRequest {
                snapshot_json: h.snapshot_json,
                ..request.clone()
            };
            let (result, facts_read) = render_request_recording(&r);
            FleetHost {
                name: h.name,
                side: Side::of(&result),
                facts_read,
                snapshot: serde_json::from_str(&r.snapshot_json).ok(),
            }
        })
        .collect();
    to_canonical_json(&fleet(&hosts, baseline))
}

/// The config view of a render envelope: the canonical config.json text and, per line, the
/// field it belongs to (what a click explains). Empty for an error envelope.
pub fn config_view(envelope_json: &str) -> String {
    let v: Value = serde_json::from_str(envelope_json).unwrap_or(Value::Null);
    let config = match v.get("config") {
        Some(c) if v["ok"] == Value::Bool(true) => c,
        _ => return to_canonical_json(&json!({"text": "", "fields": []})),
    };
    to_canonical_json(&json!({
        "text": to_canonical_json(config),
        "fields": line_fields(config),
    }))
}

/// Where `field` of config.json came from, read from an envelope's trace with the core's
/// one filter ([`entries_for`], as `ocigen explain --field`): `{"target", "entries"}`.
pub fn explain_in(envelope_json: &str, field: &str) -> String {
    let v: Value = serde_json::from_str(envelope_json).unwrap_or(Value::Null);
    let trace: Trace = serde_json::from_value(v["trace"].clone()).unwrap_or_default();
    let entries: Vec<Value> = entries_for(&trace, field)
        .into_iter()
        .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
        .collect();
    to_canonical_json(&json!({"ok": true, "target": field, "entries": entries}))
}

/// The line and column of a field path (`services.web.env.A`) in a service text, or `null`.
pub fn locate_field(service_text: &str, field: &str) -> String {
    to_canonical_json(&locate(service_text, field))
}

/// The image each service of a service text names (`{"ok": true, "images": {"web": "nginx"}}`),
/// so the page can tell when an example's image config no longer applies.
pub fn images(service_text: &str) -> String {
    match parse_service_file("service.yaml", service_text) {
        Ok(file) => {
            let names: Vec<Option<String>> = if file.service_names().is_empty() {
                vec![None]
            } else {
                file.service_names().into_iter().map(Some).collect()
            };
            let images: serde_json::Map<String, Value> = names
                .into_iter()
                .filter_map(|n| {
                    let s = file.service(n.as_deref()).ok()?;
                    Some((s.name.clone(), json!(s.spec.image.name)))
                })
                .collect();
            to_canonical_json(&json!({"ok": true, "images": images}))
        }
        Err(e) => error_envelope(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::explain_envelope;

    const SERVICE: &str = "image:\n  name: nginx\ncommand:\n  entrypoint: [/bin/app]\ndevices:\n  - path: /dev/fuse\n";

    fn snapshot() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/snapshots/nogpu-v2-root.json"
        ))
        .expect("fixture")
    }

    fn request(snapshot: &str) -> String {
        json!({"service_text": SERVICE, "snapshot_json": snapshot}).to_string()
    }

    #[test]
    fn explain_from_an_envelope_is_explain_from_texts() {
        let snap = snapshot();
        let envelope = render_located(&request(&snap));
        for field in [
            "linux.devices",
            "process.args",
            "linux.devices./dev/fuse.major",
            "process.env",
            "",
        ] {
            let a: Value = serde_json::from_str(&explain_in(&envelope, field)).expect("JSON");
            let b: Value =
                serde_json::from_str(&explain_envelope(SERVICE, &snap, "", field)).expect("JSON");
            assert_eq!(a["entries"], b["entries"], "{field}");
            assert!(
                !a["entries"].as_array().expect("list").is_empty(),
                "{field}"
            );
        }
    }

    #[test]
    fn located_errors_carry_the_line() {
        let bad = json!({"service_text": "image:\n  name: x\nresources:\n  memory: lots\n", "snapshot_json": snapshot()});
        let v: Value = serde_json::from_str(&render_located(&bad.to_string())).expect("JSON");
        assert_eq!(v["ok"], false);
        assert_eq!(v["at"]["input"], "service");
        assert_eq!(v["at"]["line"], 4);
        assert_eq!(v["error"]["field"], "resources.memory");
    }

    #[test]
    fn both_failing_the_same_way_is_equal_and_says_so() {
        let e = render_located(&request("{}"));
        let d: Value = serde_json::from_str(&diff_envelopes(&e, &e)).expect("JSON");
        assert_eq!(d["equal"], true);
        assert_eq!(d["a"]["ok"], false);
        let ok = render_located(&request(&snapshot()));
        let d: Value = serde_json::from_str(&diff_envelopes(&ok, &e)).expect("JSON");
        assert_eq!(d["changes"][0]["path"], "error");
    }

    #[test]
    fn fleet_and_views() {
        let hosts = json!([{"name": "a", "snapshot_json": snapshot()}, {"name": "b", "snapshot_json": "{}"}]);
        let f: Value =
            serde_json::from_str(&fleet_report(&request(""), &hosts.to_string(), "majority"))
                .expect("JSON");
        assert_eq!(f["rendering"], 1);
        assert_eq!(f["rows"][1]["ok"], false);
        let view: Value =
            serde_json::from_str(&config_view(&render_located(&request(&snapshot()))))
                .expect("JSON");
        let lines = view["text"].as_str().expect("text").lines().count();
        assert_eq!(view["fields"].as_array().expect("fields").len(), lines);
        assert_eq!(
            locate_field(SERVICE, "devices[0].path"),
            "{\n  \"column\": 5,\n  \"line\": 6\n}\n"
        );
        let i: Value = serde_json::from_str(&images(SERVICE)).expect("JSON");
        assert_eq!(i["ok"], true);
    }
}
