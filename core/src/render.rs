//! One render: run the passes in order over a [`Draft`], then assemble the OCI spec.

use std::collections::BTreeSet;

use oci_spec::runtime::Spec;
use serde::Serialize;

use crate::assemble::assemble;
use crate::canonical::SpecRoot;
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
        self.envelope(None)
    }

    /// The envelope, with `ok` when a request's answer needs it. Written in one pass: the
    /// config is not serialized, parsed back and serialized again (issue 11).
    pub(crate) fn envelope(&self, ok: Option<bool>) -> String {
        #[derive(Serialize)]
        struct Full<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            ok: Option<bool>,
            config: SpecRoot<'a, Spec>,
            bundle_files: &'a [BundleFile],
            diagnostics: &'a [Diagnostic],
            trace: &'a Trace,
        }
        crate::canonical::to_canonical_json(&Full {
            ok,
            config: SpecRoot(&self.spec),
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
    // Inputs are checked before anything reads them (crate::checks); the CDI spec the core
    // may generate below is its own.
    if let Err(e) = crate::checks::inputs(inputs) {
        return (Err(e), BTreeSet::new());
    }
    // The `cdi_generated` option renders against a snapshot whose CDI file is generated.
    let (prepared, mut read) = crate::cdi::generate::snapshot_for_render(inputs);
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => return (Err(e), read),
    };
    let inputs = Inputs {
        snapshot: prepared.snapshot.as_ref().unwrap_or(inputs.snapshot),
        ..*inputs
    };
    let cx = Context::new(&inputs);
    let result = run_passes(&cx).map(|mut r| {
        r.diagnostics.splice(0..0, prepared.diagnostics);
        r
    });
    read.extend(cx.host.facts_read());
    (result, read)
}

fn run_passes(cx: &Context<'_>) -> Result<Rendered> {
    let mut draft = Draft::default();
    for (name, pass) in PASSES {
        draft.start_pass(name);
        pass(cx, &mut draft)?;
    }
    let (mut state, mut diagnostics, trace) = draft.into_parts();
    // Last: the checks and the policy review of the finished draft, which set nothing.
    crate::checks::finished(cx, &state)?;
    crate::policy::review(cx, &state, &mut diagnostics)?;
    let bundle_files = std::mem::take(&mut state.bundle_files);
    let spec = assemble(state)?;
    Ok(Rendered {
        spec,
        bundle_files,
        diagnostics,
        trace,
    })
}

/// Render and return canonical config.json text.
pub fn render_json(inputs: &Inputs<'_>) -> Result<String> {
    Ok(render(inputs)?.config_json())
}
