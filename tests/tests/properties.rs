//! Properties over generated inputs: the core never panics, every failure is a structured
//! error envelope naming a field, and rendering is deterministic.

use ocigen_core::{render_request, render_request_json, Preset, RenderOptions};
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

    /// Seccomp is on unless privileged or asked off: a privileged render never has a profile,
    /// an unprivileged one always has one unless `seccomp=unconfined`, under every preset, on
    /// every host kind, whatever else `security_opt` and the capabilities say.
    #[test]
    fn seccomp_unless_privileged_or_unconfined(
        privileged in any::<bool>(),
        seccomp in prop::sample::select(vec!["", "seccomp=unconfined", "seccomp=builtin", "seccomp:unconfined"]),
        others in prop::sample::subsequence(vec!["no-new-privileges", "systempaths=unconfined", "no-new-privileges=false", "label=disable"], 0..=2),
        cap_add in prop::sample::subsequence(vec!["SYS_ADMIN", "SYS_PTRACE", "NET_ADMIN", "BPF", "SYS_CHROOT"], 0..=3),
        cap_drop in prop::sample::subsequence(vec!["ALL", "CHOWN", "SYS_CHROOT", "NET_RAW"], 0..=2),
        preset in prop::sample::select(Preset::ALL.to_vec()),
        snap in prop::sample::select(vec!["nogpu-v2-root", "ci-hybrid-v1", "rootless-v2-user-slice", "v1-root", "intel-v2-systemd"]),
    ) {
        // Two no-new-privileges entries contradict; keep one.
        let mut opts: Vec<&str> = others;
        if opts.iter().filter(|o| o.starts_with("no-new")).count() > 1 {
            opts.retain(|o| *o != "no-new-privileges=false");
        }
        if !seccomp.is_empty() {
            opts.push(seccomp);
        }
        let list = |v: &[&str]| format!("[{}]", v.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(", "));
        let yaml = format!(
            "version: v1\ndeployment: prop\nservices:\n  web:\n    image: {{name: x}}\n    command: {{entrypoint: [/bin/app]}}\n    privileged: {privileged}\n    security_opt: {}\n    cap_add: {}\n    cap_drop: {}\n",
            list(&opts), list(&cap_add), list(&cap_drop)
        );
        let snap = snapshots().into_iter().find(|s| s.stem == snap).expect("fixture");
        let mut req = request(&services()[0], &snap);
        req.service_text = yaml;
        let mut options = RenderOptions::new("web", 0);
        options.preset = preset;
        req.options = Some(options);
        req.image_config = None;
        req.passwd = None;
        req.group = None;
        let v = envelope(&render_request(&req));
        prop_assert_eq!(&v["ok"], &Value::Bool(true), "{}", v);
        let has = v["config"]["linux"].get("seccomp").is_some();
        let unconfined = seccomp.ends_with("unconfined");
        prop_assert_eq!(has, !privileged && !unconfined, "privileged {} {:?}: {}", privileged, opts, v["config"]["linux"]);
        if has {
            let names = v["config"]["linux"]["seccomp"]["syscalls"].as_array().map_or(0, Vec::len);
            prop_assert!(names > 0, "an empty profile");
        }
    }
}
