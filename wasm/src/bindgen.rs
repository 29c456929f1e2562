//! The browser API. Strings in, JSON envelope strings out: the page does `JSON.parse` and
//! checks `ok`. Plain strings keep the glue (and the module) small and the output identical
//! to what the native tests compare.

use wasm_bindgen::prelude::wasm_bindgen;

/// Render a service on a snapshot. `options_json` holds the request's other keys
/// (`service`, `options`, `image_config`, `passwd`, `group`); it may be empty.
#[wasm_bindgen]
pub fn render(service_text: &str, snapshot_json: &str, options_json: &str) -> String {
    crate::render_envelope(service_text, snapshot_json, options_json)
}

/// Render a whole `RenderRequest` given as JSON (what the C ABI and the tests use).
#[wasm_bindgen(js_name = renderRequest)]
pub fn render_request(request_json: &str) -> String {
    ocigen_core::render_request_json(request_json)
}

/// The canonical config.json text of a render envelope ("" for an error envelope).
#[wasm_bindgen(js_name = configJson)]
pub fn config_json(envelope_json: &str) -> String {
    crate::envelope::config_json_of(envelope_json)
}

/// The host facts rendering this service needs (what `ocigen probe --for` gathers).
#[wasm_bindgen]
pub fn requirements(service_text: &str, options_json: &str) -> String {
    crate::requirements_envelope(service_text, options_json)
}

/// Parse and check a service file alone; lists its service names.
#[wasm_bindgen]
pub fn validate(service_text: &str) -> String {
    crate::validate_envelope(service_text)
}

/// Provenance of one output field (and the fields below it).
#[wasm_bindgen]
pub fn explain(
    service_text: &str,
    snapshot_json: &str,
    options_json: &str,
    target: &str,
) -> String {
    crate::explain_envelope(service_text, snapshot_json, options_json, target)
}

/// The version of this build, for the page footer.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
