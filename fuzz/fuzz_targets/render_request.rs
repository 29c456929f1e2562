//! Whole-request entry (`render_request_json`, what the wasm module and the CLI share): any
//! text in, always a JSON envelope out, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let out = ocigen_core::render_request_json(text);
    let envelope: Value = match serde_json::from_str(&out) {
        Ok(v) => v,
        Err(e) => panic!("envelope is not JSON ({e}): {out}"),
    };
    match envelope.get("ok") {
        Some(Value::Bool(true)) => {
            assert!(
                envelope.get("config").is_some_and(Value::is_object),
                "ok envelope without a config object: {out}"
            );
            // Same request, same bytes: the render must be a pure function of its input.
            assert_eq!(
                out,
                ocigen_core::render_request_json(text),
                "render is not deterministic"
            );
        }
        Some(Value::Bool(false)) => {
            let code = envelope
                .pointer("/error/code")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("error envelope without error.code: {out}"));
            assert!(
                code.starts_with("E_"),
                "error code {code:?} does not start with E_"
            );
            assert!(
                envelope
                    .pointer("/error/message")
                    .is_some_and(Value::is_string),
                "error envelope without a message: {out}"
            );
        }
        _ => panic!("envelope has no boolean `ok`: {out}"),
    }
});
