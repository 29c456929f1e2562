//! Properties over generated inputs: the core never panics, every failure is a structured
//! error envelope naming a field, and rendering is deterministic.

use ocigen_core::{render_request, render_request_json};
use ocigen_tests::{request, services, snapshots};
use proptest::prelude::*;
use serde_json::Value;

fn envelope(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("the envelope is not JSON ({e}): {text}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any text as a request: a JSON envelope comes back, ok or a coded error.
    #[test]
    fn arbitrary_request_text_never_panics(text in ".{0,200}") {
        let v = envelope(&render_request_json(&text));
        prop_assert_eq!(&v["ok"], &Value::Bool(false));
        prop_assert!(v["error"]["code"].as_str().is_some_and(|c| c.starts_with("E_")));
    }

    /// Any memory string: either it renders, or the error names `resources.memory`.
    #[test]
    fn memory_values_render_or_name_the_field(memory in "[0-9]{0,22}(\\.[0-9]{0,3})?(Ki|Mi|Gi|Ti|K|M|G|T|k|m|g|t|Q|)") {
        let yaml = format!(
            "version: v1\ndeployment: prop\nservices:\n  web:\n    image: {{name: x}}\n    command: {{entrypoint: [/bin/app]}}\n    resources: {{memory: \"{memory}\"}}\n"
        );
        let snap = snapshots().into_iter().find(|s| s.stem == "nogpu-v2-root").expect("fixture");
        let mut req = request(&services()[0], &snap);
        req.service_text = yaml;
        req.options = None;
        req.image_config = None;
        req.passwd = None;
        req.group = None;
        let v = envelope(&render_request(&req));
        if v["ok"] == Value::Bool(true) {
            let limit = v["config"]["linux"]["resources"]["memory"]["limit"].as_i64();
            prop_assert!(limit.is_some_and(|l| l > 0), "rendered without a positive limit: {v}");
        } else {
            prop_assert_eq!(v["error"]["field"].as_str(), Some("services.web.resources.memory"), "{}", v);
        }
    }

    /// Service text mangled at a random place (a byte dropped): never a panic, and an error
    /// always carries a code.
    #[test]
    fn mangled_service_files_never_panic(svc_idx in 0usize..13, cut in 0usize..2000) {
        let all = services();
        let svc = &all[svc_idx % all.len()];
        let snap = &snapshots()[0];
        let mut req = request(svc, snap);
        let text = &svc.text;
        let cut = cut % text.len().max(1);
        if text.is_char_boundary(cut) && text.is_char_boundary(cut + 1) {
            req.service_text = format!("{}{}", &text[..cut], &text[cut + 1..]);
        }
        let first = render_request(&req);
        let v = envelope(&first);
        if v["ok"] != Value::Bool(true) {
            prop_assert!(v["error"]["code"].as_str().is_some_and(|c| c.starts_with("E_")));
        }
        prop_assert_eq!(first, render_request(&req), "not deterministic");
    }
}
