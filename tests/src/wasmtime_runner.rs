//! Build the core as a plain wasm32 module (ocigen-wasm, feature `cabi`) and run it in
//! wasmtime, so tests can compare its output with the native build byte for byte.
//!
//! Included by `tests/wasm_parity.rs` with `#[path]` (wasmtime is a dev-dependency, so
//! only the test binaries that need it link it).

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmtime::{Engine, Instance, Memory, Module, Store, TypedFunc};

/// Target dir of the nested build: its own, so it never waits for the lock of the `cargo test`
/// that runs us (which may itself use target-wasm/) nor flips features with the web build.
pub fn cabi_target_dir(repo: &Path) -> PathBuf {
    repo.join("target-wasm/cabi")
}

/// Where the module lands.
pub fn module_path(repo: &Path) -> PathBuf {
    cabi_target_dir(repo).join("wasm32-unknown-unknown/release/ocigen_wasm.wasm")
}

/// Whether rustup has the wasm32 standard library for the active toolchain.
pub fn wasm32_target_installed() -> bool {
    let sysroot = Command::new("rustc").arg("--print").arg("sysroot").output();
    match sysroot {
        Ok(out) if out.status.success() => {
            let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
            Path::new(&root)
                .join("lib/rustlib/wasm32-unknown-unknown/lib")
                .is_dir()
        }
        _ => false,
    }
}

/// Release-profile overrides for wasm builds (also in web-demo/build.sh). `strip = "debuginfo"`,
/// not `true`: wasm-bindgen needs the target_features section.
pub const SIZE_PROFILE: [(&str, &str); 5] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"),
    ("CARGO_PROFILE_RELEASE_LTO", "true"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ("CARGO_PROFILE_RELEASE_STRIP", "debuginfo"),
    ("CARGO_PROFILE_RELEASE_PANIC", "abort"),
];

/// `cargo build` the C-ABI module (a no-op when it is fresh); returns its path.
/// `OCIGEN_WASM_MODULE=<path>` uses a prebuilt module instead.
pub fn build_cabi_module(repo: &Path) -> Result<PathBuf, String> {
    if let Ok(prebuilt) = std::env::var("OCIGEN_WASM_MODULE") {
        return Ok(PathBuf::from(prebuilt));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(repo)
        .env("CARGO_TARGET_DIR", cabi_target_dir(repo))
        // The size-tuned profile web-demo/build.sh ships with: tests run what users get, and
        // a smaller module compiles much faster in (unoptimised) wasmtime.
        .envs(SIZE_PROFILE)
        .args([
            "build",
            "-p",
            "ocigen-wasm",
            "--no-default-features",
            "--features",
            "cabi",
        ])
        .args(["--target", "wasm32-unknown-unknown", "--release"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo build of the wasm32 C-ABI module failed ({status})"
        ));
    }
    let path = module_path(repo);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("cargo succeeded but {} is missing", path.display()))
    }
}

/// The compiled module. Compiling takes seconds: do it once per test binary.
pub struct WasmCore {
    engine: Engine,
    module: Module,
}

/// One instance: its own memory, reused across calls (which exercises `ocigen_dealloc`).
pub struct WasmInstance {
    store: Store<()>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    dealloc: TypedFunc<(u32, u32), ()>,
    render: TypedFunc<(u32, u32), u64>,
}

impl WasmCore {
    /// Compile the module at `path` with Cranelift.
    pub fn load(path: &Path) -> wasmtime::Result<WasmCore> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, path)?;
        Ok(WasmCore { engine, module })
    }

    /// `module::name` of every import. The C-ABI build must have none: the core does no I/O.
    pub fn imports(&self) -> Vec<String> {
        self.module
            .imports()
            .map(|i| format!("{}::{}", i.module(), i.name()))
            .collect()
    }

    /// Names of the module's exports.
    pub fn exports(&self) -> Vec<String> {
        self.module
            .exports()
            .map(|e| e.name().to_string())
            .collect()
    }

    /// A fresh instance (no imports are provided: the module must not need any).
    pub fn instantiate(&self) -> wasmtime::Result<WasmInstance> {
        let mut store = Store::new(&self.engine, ());
        let instance = Instance::new(&mut store, &self.module, &[])?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| wasmtime::format_err!("the module exports no `memory`"))?;
        Ok(WasmInstance {
            alloc: instance.get_typed_func(&mut store, "ocigen_alloc")?,
            dealloc: instance.get_typed_func(&mut store, "ocigen_dealloc")?,
            render: instance.get_typed_func(&mut store, "ocigen_render")?,
            memory,
            store,
        })
    }
}

impl WasmInstance {
    /// Render a request given as raw bytes (normally `RenderRequest` JSON); the envelope text.
    pub fn render_bytes(&mut self, request: &[u8]) -> wasmtime::Result<String> {
        let input = self.put(request)?;
        let rendered = self.call_render(input);
        // Free the input whatever happened to the call.
        self.free(input)?;
        let envelope = rendered?;
        let text = self.read(envelope);
        self.free(envelope)?;
        text
    }

    /// Copy `bytes` into the instance's memory; the (ptr, len) to render and then `free`.
    /// Split from `render_bytes` so a benchmark can time the call alone.
    pub fn put(&mut self, bytes: &[u8]) -> wasmtime::Result<(u32, u32)> {
        let len = u32::try_from(bytes.len())?;
        let ptr = self.alloc.call(&mut self.store, len)?;
        self.memory.write(&mut self.store, ptr as usize, bytes)?;
        Ok((ptr, len))
    }

    /// One `ocigen_render` call on a request already in memory: the envelope's (ptr, len),
    /// still in the instance's memory.
    pub fn call_render(&mut self, request: (u32, u32)) -> wasmtime::Result<(u32, u32)> {
        let packed = self.render.call(&mut self.store, request)?;
        Ok(((packed >> 32) as u32, (packed & 0xffff_ffff) as u32))
    }

    /// The text at (ptr, len) of the instance's memory.
    pub fn read(&self, (ptr, len): (u32, u32)) -> wasmtime::Result<String> {
        let mut out = vec![0u8; len as usize];
        self.memory.read(&self.store, ptr as usize, &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    /// Give (ptr, len) back to the module's allocator.
    pub fn free(&mut self, (ptr, len): (u32, u32)) -> wasmtime::Result<()> {
        self.dealloc.call(&mut self.store, (ptr, len))
    }

    /// Render a request given as JSON text.
    pub fn render(&mut self, request_json: &str) -> wasmtime::Result<String> {
        self.render_bytes(request_json.as_bytes())
    }

    /// Current size of the instance's linear memory, in bytes.
    pub fn memory_size(&self) -> usize {
        self.memory.data_size(&self.store)
    }
}
