//! Requirements cannot drift from what renders read: over the whole example matrix, every
//! snapshot fact the passes read (recorded by the core's `Host` view, errors included) is
//! gathered by a probe guided by `requirements()` for that service: a basic fact, or a
//! device, path or variable the requirements (expanded by the probed basics) list.

use ocigen_core::{render_recording, requirements};
use ocigen_tests::all_requests;

#[test]
fn every_fact_a_render_reads_is_required() {
    let (mut checked, mut failures) = (0, Vec::new());
    for (name, request) in all_requests() {
        let Ok(parsed) = request.parse() else {
            continue;
        };
        let (_, facts) = render_recording(&parsed.inputs());
        let req = requirements(&parsed.service, &parsed.options);
        checked += 1;
        for fact in facts {
            if !req.covers(&fact, &parsed.snapshot) {
                failures.push(format!(
                    "{name}: the render read `{fact}`, which requirements() does not list"
                ));
            }
        }
    }
    assert!(checked >= 100, "only {checked} pairs parsed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

mod generated {
    use ocigen_core::{render_recording, requirements, RenderRequest};
    use ocigen_tests::{request, services, snapshots};
    use proptest::prelude::*;
    use serde_json::Value;

    /// The 8-GPU host with CDI files, changed the ways real hosts differ: driver minors that
    /// are not the CUDA index, DRM cards numbered from elsewhere, a CDI node renamed, the
    /// current CDI file missing.
    fn host(
        minor_offset: u32,
        card_offset: u32,
        rename_cdi_node: bool,
        drop_run_cdi: bool,
    ) -> String {
        let base = snapshots()
            .into_iter()
            .find(|s| s.stem == "nvidia-8gpu-cdi-v2-root")
            .expect("fixture");
        let mut v: Value = serde_json::from_str(&base.json).expect("json");
        for g in v["nvidia_gpus"].as_array_mut().expect("gpus") {
            let i = g["index"].as_u64().unwrap_or(0);
            g["device_minor"] = (i + u64::from(minor_offset)).into();
        }
        v["drm_cards"] = (0..2u32)
            .map(|i| {
                let n = i + card_offset;
                serde_json::json!({"card": format!("/dev/dri/card{n}"), "index": n,
                    "render": format!("/dev/dri/renderD{}", 128 + n), "vendor": "0x1002"})
            })
            .collect();
        let files = v["cdi"]["files"].as_array_mut().expect("files");
        if drop_run_cdi {
            files.retain(|f| f["dir"] != "/var/run/cdi");
        }
        if rename_cdi_node {
            for f in files.iter_mut() {
                let text = f["text"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("/dev/nvidia-uvm-tools", "/dev/nvidia-uvm-tools-x");
                f["text"] = text.into();
            }
        }
        serde_json::to_string(&v).expect("json")
    }

    fn service(vendor: &str, count: u32, sharing: &str, device: bool, agent_env: bool) -> String {
        let mut s = format!(
            "version: v1\ndeployment: gen\nservices:\n  gen:\n    image: {{name: x}}\n    command: {{entrypoint: [/bin/app]}}\n    resources:\n      gpu: {{vendor: {vendor}, count: {count}{sharing}}}\n"
        );
        if device {
            s.push_str("    devices: [{path: /dev/fuse}, {path: /dev/sdz}]\n");
        }
        if agent_env {
            s.push_str("    env: {A: \"$E:HOME\", B: \"$E:UNSET_X\"}\n");
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Generated services on generated hosts: every fact read is required.
        #[test]
        fn generated_renders_read_only_required_facts(
            vendor in prop::sample::select(vec!["nvidia", "amd", "intel", "apple"]),
            count in 0u32..4,
            sharing in prop::sample::select(vec!["", ", sharing: mps", ", sharing: time-slice, time_slicing_config_path: /etc/ts.yaml"]),
            device in any::<bool>(),
            agent_env in any::<bool>(),
            minor_offset in 0u32..3,
            card_offset in 0u32..3,
            rename in any::<bool>(),
            drop_run in any::<bool>(),
            strict in any::<bool>(),
        ) {
            let mut req: RenderRequest = request(&services()[0], &snapshots()[0]);
            req.service_file = "gen.yaml".into();
            req.service_text = service(vendor, count, sharing, device, agent_env);
            req.snapshot_json = host(minor_offset, card_offset, rename, drop_run);
            req.image_config = None;
            req.passwd = None;
            req.group = None;
            let mut options = ocigen_core::RenderOptions::new("gen", 1);
            if strict {
                options.cdi_mode = ocigen_core::CdiMode::Strict;
            }
            req.options = Some(options);
            let parsed = req.parse().expect("generated inputs parse");
            let (_, facts) = render_recording(&parsed.inputs());
            let required = requirements(&parsed.service, &parsed.options);
            for fact in facts {
                prop_assert!(required.covers(&fact, &parsed.snapshot), "read `{}`, not required: {:?}", fact, required);
            }
        }
    }
}
