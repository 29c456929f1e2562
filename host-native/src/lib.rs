//! ocigen-host: probes the live host, resolves secrets, writes bundles.
pub use ocigen_core as core;
