//! ocigen-host: probes the live host, resolves secrets, writes bundles, and hosts the
//! `ocigen` command line (the binary in `main.rs` is a thin wrapper over [`cli`]).
//!
//! Everything here reads the host through an injectable [`probe::HostRoot`] (a root
//! directory prefix plus an environment map) so tests can probe a fake host tree.
pub use ocigen_core as core;

pub mod bundle;
pub mod capnames;
pub mod cgroup_leaf;
pub mod cli;
pub mod error;
pub mod input;
pub mod oci_schema;
pub mod preflight;
pub mod probe;
pub mod secrets;

pub use error::{HostError, HostResult};
/// Config validation is pure, so it lives in the core (the page uses it too); kept at this
/// path for agents that call `ocigen_host::validate`.
pub use ocigen_core::validate;
pub use probe::{probe, HostRoot};
