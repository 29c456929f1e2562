//! ocigen-wasm: the core for JavaScript and wasmtime.
//!
//! Two front ends over the core's one render entry, [`ocigen_core::render_request`]:
//! - feature `bindgen` (default): a wasm-bindgen API for the browser (`render`,
//!   `render_request`, `requirements`, `validate`, `explain`), JSON text in and out;
//! - feature `cabi`: a plain C ABI (`ocigen_alloc`, `ocigen_dealloc`, `ocigen_render`) with
//!   no imports at all, which the parity tests load in wasmtime.
//!
//! Errors never cross the boundary as a thrown string: every call returns an envelope,
//! `{"ok": false, "error": {"code", "message", "field"}}` on failure.
#![deny(unsafe_code)]

mod envelope;
pub mod page;

#[cfg(feature = "bindgen")]
mod bindgen;
#[cfg(feature = "cabi")]
pub mod cabi;

pub use envelope::{
    config_json_of, explain_envelope, render_envelope, request_from_parts, requirements_envelope,
    validate_config_envelope, validate_envelope,
};
