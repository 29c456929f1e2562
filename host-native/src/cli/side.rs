//! One render for `diff` and `fleet`, as data: the same steps as `ocigen render` (service
//! file, flags, seccomp profile files, snapshot or live probe, secrets, image), except that
//! what the core rejects (a service or snapshot that does not parse, a render error) is a
//! failed [`Side`], not an exit: "fails on this host" is an answer these commands give.
//! Only what stops the command itself (an unreadable file, a failed probe) is a [`CliError`].

use std::collections::BTreeSet;

use ocigen_core::diff::Side;
use ocigen_core::{
    parse_service_file, render_recording, requirements, Error, InputKind, Inputs, Snapshot,
};
use serde_json::Value;

use super::commands::{
    display_name, load_image, options_for, read_input, read_seccomp_profiles, secrets_for,
};
use super::{CliError, RenderInputs};
use crate::probe::{probe as host_probe, HostRoot};

/// Which service file, service and snapshot one side renders (the rest of the flags are
/// shared by every side).
#[derive(Debug, Clone)]
pub struct SideSpec {
    pub file: String,
    pub service: Option<String>,
    /// Snapshot file; `None` probes the live host.
    pub probe: Option<String>,
}

impl SideSpec {
    /// `web.yaml on host.json`, `deploy.yaml (service api) on the live host`.
    pub fn label(&self) -> String {
        let service = self
            .service
            .as_ref()
            .map(|s| format!(" (service {s})"))
            .unwrap_or_default();
        let host = self
            .probe
            .as_deref()
            .map_or("the live host".to_string(), |p| display_name(p).to_string());
        format!("{}{service} on {host}", display_name(&self.file))
    }
}

/// A side's render with what the fleet check reads besides: the facts the render read and
/// the snapshot as JSON.
pub struct SideRender {
    pub side: Side,
    pub facts_read: BTreeSet<String>,
    pub snapshot: Option<Value>,
}

impl SideRender {
    fn failed(e: Error) -> SideRender {
        SideRender {
            side: Side::Failed((&e).into()),
            facts_read: BTreeSet::new(),
            snapshot: None,
        }
    }
}

/// Render one side. `i` holds the shared flags; its own file, service and probe are ignored.
pub fn render_side(i: &RenderInputs, spec: &SideSpec) -> Result<SideRender, CliError> {
    let shown = display_name(&spec.file).to_string();
    let text = read_input(&spec.file)?;
    let locate = |e: Error| e.in_input(InputKind::Service, &shown, Some(&text));
    let file = match parse_service_file(&shown, &text) {
        Ok(f) => f,
        Err(e) => return Ok(SideRender::failed(locate(e))),
    };
    let service = match file.service(spec.service.as_deref()) {
        Ok(s) => s,
        Err(e) => return Ok(SideRender::failed(locate(e))),
    };
    let mut options = options_for(&service, i)?;
    let req = requirements(&service, &options);
    options.seccomp_profiles = read_seccomp_profiles(&spec.file, &req.seccomp_profiles)?;
    let host = HostRoot::live();
    let (snapshot, snapshot_json) = match &spec.probe {
        Some(p) => {
            let json = read_input(p)?;
            match Snapshot::from_json(display_name(p), &json) {
                Ok(s) => (s, serde_json::from_str(&json).ok()),
                Err(e) => return Ok(SideRender::failed(e)),
            }
        }
        None => {
            let s = host_probe(&host, Some(&req)).map_err(|e| CliError::host(e.to_string()))?;
            let json = serde_json::from_str(&s.to_json()).ok();
            (s, json)
        }
    };
    options.secrets = secrets_for(&file, &service, &spec.file, i, &req, &host)?;
    let image = load_image(i)?;
    let inputs = Inputs {
        service: &service,
        image: image.as_ref(),
        options: &options,
        snapshot: &snapshot,
    };
    let (result, facts_read) = render_recording(&inputs);
    let result = result.map_err(|e| {
        let e = locate(e);
        match &i.image_config {
            Some(f) => e.in_input(InputKind::ImageConfig, display_name(f), None),
            None => e,
        }
    });
    Ok(SideRender {
        side: Side::of(&result),
        facts_read,
        snapshot: snapshot_json,
    })
}
