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

/// [`render_request`]'s envelope, with the error's line and column as data (`at`).
#[wasm_bindgen(js_name = renderLocated)]
pub fn render_located(request_json: &str) -> String {
    crate::page::render_located(request_json)
}

/// The core's semantic diff of two render envelopes.
#[wasm_bindgen(js_name = diffEnvelopes)]
pub fn diff_envelopes(a_json: &str, b_json: &str) -> String {
    crate::page::diff_envelopes(a_json, b_json)
}

/// The fleet check of one request over `[{"name", "snapshot_json"}]`.
#[wasm_bindgen]
pub fn fleet(request_json: &str, hosts_json: &str, baseline: &str) -> String {
    crate::page::fleet_report(request_json, hosts_json, baseline)
}

/// config.json text and the field of each of its lines.
#[wasm_bindgen(js_name = configView)]
pub fn config_view(envelope_json: &str) -> String {
    crate::page::config_view(envelope_json)
}

/// Provenance of a field, from an envelope's trace.
#[wasm_bindgen(js_name = explainIn)]
pub fn explain_in(envelope_json: &str, field: &str) -> String {
    crate::page::explain_in(envelope_json, field)
}

/// Line and column of a field path in a service text (JSON, or `null`).
#[wasm_bindgen(js_name = locateField)]
pub fn locate_field(service_text: &str, field: &str) -> String {
    crate::page::locate_field(service_text, field)
}

/// The image each service of a service text names.
#[wasm_bindgen]
pub fn images(service_text: &str) -> String {
    crate::page::images(service_text)
}

/// The version of this build, for the page footer.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
