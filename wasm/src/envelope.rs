//! The JavaScript-facing calls, as plain Rust over text. The render itself is the core's
//! [`ocigen_core::render_request`]: the same function the CLI, the golden tests and the C ABI
//! use, so the browser shows exactly what the tests check. This file only splits the
//! request into the three texts a page naturally has (service, snapshot, options).
//!
//! Every call returns a canonical JSON envelope, never a thrown string:
//! `{"ok": true, ...}` or `{"ok": false, "error": {"code", "message", "field"}}`.

use ocigen_core::canonical::to_canonical_json;
use ocigen_core::explain::entries_for;
use ocigen_core::read::{Source, Syntax};
use ocigen_core::request::error_envelope;
use ocigen_core::validate::validate_config_text;
use ocigen_core::{
    parse_service_file, render_request, requirements, Error, InputKind, RenderOptions,
    RenderRequest, Result, Trace,
};
use serde_json::{json, Map, Value};

/// Name of the options text in error messages.
const OPTIONS_FILE: &str = "options.json";

/// Build a [`RenderRequest`] from the page's three texts. `options_json` is a JSON object with
/// any of the request's other keys (`service`, `options`, `image_config`, `passwd`, `group`,
/// `service_file`); blank text means `{}`. Errors name the offending key
/// (`options.container_id.replica`) and its line in the options text.
pub fn request_from_parts(
    service_text: &str,
    snapshot_json: &str,
    options_json: &str,
) -> Result<RenderRequest> {
    let options = Source::new(InputKind::Request, OPTIONS_FILE, options_json, Syntax::Json);
    let mut map = if options_json.trim().is_empty() {
        Map::new()
    } else {
        match options.value()? {
            Value::Object(m) => m,
            // `value()` only returns maps.
            _ => Map::new(),
        }
    };
    for key in ["service_text", "snapshot_json"] {
        if map.contains_key(key) {
            return Err(options.error_at(
                key,
                "is given as its own argument; remove it from the options",
            ));
        }
    }
    map.insert("service_text".into(), Value::String(service_text.into()));
    map.insert("snapshot_json".into(), Value::String(snapshot_json.into()));
    options.typed(Value::Object(map), "")
}

/// `{"ok": true, ...fields}`, or the error envelope.
fn envelope(result: Result<Map<String, Value>>) -> String {
    match result {
        Ok(mut fields) => {
            fields.insert("ok".into(), Value::Bool(true));
            to_canonical_json(&Value::Object(fields))
        }
        Err(e) => error_envelope(&e),
    }
}

/// Render: the core's envelope (config, bundle files, diagnostics, trace, or the error).
pub fn render_envelope(service_text: &str, snapshot_json: &str, options_json: &str) -> String {
    match request_from_parts(service_text, snapshot_json, options_json) {
        Ok(request) => render_request(&request),
        Err(e) => error_envelope(&e),
    }
}

/// The canonical config.json text inside a render envelope (empty when it holds an error).
/// Done here, not in JavaScript: JS numbers lose u64 precision and reorder integer-like keys,
/// and the page's download must be byte-identical to the CLI's config.json.
pub fn config_json_of(envelope_text: &str) -> String {
    match serde_json::from_str::<Value>(envelope_text) {
        Ok(Value::Object(mut m)) if m.get("ok") == Some(&Value::Bool(true)) => m
            .remove("config")
            .map(|c| to_canonical_json(&c))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Which host facts rendering this service needs: `{"ok": true, "requirements": {...}}`.
/// The snapshot is not needed (this is what decides what to probe).
pub fn requirements_envelope(service_text: &str, options_json: &str) -> String {
    envelope(
        request_from_parts(service_text, "", options_json).and_then(|r| {
            let file = parse_service_file(&r.service_file, &r.service_text)?;
            let service = file.service(r.service.as_deref())?;
            let options = r
                .options
                .unwrap_or_else(|| RenderOptions::for_service(service.name.clone()));
            let reqs = serde_json::to_value(requirements(&service, &options)).map_err(|e| {
                Error::Internal {
                    message: e.to_string(),
                }
            })?;
            Ok(Map::from_iter([("requirements".to_string(), reqs)]))
        }),
    )
}

/// Check a service file alone: `{"ok": true, "services": [names]}` (empty for a bare spec).
pub fn validate_envelope(service_text: &str) -> String {
    envelope(
        parse_service_file("service.yaml", service_text)
            .map(|file| Map::from_iter([("services".to_string(), json!(file.service_names()))])),
    )
}

/// Check a config.json text (the page's output or one pasted in) with the same rules as
/// `ocigen validate`: `{"ok": true, "problems": [{"field", "message"}...]}`; an empty list
/// means it passed. Problems are the answer, not a failure, so `ok` stays true.
///
/// Not exported to JavaScript yet: the shape check deserializes a whole OCI `Spec`, which
/// grows the browser module from 515 KB to 895 KB gzip (measured with web-demo/build.sh).
/// The page renders its configs itself and does not need it; export it from bindgen.rs when
/// it offers checking a pasted config.json.
pub fn validate_config_envelope(config_json: &str) -> String {
    let problems = validate_config_text(config_json);
    envelope(
        serde_json::to_value(problems)
            .map(|p| Map::from_iter([("problems".to_string(), p)]))
            .map_err(|e| Error::Internal {
                message: e.to_string(),
            }),
    )
}

/// Where the output at `target` came from: the trace entries [`entries_for`] selects
/// (`linux.devices` lists each device; a leaf inside a recorded field, that field's), oldest first:
/// `{"ok": true, "target": "...", "entries": [...]}`.
pub fn explain_envelope(
    service_text: &str,
    snapshot_json: &str,
    options_json: &str,
    target: &str,
) -> String {
    let rendered: Value =
        match serde_json::from_str(&render_envelope(service_text, snapshot_json, options_json)) {
            Ok(v) => v,
            Err(e) => {
                return error_envelope(&Error::Internal {
                    message: e.to_string(),
                })
            }
        };
    if rendered["ok"] != Value::Bool(true) {
        // Already an error envelope: pass it on unchanged.
        return to_canonical_json(&rendered);
    }
    // The core's one filter, as `ocigen explain --field`: the field and those below it, or
    // the nearest recorded field above it.
    let trace: Trace = serde_json::from_value(rendered["trace"].clone()).unwrap_or_default();
    let entries: Vec<Value> = entries_for(&trace, target)
        .into_iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    envelope(Ok(Map::from_iter([
        ("target".to_string(), json!(target)),
        ("entries".to_string(), Value::Array(entries)),
    ])))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = "image:\n  name: nginx\n";

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("envelopes are JSON")
    }

    #[test]
    fn bad_snapshot_is_a_structured_error_with_a_field() {
        let v = parse(&render_envelope(
            SERVICE,
            "{\"snapshot_version\": \"x\"}",
            "",
        ));
        assert_eq!(v["ok"], false);
        assert_eq!(v["error"]["code"], "E_PARSE");
        assert_eq!(v["error"]["field"], "snapshot_version");
    }

    #[test]
    fn options_errors_name_the_option() {
        let err = request_from_parts(
            SERVICE,
            "{}",
            "{\"options\": {\"container_id\": {\"service\": \"a\", \"replica\": -1}}}",
        )
        .expect_err("negative replica");
        assert_eq!(err.field(), Some("options.container_id.replica"));
        let err = request_from_parts(SERVICE, "{}", "{\"service\": 3}")
            .expect_err("service must be text");
        assert_eq!(err.field(), Some("service"));
        let err = request_from_parts(SERVICE, "{}", "[1]").expect_err("not an object");
        assert_eq!(err.code(), "E_PARSE");
        let err = request_from_parts(SERVICE, "{}", "{\"typo\": 1}").expect_err("unknown key");
        assert_eq!(
            err.to_string(),
            "options.json:1:2: typo: unknown key `typo`"
        );
        let err =
            request_from_parts(SERVICE, "{}", "{\"servce\": \"web\"}").expect_err("misspelt key");
        assert!(
            err.to_string().ends_with("did you mean `service`?"),
            "{err}"
        );
        let err = request_from_parts(SERVICE, "{}", "{\"service\": \"a\", \"service\": \"b\"}")
            .expect_err("duplicate key");
        assert_eq!(err.field(), Some("service"));
        let err = request_from_parts(SERVICE, "{}", "{\"service_text\": \"x\"}")
            .expect_err("duplicate input");
        assert_eq!(err.field(), Some("service_text"));
    }

    #[test]
    fn parts_make_the_same_request_as_the_typed_form() {
        let req = request_from_parts(
            SERVICE,
            "{}",
            "{\"service\": \"web\", \"passwd\": \"root:x:0:0::/:/bin/sh\\n\"}",
        )
        .expect("valid parts");
        assert_eq!(req.service.as_deref(), Some("web"));
        assert_eq!(req.service_text, SERVICE);
        assert_eq!(req.snapshot_json, "{}");
        assert_eq!(req.passwd.as_deref(), Some("root:x:0:0::/:/bin/sh\n"));
        assert_eq!(req.options, None);
        assert_eq!(
            request_from_parts(SERVICE, "{}", "  ")
                .expect("blank options")
                .service,
            None
        );
    }

    #[test]
    fn validate_lists_services_or_names_the_bad_key() {
        assert_eq!(
            parse(&validate_envelope(SERVICE)),
            json!({"ok": true, "services": []})
        );
        let bad = parse(&validate_envelope(
            "{\"image\": {\"name\": \"nginx\"}, \"no_such_key\": 1}",
        ));
        assert_eq!(bad["ok"], false);
        assert!(
            bad["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("no_such_key")),
            "{bad}"
        );
    }

    #[test]
    fn validate_config_lists_problems_by_field() {
        let v = parse(&validate_config_envelope(
            "{\"process\": {\"cwd\": \"app\"}}",
        ));
        assert_eq!(v["ok"], true);
        assert_eq!(v["problems"][0]["field"], "process.cwd");
        let v = parse(&validate_config_envelope("not json"));
        assert_eq!(v["problems"][0]["field"], "");
    }

    #[test]
    fn explain_passes_render_errors_through() {
        let v = parse(&explain_envelope(SERVICE, "not json", "", "process.args"));
        assert_eq!(v["ok"], false);
        assert_eq!(v["error"]["code"], "E_PARSE");
    }

    #[test]
    fn config_json_is_extracted_canonically_or_empty() {
        let env = "{\"ok\": true, \"config\": {\"b\": 18446744073709551615, \"a\": {\"10\": 1, \"9\": 2}}}";
        assert_eq!(
            config_json_of(env),
            "{\n  \"a\": {\n    \"10\": 1,\n    \"9\": 2\n  },\n  \"b\": 18446744073709551615\n}\n"
        );
        assert_eq!(config_json_of("{\"ok\": false, \"error\": {}}"), "");
        assert_eq!(config_json_of("not json"), "");
    }
}
