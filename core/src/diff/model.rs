//! What a semantic diff compares and what it returns. A leaf module of `diff` (it imports no
//! sibling), so the walker and the entry point can both use these types without a cycle.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::draft::BundleFile;
use crate::error::{Error, InputKind};
use crate::render::Rendered;
use crate::trace::{Diagnostic, Source, Trace};

/// One side of a diff: a render's whole result, or the error that stopped it. A failed side
/// is data, not an abort: "renders here, fails there" is the most useful answer a diff gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    Rendered(Output),
    Failed(Failure),
}

/// A successful render, in the shape of the render envelope (config as JSON, so a side read
/// back from an envelope and one built from a [`Rendered`] compare alike).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Output {
    pub config: Value,
    #[serde(default)]
    pub bundle_files: Vec<BundleFile>,
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
    #[serde(default)]
    pub trace: Trace,
}

/// A render that failed. `detail` is the message without its location prefix, so the same
/// error in two files (two versions of a service file) compares equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub code: String,
    pub field: Option<String>,
    pub message: String,
    #[serde(skip)]
    pub detail: String,
    /// Which input the field is in (`service`, `snapshot`, `options`...), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The file the error names (a CDI spec's path), when known.
    #[serde(skip)]
    pub file: Option<String>,
    /// The host fact the snapshot lacks (`E_MISSING_FACT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
}

impl Failure {
    /// Two failures are the same failure when everything but the file name agrees.
    pub fn same_as(&self, other: &Failure) -> bool {
        (&self.code, &self.field, &self.detail, &self.fact)
            == (&other.code, &other.field, &other.detail, &other.fact)
    }

    /// Where the failure points, as a provenance source: the input field (or missing host
    /// fact) the error names.
    pub fn source(&self) -> Option<Source> {
        if let Some(fact) = &self.fact {
            return Some(Source::fact(fact.clone()));
        }
        let field = self.field.clone()?;
        let input = self
            .input
            .clone()
            .unwrap_or_else(|| input_name(InputKind::of_render_field(&field)).to_string());
        Some(match input.as_str() {
            "snapshot" => Source::fact(field),
            "image_config" => Source::image(field),
            "options" => Source::option(field),
            "cdi" => Source::Cdi {
                file: self.file.clone().unwrap_or_default().into(),
                device: None,
            },
            _ => Source::input(field),
        })
    }
}

/// The serde name of an input kind (`image_config`), as the page's envelopes carry it.
pub fn input_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Service => "service",
        InputKind::Snapshot => "snapshot",
        InputKind::Cdi => "cdi",
        InputKind::ImageConfig => "image_config",
        InputKind::Options => "options",
        InputKind::Request => "request",
        InputKind::RuntimeConfig => "runtime_config",
        InputKind::SeccompProfile => "seccomp_profile",
    }
}

impl From<&Error> for Failure {
    fn from(e: &Error) -> Self {
        let message = e.to_string();
        let detail = match e.at() {
            Some(at) => message
                .strip_prefix(&format!("{at}: "))
                .unwrap_or(&message)
                .to_string(),
            None => message.clone(),
        };
        Failure {
            code: e.code().to_string(),
            field: e.field().map(crate::error::escape_controls),
            detail,
            input: e.at().map(|at| input_name(at.input).to_string()),
            file: e.at().and_then(|at| at.file.clone()),
            fact: match e {
                Error::MissingFact { fact, .. } => Some(fact.clone()),
                _ => None,
            },
            message,
        }
    }
}

impl Side {
    /// The side of a render result.
    pub fn of(result: &Result<Rendered, Error>) -> Side {
        match result {
            Ok(r) => Side::rendered(r),
            Err(e) => Side::Failed(Failure::from(e)),
        }
    }

    pub fn rendered(r: &Rendered) -> Side {
        Side::Rendered(Output {
            config: serde_json::from_str(&r.config_json()).unwrap_or(Value::Null),
            bundle_files: r.bundle_files.clone(),
            diagnostics: r.diagnostics.clone(),
            trace: r.trace.clone(),
        })
    }

    /// A side read back from a render envelope (`ocigen render --format full`, the wasm
    /// API): `{"ok": true, "config", ...}` or `{"ok": false, "error": {code, field, message}}`,
    /// optionally with the page's `at` (`{input, fact}`) beside the error.
    pub fn from_envelope(envelope: &Value) -> Result<Side, String> {
        if envelope.get("ok") == Some(&Value::Bool(true)) {
            return serde_json::from_value::<Output>(envelope.clone())
                .map(Side::Rendered)
                .map_err(|e| format!("not a render envelope: {e}"));
        }
        let error = envelope
            .get("error")
            .ok_or("not a render envelope: neither `ok: true` nor an `error`")?;
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let code = text(error, "code").unwrap_or_default();
        let field = text(error, "field");
        let message = text(error, "message").unwrap_or_default();
        let at = envelope.get("at").cloned().unwrap_or(Value::Null);
        let fact = text(&at, "fact").or_else(|| missing_fact_in(&code, &message));
        let detail = match &field {
            Some(f) => message
                .split_once(&format!("{f}: "))
                .map_or(message.as_str(), |(_, rest)| rest),
            None => message.as_str(),
        }
        .to_string();
        Ok(Side::Failed(Failure {
            code,
            field,
            detail,
            input: text(&at, "input"),
            file: text(&at, "file"),
            fact,
            message,
        }))
    }

    pub fn output(&self) -> Option<&Output> {
        match self {
            Side::Rendered(o) => Some(o),
            Side::Failed(_) => None,
        }
    }

    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Side::Rendered(_) => None,
            Side::Failed(f) => Some(f),
        }
    }
}

/// The fact an `E_MISSING_FACT` message names (``needs host fact `X`, ...``), for envelopes
/// that carry only the message.
fn missing_fact_in(code: &str, message: &str) -> Option<String> {
    if code != "E_MISSING_FACT" {
        return None;
    }
    let rest = message.split_once("needs host fact `")?.1;
    Some(rest.split_once('`')?.0.to_string())
}

/// Which part of a result a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// One side renders and the other fails, or both fail differently.
    Outcome,
    Config,
    BundleFile,
    Diagnostic,
}

/// Present on one side only, or on both with different values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only on side B.
    Added,
    /// Only on side A.
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn of<T>(a: Option<T>, b: Option<T>) -> ChangeKind {
        match (a.is_some(), b.is_some()) {
            (false, true) => ChangeKind::Added,
            (true, false) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        }
    }
}

/// A source as a change cites it: the provenance entry's field (the change's own path, or the
/// nearest field above it that has a record), the pass that set it, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cited {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    pub source: Source,
}

impl std::fmt::Display for Cited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(pass) = &self.pass {
            write!(f, " [{pass} pass]")?;
        }
        Ok(())
    }
}

/// One difference. `path` is the field in trace-key form, list items named by what
/// identifies them (`linux.devices./dev/nvidia0.major`, `process.env.PATH`,
/// `linux.seccomp.syscalls[docker-default rule 3].names.clone3`), so `ocigen explain --field`
/// and the page's explain take it as it is. `a`/`b` are the values (`None`: absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub path: String,
    pub section: Section,
    pub kind: ChangeKind,
    pub a: Option<Value>,
    pub b: Option<Value>,
    pub a_sources: Vec<Cited>,
    pub b_sources: Vec<Cited>,
}

/// Whether a side rendered, and its error if not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

impl Outcome {
    pub fn of(side: &Side) -> Outcome {
        Outcome {
            ok: side.failure().is_none(),
            error: side.failure().cloned(),
        }
    }
}

/// The result of comparing two sides: equal when there are no changes (two renders alike, or
/// the same failure on both sides).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub equal: bool,
    pub a: Outcome,
    pub b: Outcome,
    pub changes: Vec<Change>,
}
