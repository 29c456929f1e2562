//! A minimal C ABI for hosts without wasm-bindgen (wasmtime in the parity tests).
//!
//! Protocol (all lengths in bytes, all text UTF-8):
//! 1. the host calls `ocigen_alloc(len)` for each input and writes the bytes at the pointer;
//! 2. it calls `ocigen_render(req, req_len)` with a `RenderRequest` as JSON, which returns
//!    `(ptr << 32) | len` of the JSON envelope (see [`ocigen_core::render_request_json`]);
//! 3. it reads the envelope and frees both buffers, the input included, with
//!    `ocigen_dealloc(ptr, len)`. `ocigen_render` never takes ownership of its inputs.
//!
//! Every buffer is a `Box<[u8]>` of exactly `len` bytes, so `(ptr, len)` is all that is
//! needed to free it. This is the only unsafe code in the project; the core forbids it.
#![allow(unsafe_code)]

use ocigen_core::request::error_envelope;
use ocigen_core::{Error, FieldPath, InputKind};

/// Allocate `len` zeroed bytes for the host to fill.
#[unsafe(no_mangle)]
pub extern "C" fn ocigen_alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()).cast::<u8>()
}

/// Free a buffer from [`ocigen_alloc`] or [`ocigen_render`].
///
/// # Safety
/// `ptr` and `len` must come from one of those calls, and the buffer must not be freed twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ocigen_dealloc(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: per the contract, (ptr, len) is a leaked Box<[u8]> of exactly len bytes.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
}

/// Render a `RenderRequest` given as JSON text (see [`ocigen_core::render_request_json`]);
/// returns the envelope as `(ptr << 32) | len`, to be freed with [`ocigen_dealloc`].
///
/// # Safety
/// `(req, req_len)` must be a live buffer from [`ocigen_alloc`] (or have `req_len == 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ocigen_render(req: *const u8, req_len: usize) -> u64 {
    let bytes: &[u8] = if req_len == 0 {
        &[]
    } else {
        // SAFETY: per the contract, req points at req_len initialised bytes that outlive the call.
        unsafe { std::slice::from_raw_parts(req, req_len) }
    };
    let out = match std::str::from_utf8(bytes) {
        Ok(text) => ocigen_core::render_request_json(text),
        Err(e) => error_envelope(&Error::parse(
            FieldPath::new(InputKind::Request, "").in_file("request"),
            format!("not UTF-8 text: {e}"),
        )),
    };
    // Hand the bytes over as an exact-length box; pointers and lengths are 32-bit on wasm32.
    let len = out.len();
    let ptr = Box::into_raw(out.into_bytes().into_boxed_slice()).cast::<u8>();
    ((ptr as usize as u64) << 32) | (len as u64 & 0xffff_ffff)
}
