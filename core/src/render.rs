//! One render: run the passes in order over a [`Draft`], then assemble the OCI spec.

use std::collections::BTreeSet;

use oci_spec::runtime::Spec;
use serde::Serialize;

use crate::assemble::assemble;
use crate::draft::{BundleFile, Draft};
use crate::error::Result;
use crate::inputs::{Context, Inputs};
use crate::passes::PASSES;
use crate::trace::{Diagnostic, Trace};

pub use crate::passes::root::OCI_VERSION;

/// What a render returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub spec: Spec,
    /// Files to write in the bundle beside config.json.
    pub bundle_files: Vec<BundleFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub trace: Trace,
}

impl Rendered {
    /// config.json bytes, canonical.
    pub fn config_json(&self) -> String {
        crate::canonical::to_canonical_json(&self.spec)
    }

    /// The whole result (config, bundle files, diagnostics, trace) as canonical JSON,
    /// the form the CLI's `--format full`, the wasm API and tests share.
    pub fn to_full_json(&self) -> String {
        #[derive(Serialize)]
        struct Full<'a> {
            config: serde_json::Value,
            bundle_files: &'a [BundleFile],
            diagnostics: &'a [Diagnostic],
            trace: &'a Trace,
        }
        let config: serde_json::Value =
            serde_json::from_str(&self.config_json()).unwrap_or(serde_json::Value::Null);
        crate::canonical::to_canonical_json(&Full {
            config,
            bundle_files: &self.bundle_files,
            diagnostics: &self.diagnostics,
            trace: &self.trace,
        })
    }
}

/// Render the OCI runtime spec for one container. Pure: same inputs, same output.
pub fn render(inputs: &Inputs<'_>) -> Result<Rendered> {
    render_recording(inputs).0
}

/// [`render`], also returning the name of every snapshot fact the passes read (whether the
/// render succeeded or not), for checking [`crate::requirements()`] against.
pub fn render_recording(inputs: &Inputs<'_>) -> (Result<Rendered>, BTreeSet<String>) {
    let cx = Context::new(inputs);
    // Inputs are checked before any pass reads them (crate::checks).
    let result = crate::checks::inputs(inputs).and_then(|()| run_passes(&cx));
    (result, cx.host.facts_read())
}

fn run_passes(cx: &Context<'_>) -> Result<Rendered> {
    let mut draft = Draft::default();
    for (name, pass) in PASSES {
        draft.start_pass(name);
        pass(cx, &mut draft)?;
    }
    let (state, mut diagnostics, trace) = draft.into_parts();
    // Last: the checks and the policy review of the finished draft, which set nothing.
    crate::checks::finished(cx, &state)?;
    crate::policy::review(cx, &state, &trace, &mut diagnostics)?;
    let spec = assemble(&state)?;
    Ok(Rendered {
        spec,
        bundle_files: state.bundle_files,
        diagnostics,
        trace,
    })
}

/// Render and return canonical config.json text.
pub fn render_json(inputs: &Inputs<'_>) -> Result<String> {
    Ok(render(inputs)?.config_json())
}
