//! The corpus of bad inputs (issue 14): every input kind (service file, snapshot, CDI spec,
//! image config, render options, request) and every class of boundary check, one table row
//! each, asserting the error code and the field path; and the policy cases, asserting the
//! diagnostic code and field under the default level and the refusal under the level that
//! turns the rule into an error. The CLI-level cases are in host-native's tests.

mod cases_host;
mod cases_inputs;
mod cases_policy;
mod cases_service;

use ocigen_core::{render_request, CdiMode, PolicyLevel, RenderOptions, RenderRequest};
use ocigen_tests::{request, services, snapshots};
use serde_json::Value;

/// What a row feeds the core.
pub enum Input {
    /// Lines of service `web` (unindented), under a base deployment whose service runs
    /// `/bin/app` from image `x`.
    Service(String),
    /// A whole service file.
    File(String),
    /// The render options, changed.
    Options(fn(&mut RenderOptions)),
    /// The snapshot (nogpu-v2-root), changed as JSON.
    Snapshot(fn(&mut Value)),
    /// The image config text.
    Image(&'static str),
    /// A CDI spec (YAML) replacing the one of the H200 CDI host, for a service with one
    /// NVIDIA GPU, in strict CDI mode.
    Cdi(String),
    /// As `Cdi`, in lazy mode (for policy cases of specs that are valid).
    CdiLazy(String),
    /// A whole request, as JSON text.
    Request(&'static str),
    /// Service lines and a change to the options together.
    ServiceWith(String, fn(&mut RenderOptions)),
    /// Service lines on another fixture snapshot.
    ServiceOn(String, &'static str),
}

/// What the row expects.
pub enum Expect {
    /// An error with this code (`E_INVALID`) naming this field path.
    Error(&'static str, &'static str),
    /// A policy finding with this code (`P001`) at this field.
    Policy(&'static str, &'static str),
}

pub struct Case {
    pub name: String,
    pub input: Input,
    pub expect: Expect,
}

pub fn case(name: impl Into<String>, input: Input, expect: Expect) -> Case {
    Case {
        name: name.into(),
        input,
        expect,
    }
}

/// A row that changes a `T` (the options, the snapshot JSON): its name, the change and the
/// field the error names.
pub type Row<T> = (&'static str, fn(&mut T), &'static str);

/// Shorthands for the rows.
pub fn svc(lines: &str) -> Input {
    Input::Service(lines.to_string())
}

pub fn err(code: &'static str, field: &'static str) -> Expect {
    Expect::Error(code, field)
}

pub fn invalid(field: &'static str) -> Expect {
    Expect::Error("E_INVALID", field)
}

pub fn cdi_device_edits(edits: &str) -> String {
    format!(
        "cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices:\n  - name: \"0\"\n    containerEdits:\n{}",
        indent(edits, 6)
    )
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(by)))
        .collect()
}

fn deployment(lines: &str) -> String {
    // A row that sets `command` brings its own.
    let command = if lines.contains("command:") {
        ""
    } else {
        "    command: {entrypoint: [/bin/app]}\n"
    };
    format!(
        "version: v1\ndeployment: corpus\nservices:\n  web:\n    image: {{name: x}}\n{command}{}",
        indent(lines, 4)
    )
}

fn snapshot(stem: &str) -> String {
    snapshots()
        .into_iter()
        .find(|s| s.stem == stem)
        .unwrap_or_else(|| panic!("no snapshot {stem}"))
        .json
}

fn base() -> RenderRequest {
    let mut req = request(&services()[0], &snapshots()[0]);
    req.service_file = "corpus.yaml".into();
    req.snapshot_json = snapshot("nogpu-v2-root");
    req.options = Some(RenderOptions::new("web", 1));
    req.image_config = None;
    req.passwd = None;
    req.group = None;
    req.preset = None;
    req
}

fn cdi_request(spec: &str, mode: CdiMode) -> RenderRequest {
    let mut req = base();
    req.service_text = deployment("resources: {gpu: {count: 1}}");
    let mut snap: Value = serde_json::from_str(&snapshot("nvidia-h200-cdi")).expect("json");
    snap["cdi"]["files"][0]["text"] = spec.into();
    req.snapshot_json = snap.to_string();
    let mut o = RenderOptions::new("web", 1);
    o.cdi_mode = mode;
    req.options = Some(o);
    req
}

/// The request a row describes.
fn build(input: &Input) -> Result<RenderRequest, String> {
    let mut req = base();
    match input {
        Input::Service(lines) => req.service_text = deployment(lines),
        Input::File(text) => req.service_text = text.clone(),
        Input::Options(change) => {
            req.service_text = deployment("");
            let mut o = RenderOptions::new("web", 1);
            change(&mut o);
            req.options = Some(o);
        }
        Input::Snapshot(change) => {
            req.service_text = deployment("");
            let mut v: Value = serde_json::from_str(&req.snapshot_json).expect("json");
            change(&mut v);
            req.snapshot_json = v.to_string();
        }
        Input::Image(text) => {
            req.service_text = deployment("");
            req.image_config = Some(text.to_string());
        }
        Input::Cdi(spec) => req = cdi_request(spec, CdiMode::Strict),
        Input::CdiLazy(spec) => req = cdi_request(spec, CdiMode::Lazy),
        Input::Request(text) => return Err(text.to_string()),
        Input::ServiceWith(lines, change) => {
            req.service_text = deployment(lines);
            let mut o = RenderOptions::new("web", 1);
            change(&mut o);
            req.options = Some(o);
        }
        Input::ServiceOn(lines, stem) => {
            req.service_text = deployment(lines);
            req.snapshot_json = snapshot(stem);
        }
    }
    record_bind_sources(&mut req);
    Ok(req)
}

/// The snapshot records every bind source the service names (as the probe would), so a row
/// meets the check it is about, not a missing host fact.
fn record_bind_sources(req: &mut RenderRequest) {
    let sources: Vec<String> = req
        .service_text
        .split("source: ")
        .skip(1)
        .filter_map(|rest| rest.split([',', '}']).next())
        .map(|s| s.trim().to_string())
        .filter(|s| s.starts_with('/'))
        .collect();
    if sources.is_empty() {
        return;
    }
    let mut v: Value = serde_json::from_str(&req.snapshot_json).expect("json");
    for source in sources {
        let kind = if source.ends_with(".sock") {
            "socket"
        } else {
            "directory"
        };
        v["paths"][source] = kind.into();
    }
    req.snapshot_json = v.to_string();
}

fn envelope(req: &Result<RenderRequest, String>) -> Value {
    let text = match req {
        Ok(r) => render_request(r),
        Err(json) => ocigen_core::render_request_json(json),
    };
    serde_json::from_str(&text).expect("envelope JSON")
}

fn with_level(
    req: &Result<RenderRequest, String>,
    level: PolicyLevel,
) -> Result<RenderRequest, String> {
    let mut r = req.clone()?;
    let mut o = r
        .options
        .take()
        .unwrap_or_else(|| RenderOptions::new("web", 1));
    o.policy = level;
    r.options = Some(o);
    Ok(r)
}

/// Check one row; a description of what went wrong, if anything did.
fn check(c: &Case) -> Option<String> {
    let req = build(&c.input);
    let v = envelope(&req);
    match c.expect {
        Expect::Error(code, field) => {
            // An error about the input as a whole has no field: written "" in a row.
            let got = (
                v["error"]["code"].as_str(),
                Some(v["error"]["field"].as_str().unwrap_or("")),
            );
            (got != (Some(code), Some(field))).then(|| {
                format!(
                    "{}: expected {code} at `{field}`, got {}",
                    c.name,
                    summary(&v)
                )
            })
        }
        Expect::Policy(id, field) => check_policy(c, &req, &v, id, field),
    }
}

fn check_policy(
    c: &Case,
    req: &Result<RenderRequest, String>,
    v: &Value,
    id: &str,
    field: &str,
) -> Option<String> {
    let rule = ocigen_core::policy::rules::RULES
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{}: no rule {id}", c.name));
    let has = |v: &Value| {
        v["diagnostics"].as_array().is_some_and(|ds| {
            ds.iter().any(|d| {
                d["code"].as_str() == Some(rule.name) && d["field"].as_str() == Some(field)
            })
        })
    };
    let refused = |v: &Value| {
        v["error"]["code"] == "E_POLICY"
            && v["error"]["field"].as_str() == Some(field)
            && v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(id))
    };
    let permissive_ok = if rule.level == PolicyLevel::Baseline {
        has(v)
    } else {
        v["ok"] == true
    };
    if !permissive_ok {
        return Some(format!(
            "{}: permissive: expected {} at `{field}`: {}",
            c.name,
            rule.name,
            summary(v)
        ));
    }
    let baseline = envelope(&with_level(req, PolicyLevel::Baseline));
    let baseline_ok = if rule.level == PolicyLevel::Baseline {
        refused(&baseline)
    } else {
        has(&baseline)
    };
    if !baseline_ok {
        return Some(format!("{}: baseline: {}", c.name, summary(&baseline)));
    }
    let restricted = envelope(&with_level(req, PolicyLevel::Restricted));
    // Under restricted an earlier rule may refuse first; this rule's own finding must be
    // one a restricted render refuses.
    (restricted["error"]["code"] != "E_POLICY")
        .then(|| format!("{}: restricted: {}", c.name, summary(&restricted)))
}

fn summary(v: &Value) -> String {
    if v["ok"] == true {
        let codes: Vec<String> = v["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| format!("{} at {}", d["code"], d["field"]))
            .collect();
        format!("ok, diagnostics [{}]", codes.join(", "))
    } else {
        v["error"].to_string()
    }
}

fn all_cases() -> Vec<Case> {
    let mut all = Vec::new();
    all.extend(cases_service::cases());
    all.extend(cases_inputs::cases());
    all.extend(cases_host::cases());
    all.extend(cases_policy::cases());
    all
}

#[test]
fn every_bad_input_is_refused_naming_its_field() {
    let cases = all_cases();
    let failures: Vec<String> = cases.iter().filter_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_covers_every_input_kind_with_at_least_200_rows() {
    let cases = all_cases();
    assert!(cases.len() >= 200, "only {} rows", cases.len());
    let policy = cases
        .iter()
        .filter(|c| matches!(c.expect, Expect::Policy(..)))
        .count();
    eprintln!("{} rows, {policy} of them policy cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "row names are unique");
    let kinds = |f: fn(&Input) -> bool| cases.iter().filter(|c| f(&c.input)).count();
    for (kind, n) in [
        (
            "service",
            kinds(|i| {
                matches!(
                    i,
                    Input::Service(_)
                        | Input::File(_)
                        | Input::ServiceWith(..)
                        | Input::ServiceOn(..)
                )
            }),
        ),
        ("options", kinds(|i| matches!(i, Input::Options(_)))),
        ("snapshot", kinds(|i| matches!(i, Input::Snapshot(_)))),
        ("image", kinds(|i| matches!(i, Input::Image(_)))),
        (
            "cdi",
            kinds(|i| matches!(i, Input::Cdi(_) | Input::CdiLazy(_))),
        ),
        ("request", kinds(|i| matches!(i, Input::Request(_)))),
    ] {
        eprintln!("{kind}: {n} rows");
        assert!(n >= 5, "only {n} rows for {kind}");
    }
}
