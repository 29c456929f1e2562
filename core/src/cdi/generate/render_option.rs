//! The `cdi_generated` render option: render an NVIDIA GPU service with a CDI spec generated
//! from the snapshot instead of the host's CDI files, so a host without nvidia-ctk gets the
//! driver's libraries and programs in one command.
//!
//! The generated spec takes the place of every CDI file the snapshot recorded (a stale
//! `/etc/cdi` spec must not win over what the snapshot says now), under a name that cannot
//! be a real file. The render then resolves it like any CDI spec, so the trace cites it as
//! `ocigen:generated/nvidia.json` and the device it chose.

use std::collections::BTreeSet;

use super::emit::to_json;
use super::nvidia::generate;
use crate::error::Result;
use crate::inputs::{Host, Inputs};
use crate::snapshot::{CdiFacts, CdiFile, Snapshot};
use crate::trace::Diagnostic;

/// The pseudo-directory of the generated spec.
pub const GENERATED_DIR: &str = "ocigen:generated";
/// The pseudo-file of the generated spec (`.json`: the registry reads it as JSON).
pub const GENERATED_FILE: &str = "ocigen:generated/nvidia.json";

/// What a render with the option needs before its passes run.
#[derive(Debug, Default)]
pub struct ForRender {
    /// The snapshot to render against, when the option applies to this service.
    pub snapshot: Option<Snapshot>,
    /// Warnings of the generation (absent optional nodes), for the render's diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// When `inputs.options.cdi_generated` is set and the service asks for NVIDIA GPUs, the
/// snapshot with the generated spec as its only CDI file; otherwise nothing (other vendors
/// and GPU-less services render as they would without the option). Also returns the host
/// facts the generation read, for the requirements check.
pub fn snapshot_for_render(inputs: &Inputs<'_>) -> (Result<ForRender>, BTreeSet<String>) {
    let wanted = inputs.options.cdi_generated
        && inputs
            .service
            .spec
            .resources
            .gpu
            .as_ref()
            .is_some_and(|g| g.count > 0 && g.vendor == "nvidia");
    if !wanted {
        return (Ok(ForRender::default()), BTreeSet::new());
    }
    let host = Host::new(inputs.snapshot);
    let field = inputs.service.field("resources.gpu");
    let result = generate(&host, &field).map(|g| {
        let mut snapshot = inputs.snapshot.clone();
        snapshot.cdi = CdiFacts {
            dirs: vec![GENERATED_DIR.to_string()],
            files: vec![CdiFile {
                path: GENERATED_FILE.to_string(),
                dir: GENERATED_DIR.to_string(),
                text: to_json(&g.spec),
            }],
        };
        ForRender {
            snapshot: Some(snapshot),
            diagnostics: g.diagnostics.into_vec(),
        }
    });
    (result, host.facts_read())
}
