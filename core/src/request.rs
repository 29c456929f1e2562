//! Render from texts: one JSON-able request in, one JSON envelope out. This is the entry the
//! wasm builds (browser and wasmtime), `ocigen render --format full` and the replay tests
//! share, so "same inputs, same bytes" is checked on exactly one function.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{escape_controls, Error, InputKind};
use crate::image::{Image, ImageConfig};
use crate::inputs::Inputs;
use crate::options::RenderOptions;
use crate::preset::Preset;
use crate::read::{Source, Syntax};
use crate::render::{render_recording, Rendered};
use crate::service::parse_service_file;
use crate::snapshot::Snapshot;

/// Everything a render needs, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderRequest {
    /// Name of the service file, used in error messages (`web.yaml`).
    #[serde(default = "default_file")]
    pub service_file: String,
    /// The service file's text (YAML or JSON; a DeploymentSpec or a bare ServiceSpec).
    pub service_text: String,
    /// Which service of the file; optional when it has one.
    #[serde(default)]
    pub service: Option<String>,
    /// Snapshot JSON text.
    pub snapshot_json: String,
    /// Render options; default: [`crate::options::DEFAULT_REPLICA`] of the chosen service.
    #[serde(default)]
    pub options: Option<RenderOptions>,
    /// Image config JSON (the whole blob or its `config` object).
    #[serde(default)]
    pub image_config: Option<String>,
    /// The image's /etc/passwd text.
    #[serde(default)]
    pub passwd: Option<String>,
    /// The image's /etc/group text.
    #[serde(default)]
    pub group: Option<String>,
    /// Overrides `options.preset`, so a caller can pick a preset without writing the options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
}

/// The names the request's other texts have in errors.
const SNAPSHOT_FILE: &str = "snapshot";
const IMAGE_FILE: &str = "image config";

fn default_file() -> String {
    "service.yaml".to_string()
}

/// A structured error for JavaScript and JSON consumers. `message` is the whole text
/// (`web.yaml:12:9: services.web.resources.memory: expected ...`); `field` is the path alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        ErrorInfo {
            code: e.code().to_string(),
            message: e.to_string(),
            field: e.field().map(escape_controls),
        }
    }
}

/// Render a request and return the envelope as canonical JSON:
/// `{"ok": true, "config": {...}, "bundle_files": [...], "diagnostics": [...], "trace": {...}}`
/// or `{"ok": false, "error": {"code", "message", "field"}}`.
pub fn render_request_json(request_json: &str) -> String {
    let request = Source::new(InputKind::Request, "request", request_json, Syntax::Json).read();
    match request.and_then(|r| render_request_full(&r)) {
        Ok(full) => full,
        Err(e) => error_envelope(&e),
    }
}

/// Render a typed request; the envelope (ok or error) as canonical JSON.
pub fn render_request(request: &RenderRequest) -> String {
    match render_request_full(request) {
        Ok(full) => full,
        Err(e) => error_envelope(&e),
    }
}

/// The error envelope for `e`.
pub fn error_envelope(e: &Error) -> String {
    #[derive(Serialize)]
    struct Failed {
        ok: bool,
        error: ErrorInfo,
    }
    crate::canonical::to_canonical_json(&Failed {
        ok: false,
        error: ErrorInfo::from(e),
    })
}

/// A request's texts, parsed: what [`Inputs`] borrows.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRequest {
    pub service: crate::service::Service,
    pub image: Option<Image>,
    pub options: RenderOptions,
    /// Shared with the thread's recent snapshots: see [`Snapshot::from_json_shared`].
    pub snapshot: std::sync::Arc<Snapshot>,
}

impl ParsedRequest {
    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            service: &self.service,
            image: self.image.as_ref(),
            options: &self.options,
            snapshot: &self.snapshot,
        }
    }
}

impl RenderRequest {
    /// Errors about the service (a service missing from the file, a render error naming a
    /// service field) get the file's name and the field's line; image errors the image's name.
    pub fn name_inputs(&self, e: Error) -> Error {
        e.in_input(
            InputKind::Service,
            &self.service_file,
            Some(&self.service_text),
        )
        .in_input(InputKind::ImageConfig, IMAGE_FILE, None)
    }

    /// Parse every text of the request (service, snapshot, image config).
    pub fn parse(&self) -> Result<ParsedRequest, Error> {
        let r = self;
        let file = parse_service_file(&r.service_file, &r.service_text)?;
        let service = file
            .service(r.service.as_deref())
            .map_err(|e| self.name_inputs(e))?;
        let snapshot = Snapshot::from_json_shared(SNAPSHOT_FILE, &r.snapshot_json)?;
        let mut options = r
            .options
            .clone()
            .unwrap_or_else(|| RenderOptions::for_service(service.name.clone()));
        if let Some(preset) = r.preset {
            options.preset = preset;
        }
        let image = match (&r.image_config, &r.passwd, &r.group) {
            (None, None, None) => None,
            (config, passwd, group) => Some(Image {
                config: match config {
                    Some(text) => ImageConfig::from_json(IMAGE_FILE, text)?,
                    None => ImageConfig::default(),
                },
                passwd: passwd.clone(),
                group: group.clone(),
            }),
        };
        Ok(ParsedRequest {
            service,
            image,
            options,
            snapshot,
        })
    }
}

/// Parse and render a request: the render, or the error naming its file and line. What
/// [`render_request`] puts in its envelope, for callers that want the typed result (the
/// diff, the fleet check).
pub fn render_request_rendered(r: &RenderRequest) -> Result<Rendered, Error> {
    render_request_recording(r).0
}

/// [`render_request_rendered`], also returning the host facts the render read (none when
/// the request does not parse).
pub fn render_request_recording(r: &RenderRequest) -> (Result<Rendered, Error>, BTreeSet<String>) {
    match r.parse() {
        Ok(parsed) => {
            let (result, facts) = render_recording(&parsed.inputs());
            (result.map_err(|e| r.name_inputs(e)), facts)
        }
        Err(e) => (Err(e), BTreeSet::new()),
    }
}

fn render_request_full(r: &RenderRequest) -> Result<String, Error> {
    full_envelope(&render_request_rendered(r)?)
}

/// The ok envelope of a render, written once (no parse and re-serialise).
fn full_envelope(rendered: &Rendered) -> Result<String, Error> {
    Ok(rendered.envelope(Some(true)))
}

/// [`render_request`]'s envelope with, beside an error, where it is as data: `"at":
/// {"input", "file", "line", "column", "fact"}` (what is known). The page marks the editor
/// line with it and the diff cites the right input; the envelope is otherwise the same bytes.
pub fn render_request_located(r: &RenderRequest) -> String {
    match render_request_rendered(r).and_then(|rendered| full_envelope(&rendered)) {
        Ok(full) => full,
        Err(e) => located_error_envelope(&e),
    }
}

/// [`error_envelope`] plus `at` (see [`render_request_located`]).
pub fn located_error_envelope(e: &Error) -> String {
    #[derive(Serialize)]
    struct At<'a> {
        input: InputKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        file: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fact: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct Failed<'a> {
        ok: bool,
        error: ErrorInfo,
        #[serde(skip_serializing_if = "Option::is_none")]
        at: Option<At<'a>>,
    }
    crate::canonical::to_canonical_json(&Failed {
        ok: false,
        error: ErrorInfo::from(e),
        at: e.at().map(|at| At {
            input: at.input,
            file: at.file.as_deref(),
            line: at.position.map(|p| p.line),
            column: at.position.map(|p| p.column),
            fact: match e {
                Error::MissingFact { fact, .. } => Some(fact),
                _ => None,
            },
        }),
    })
}
