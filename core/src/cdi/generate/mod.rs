//! A CDI spec for the host's NVIDIA GPUs, generated from the snapshot alone: what
//! `nvidia-ctk cdi generate` writes, for hosts that lack nvidia-ctk (the H200 of
//! host-facts.md has none, and no CDI files).
//!
//! What the spec holds, and why:
//! - devices `0`..`N-1` (by index), `GPU-<uuid>` (by UUID) and `all`, each with its
//!   `/dev/nvidia<minor>` node; a device per MIG compute instance (`<index>:gi<G>:ci<C>`)
//!   with the parent GPU's node and its two access capability nodes; `mig-config` and
//!   `mig-monitor` for the management capabilities, asked for by name only, since
//!   `mig-config` lets a container reconfigure the GPU under every other container;
//! - spec-level edits, applied with any device: `/dev/nvidiactl`, `/dev/nvidia-uvm`,
//!   `/dev/nvidia-uvm-tools`, `/dev/nvidia-modeset` where present; the driver's libraries
//!   and programs as read-only bind mounts into [`driver::CONTAINER_LIB_DIR`] and
//!   [`driver::CONTAINER_BIN_DIR`]; and `LD_LIBRARY_PATH` naming the library folder.
//! - every node carries its type, major, minor and mode from the host's stat, so applying
//!   the spec needs no further host fact and no node is guessed (uvm's major is dynamic).
//! - no hooks: nvidia-ctk's hooks (`update-ldcache`, `create-symlinks`) run `nvidia-cdi-hook`,
//!   which such hosts lack. Instead every link the loader resolves (`libcuda.so.1`) is
//!   mounted as well, as the file it resolves to, and `LD_LIBRARY_PATH` points the loader at
//!   the folder: an `LD_LIBRARY_PATH` the image or service sets is replaced (W011 when the
//!   service set it), and NVIDIA's CUDA images already list that folder.

pub mod driver;
mod emit;
mod nvidia;
mod render_option;
#[cfg(test)]
mod tests;

pub use emit::{to_json, to_yaml};
pub use nvidia::{
    cap_path, device_paths, generate, Generated, CDI_VERSION, KIND, LIBRARY_PATH_ENV,
};
pub use render_option::{snapshot_for_render, ForRender, GENERATED_DIR, GENERATED_FILE};
