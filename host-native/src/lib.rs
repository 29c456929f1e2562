//! ocigen-host: the host side of [ocigen](crate::core). It probes the live host into a
//! snapshot, resolves secrets, writes OCI bundles atomically, prepares the cgroup leaf,
//! checks a kept snapshot for drift, and hosts the `ocigen` command line (the binary in
//! `main.rs` is a thin wrapper over [`cli`]).
//!
//! A node agent on tokio starts at [`agent`]: one [`agent::Agent`] probes exactly what a
//! service needs, renders it (the pure core is re-exported as [`core`]), writes one bundle
//! per container and re-checks its snapshot before the next render, doing all host work on
//! tokio's blocking pool. The blocking functions under it ([`probe()`], [`bundle`],
//! [`drift`], [`cgroup_leaf`], [`secrets`]) are public too, for agents without tokio.
//!
//! Everything here reads the host through an injectable [`probe::HostRoot`] (a root
//! directory prefix plus an environment map) so tests can probe a fake host tree.
//!
//! ```
//! use ocigen_host::{drift, probe, HostRoot};
//!
//! // Probe the live host (the basics and the default device nodes), then check the
//! // snapshot against the host again: nothing moved in between.
//! let host = HostRoot::live();
//! let snapshot = probe(&host, None)?;
//! let report = drift::check(&host, &snapshot)?;
//! assert!(report.is_clean(), "{:?}", report.changes);
//! # Ok::<(), ocigen_host::HostError>(())
//! ```
#![warn(missing_docs)]

/// The pure renderer, [`ocigen_core`], re-exported so an agent needs one dependency.
pub use ocigen_core as core;

pub mod agent;
pub mod bundle;
pub mod capnames;
pub mod cgroup_leaf;
// The `ocigen` binary's argument types and commands: not a library API (they change with
// the command line), so hidden from the docs and from semver promises.
#[doc(hidden)]
pub mod cli;
pub mod drift;
pub mod error;
pub mod probe;
pub mod secrets;

pub use error::{HostError, HostResult};
/// Config validation is pure, so it lives in the core (the page uses it too); kept at this
/// path for agents that call `ocigen_host::validate`.
pub use ocigen_core::validate;
pub use probe::{probe, HostRoot};
