//! ocigen-core: a pure function from (ServiceSpec, image config, render options, host-probe
//! snapshot) to an OCI runtime spec, the bundle files it needs, diagnostics and provenance.
//!
//! No I/O of any kind: no files, environment, clock, randomness or processes. Every host fact
//! arrives in the [`Snapshot`]. It builds for `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]

pub mod assemble;
pub mod canonical;
pub mod cdi;
pub mod cgroup_leaf;
pub mod checks;
pub mod defaults;
pub mod diagnostic_code;
pub mod diff;
pub mod draft;
pub mod error;
pub mod etc_hosts;
pub mod explain;
pub mod field;
pub mod fleet;
pub mod gpu;
pub mod image;
pub mod image_user;
pub mod inputs;
pub mod locate;
pub mod ns_modes;
pub mod options;
pub mod passes;
pub mod plan;
pub mod policy;
pub mod preset;
pub mod read;
pub mod render;
pub mod request;
pub mod requirements;
pub mod rootless;
#[cfg(test)]
mod rootless_tests;
pub mod seccomp;
pub mod service;
pub mod snapshot;
pub mod trace;
pub mod units;
pub mod validate;

pub use oci_spec;

pub use diagnostic_code::DiagnosticCode;
pub use diff::{diff, Diff, Side};
pub use draft::BundleFile;
pub use error::{Error, ErrorCode, FieldPath, InputKind, Position, Result};
pub use explain::explain_text;
pub use image::{Image, ImageConfig};
pub use inputs::Inputs;
pub use options::{CdiMode, ContainerId, PolicyLevel, RenderOptions, DEFAULT_REPLICA};
pub use passes::PASSES;
pub use preset::Preset;
pub use render::{render, render_json, render_recording, Rendered, OCI_VERSION};
pub use request::{
    render_request, render_request_json, render_request_located, render_request_recording,
    render_request_rendered, ParsedRequest, RenderRequest,
};
pub use requirements::{requirements, Requirements};
pub use service::{parse_service_file, Service, ServiceFile, ServiceSpec};
pub use snapshot::{Snapshot, OLDEST_SNAPSHOT_VERSION, SNAPSHOT_VERSION};
pub use trace::{Diagnostic, Severity, Source, Trace, TraceEntry};
