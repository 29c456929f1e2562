//! Wasm parity: the core built for wasm32 (ocigen-wasm's C ABI, run in wasmtime) renders every
//! recorded snapshot x every example service to exactly the bytes the native build gives,
//! which are exactly the golden files. Also: the module imports nothing (the core does no
//! I/O), errors come back as the same structured envelopes, and memory is freed.
//!
//! The module is built by the first test that needs it (`cargo build --target
//! wasm32-unknown-unknown` into target-wasm/cabi/) and compiled once per binary. Without the wasm32
//! target this suite is SKIPPED loudly, or fails when CI=true.

#[path = "../src/wasmtime_runner.rs"]
mod wasmtime_runner;

use std::sync::OnceLock;

use ocigen_core::{render_request_json, RenderRequest};
use ocigen_tests::{
    check_golden, golden_path, in_ci, matrix, repo_root, request, services, skip_or_fail, snapshots,
};
use serde_json::Value;
use wasmtime_runner::{build_cabi_module, wasm32_target_installed, WasmCore, WasmInstance};

/// The compiled module, or None when this environment cannot build it (outside CI only).
fn wasm_core() -> Option<&'static WasmCore> {
    static CORE: OnceLock<Option<WasmCore>> = OnceLock::new();
    CORE.get_or_init(|| {
        if !wasm32_target_installed() && std::env::var("OCIGEN_WASM_MODULE").is_err() {
            skip_or_fail("the wasm32-unknown-unknown target is not installed (rustup target add wasm32-unknown-unknown)");
            return None;
        }
        let path = match build_cabi_module(&repo_root()) {
            Ok(p) => p,
            Err(e) => {
                skip_or_fail(&e);
                return None;
            }
        };
        // A module that builds but does not load is a bug, never a skip.
        let started = std::time::Instant::now();
        let core = WasmCore::load(&path).unwrap_or_else(|e| panic!("wasmtime cannot load {}: {e:?}", path.display()));
        eprintln!("wasm parity: compiled {} in {:.1?}", path.display(), started.elapsed());
        Some(core)
    })
    .as_ref()
}

fn instance(core: &WasmCore) -> WasmInstance {
    core.instantiate()
        .unwrap_or_else(|e| panic!("instantiating the module failed: {e:?}"))
}

fn request_json(r: &RenderRequest) -> String {
    serde_json::to_string(r).unwrap_or_else(|e| panic!("a RenderRequest always serializes: {e}"))
}

#[test]
fn module_imports_nothing_and_exports_the_c_abi() {
    let Some(core) = wasm_core() else { return };
    assert_eq!(
        core.imports(),
        Vec::<String>::new(),
        "the core must not import anything from its host"
    );
    let exports = core.exports();
    for name in ["memory", "ocigen_alloc", "ocigen_dealloc", "ocigen_render"] {
        assert!(
            exports.iter().any(|e| e == name),
            "missing export {name}; exports: {exports:?}"
        );
    }
}

#[test]
fn matrix_is_byte_identical_natively_in_wasmtime_and_in_goldens() {
    let Some(core) = wasm_core() else { return };
    let mut wasm = instance(core);
    let (mut failures, mut ok_renders) = (Vec::new(), 0);
    let pairs = matrix();
    for (svc, snap) in &pairs {
        let req = request_json(&request(svc, snap));
        let native = render_request_json(&req);
        let in_wasm = wasm
            .render(&req)
            .unwrap_or_else(|e| panic!("{} on {}: wasm trapped: {e:?}", svc.stem, snap.stem));
        if in_wasm != native {
            failures.push(format!(
                "{} on {}: wasm output differs from native",
                svc.stem, snap.stem
            ));
        } else if let Some(f) = check_golden(&golden_path(svc, snap), &native) {
            failures.push(f);
        }
        ok_renders += usize::from(native.contains("\n  \"ok\": true"));
    }
    assert!(
        failures.is_empty(),
        "{} parity failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The matrix must exercise real renders, not only error envelopes.
    assert!(
        ok_renders * 2 >= pairs.len(),
        "only {ok_renders} successful renders"
    );
}

/// Inputs that must fail, each with its code, the field its error must name (empty: the
/// whole request) and a part of its message.
const BAD_INPUTS: &[(&str, &str, &str, &str)] = &[
    ("{", "E_PARSE", "", "request:1:1: invalid JSON: "),
    (
        "{\"service_text\": \"image:\\n  name: x\\n\"}",
        "E_PARSE",
        "",
        "missing required key `snapshot_json`",
    ),
    (
        "{\"service_text\": \"image:\\n  name: x\\nresources:\\n  memory: lots\\n\", \"snapshot_json\": \"{}\"}",
        "E_INVALID",
        "resources.memory",
        "service.yaml:4:3: resources.memory: expected a size like 512Mi",
    ),
    (
        "{\"service_text\": \"image:\\n  name: x\\nno_such_key: 1\\n\", \"snapshot_json\": \"{}\"}",
        "E_PARSE",
        "no_such_key",
        "unknown key `no_such_key`",
    ),
    (
        "{\"service_text\": \"a\", \"snapshot_json\": \"{}\", \"service_text\": \"b\"}",
        "E_PARSE",
        "service_text",
        "`service_text` is given twice",
    ),
];

#[test]
fn errors_are_the_same_structured_envelopes_in_wasm() {
    let Some(core) = wasm_core() else { return };
    let mut wasm = instance(core);
    for (req, code, field_part, message_part) in BAD_INPUTS {
        let native = render_request_json(req);
        let in_wasm = wasm
            .render(req)
            .unwrap_or_else(|e| panic!("{req}: wasm trapped: {e:?}"));
        assert_eq!(in_wasm, native, "{req}");
        let v: Value =
            serde_json::from_str(&in_wasm).unwrap_or_else(|e| panic!("{req}: not JSON: {e}"));
        assert_eq!(v["ok"], false, "{req}: {v}");
        assert_eq!(v["error"]["code"], *code, "{req}: {v}");
        let field = v["error"]["field"].as_str().unwrap_or_default();
        assert!(
            field.contains(field_part),
            "{req}: field {field:?} should name {field_part:?}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(message_part)),
            "{req}: {v}"
        );
    }
    // Bytes that are not UTF-8 are an error envelope too, not a trap.
    let v: Value = serde_json::from_str(
        &wasm
            .render_bytes(b"{\"service_text\": \"\xff\"}")
            .expect("no trap"),
    )
    .expect("envelope is JSON");
    assert_eq!(
        (v["ok"].clone(), v["error"]["code"].clone()),
        (Value::Bool(false), Value::from("E_PARSE"))
    );
}

#[test]
fn repeated_renders_free_their_buffers() {
    let Some(core) = wasm_core() else { return };
    let (Some(svc), Some(snap)) = (
        services().into_iter().next(),
        snapshots().into_iter().next(),
    ) else {
        panic!("no fixtures");
    };
    let req = request_json(&request(&svc, &snap));
    let mut wasm = instance(core);
    let first = wasm.render(&req).expect("render");
    let settled = wasm.memory_size();
    for _ in 0..40 {
        assert_eq!(
            wasm.render(&req).expect("render"),
            first,
            "same input, same bytes"
        );
    }
    // A leak of even one envelope per call would have grown memory by pages by now.
    assert_eq!(
        wasm.memory_size(),
        settled,
        "linear memory grew over 40 identical renders"
    );
    if in_ci() {
        eprintln!("wasm parity: instance memory {} KiB", settled / 1024);
    }
}
