//! ocigen-wasm: the core for JavaScript and wasmtime.
