//! Semantic diff of two render results: which fields of config.json, which bundle files and
//! which diagnostics differ, each change with its path, both values and both sides' sources
//! from the provenance record. Lists are matched by what identifies an element, not by
//! position (see [`keys`]); a side that fails to render is a change, and the same failure on
//! both sides is no change.
//!
//! `ocigen diff`, `ocigen fleet` and the page (through wasm) all compare with [`diff`].

pub mod keys;
pub mod model;
mod walk;

use std::collections::BTreeMap;

use serde_json::{json, Value};

pub use model::{Change, ChangeKind, Cited, Diff, Failure, Outcome, Output, Section, Side};

use crate::error::InputKind;
use crate::trace::{Diagnostic, Source};

/// Compare side `a` with side `b`.
pub fn diff(a: &Side, b: &Side) -> Diff {
    let changes = match (a, b) {
        (Side::Rendered(oa), Side::Rendered(ob)) => outputs(oa, ob),
        (Side::Failed(fa), Side::Failed(fb)) if fa.same_as(fb) => Vec::new(),
        _ => vec![outcome_change(a, b)],
    };
    Diff {
        equal: changes.is_empty(),
        a: Outcome::of(a),
        b: Outcome::of(b),
        changes,
    }
}

/// Config, then bundle files, then diagnostics.
fn outputs(a: &Output, b: &Output) -> Vec<Change> {
    let mut walker = walk::Walker::new(&a.trace, &b.trace);
    walker.config(&a.config, &b.config);
    let mut changes = walker.changes;
    bundle_files(a, b, &mut changes);
    diagnostics(&a.diagnostics, &b.diagnostics, &mut changes);
    changes
}

/// The change when a side fails: its error object against the other's (`None`: renders).
fn outcome_change(a: &Side, b: &Side) -> Change {
    let error = |s: &Side| {
        s.failure()
            .map(|f| json!({"code": f.code, "field": f.field, "message": f.message}))
    };
    let cite = |s: &Side| {
        s.failure()
            .and_then(|f| {
                Some(Cited {
                    field: f.field.clone().or_else(|| f.fact.clone())?,
                    pass: None,
                    source: f.source()?,
                })
            })
            .into_iter()
            .collect()
    };
    let (va, vb) = (error(a), error(b));
    Change {
        path: "error".into(),
        section: Section::Outcome,
        // A side that fails "adds" an error; both failing differently is a changed error.
        kind: ChangeKind::of(va.as_ref(), vb.as_ref()),
        a_sources: cite(a),
        b_sources: cite(b),
        a: va,
        b: vb,
    }
}

fn bundle_files(a: &Output, b: &Output, out: &mut Vec<Change>) {
    let files = |o: &Output| {
        o.bundle_files
            .iter()
            .map(|f| {
                let v = json!({"contents": f.contents, "mode": f.mode});
                (f.path.clone(), v)
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (fa, fb) = (files(a), files(b));
    let mut paths: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let (va, vb) = (fa.get(path), fb.get(path));
        if va == vb {
            continue;
        }
        let key = format!("bundle_files.{path}");
        let cite = |o: &Output| walk::cite(&crate::explain::TraceIndex::new(&o.trace), &key);
        out.push(Change {
            kind: ChangeKind::of(va, vb),
            a_sources: cite(a),
            b_sources: cite(b),
            path: key,
            section: Section::BundleFile,
            a: va.cloned(),
            b: vb.cloned(),
        });
    }
}

/// A diagnostic's identity: its code and field (`diagnostics.W005_DEVICE_MISSING(services.
/// web.devices[1].path)`); the n-th repeat of the same pair gets `#n`. Its value is the
/// message and severity; its source, the field it names.
fn diagnostics(a: &[Diagnostic], b: &[Diagnostic], out: &mut Vec<Change>) {
    let items = |list: &[Diagnostic]| -> Vec<(String, Value)> {
        let values: Vec<Value> = list
            .iter()
            .map(|d| json!({"message": d.message, "severity": d.severity}))
            .collect();
        keys::keyed(&values, |i, _| match &list[i].field {
            Some(f) => format!("diagnostics.{}({f})", list[i].code),
            None => format!("diagnostics.{}", list[i].code),
        })
        .into_iter()
        .map(|(k, v)| (k, v.clone()))
        .collect()
    };
    // The field each key names, for its source.
    let mut fields: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (list, keyed) in [(a, items(a)), (b, items(b))] {
        for ((k, _), d) in keyed.iter().zip(list) {
            fields.entry(k.clone()).or_insert_with(|| d.field.clone());
        }
    }
    let (ia, ib) = (items(a), items(b));
    let (ma, mb): (BTreeMap<_, _>, BTreeMap<_, _>) = (
        ia.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        ib.iter().map(|(k, v)| (k.as_str(), v)).collect(),
    );
    let order = ia.iter().map(|(k, _)| k).chain(
        ib.iter()
            .map(|(k, _)| k)
            .filter(|k| !ma.contains_key(k.as_str())),
    );
    for k in order {
        let (va, vb) = (ma.get(k.as_str()).copied(), mb.get(k.as_str()).copied());
        if va == vb {
            continue;
        }
        let field = fields.get(k).cloned().flatten();
        let cite = |present: bool| -> Vec<Cited> {
            match field.clone().filter(|_| present) {
                Some(f) => vec![Cited {
                    source: match InputKind::of_render_field(&f) {
                        InputKind::Options => Source::option(f.clone()),
                        InputKind::ImageConfig => Source::image(f.clone()),
                        _ => Source::input(f.clone()),
                    },
                    field: f,
                    pass: None,
                }],
                None => Vec::new(),
            }
        };
        out.push(Change {
            path: k.clone(),
            section: Section::Diagnostic,
            kind: ChangeKind::of(va, vb),
            a_sources: cite(va.is_some()),
            b_sources: cite(vb.is_some()),
            a: va.cloned(),
            b: vb.cloned(),
        });
    }
}
