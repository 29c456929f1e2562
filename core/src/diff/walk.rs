//! The config.json half of a diff: both configs walked together, objects key by key, lists by
//! the identity rules of [`super::keys`], each difference cited with both sides' sources.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::keys::{element_key, join, keyed, list_rule, member_name, ListRule};
use super::model::{Change, ChangeKind, Cited, Section};
use crate::explain::TraceIndex;
use crate::trace::Trace;

/// A field's path in the change list, and the key its provenance is recorded under on each
/// side (the same today; kept apart so a path can name an element by identity while its
/// record keys it by position).
#[derive(Debug, Clone)]
struct At {
    path: String,
    a: String,
    b: String,
}

impl At {
    fn child(&self, segment: &str) -> At {
        At {
            path: join(&self.path, segment),
            a: join(&self.a, segment),
            b: join(&self.b, segment),
        }
    }
}

pub struct Walker<'t> {
    a_index: TraceIndex<'t>,
    b_index: TraceIndex<'t>,
    pub changes: Vec<Change>,
}

impl<'t> Walker<'t> {
    pub fn new(a_trace: &'t Trace, b_trace: &'t Trace) -> Self {
        Walker {
            a_index: TraceIndex::new(a_trace),
            b_index: TraceIndex::new(b_trace),
            changes: Vec::new(),
        }
    }

    /// Compare two whole configs.
    pub fn config(&mut self, a: &Value, b: &Value) {
        let root = At {
            path: String::new(),
            a: String::new(),
            b: String::new(),
        };
        self.value(&mut Vec::new(), &root, Some(a), Some(b));
    }

    fn cite(index: &TraceIndex<'_>, key: &str) -> Vec<Cited> {
        cite(index, key)
    }

    fn leaf(&mut self, at: &At, a: Option<Value>, b: Option<Value>) {
        self.changes.push(Change {
            path: at.path.clone(),
            section: Section::Config,
            kind: ChangeKind::of(a.as_ref(), b.as_ref()),
            a_sources: Self::cite(&self.a_index, &at.a),
            b_sources: Self::cite(&self.b_index, &at.b),
            a,
            b,
        });
    }

    fn value<'v>(
        &mut self,
        st: &mut Vec<&'v str>,
        at: &At,
        a: Option<&'v Value>,
        b: Option<&'v Value>,
    ) {
        if a == b {
            return;
        }
        match (a, b) {
            (Some(Value::Object(ma)), Some(Value::Object(mb))) => {
                if st.as_slice() == ["process", "capabilities"] {
                    return self.capabilities(at, ma, mb);
                }
                let mut keys: Vec<&'v String> = ma.keys().chain(mb.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    st.push(k);
                    self.value(st, &at.child(k), ma.get(k.as_str()), mb.get(k.as_str()));
                    st.pop();
                }
            }
            // A list that is keyed or a set is compared element by element even when one side
            // has none at all (no `linux.devices` there): absent is empty.
            (Some(Value::Array(_)) | None, Some(Value::Array(_)) | None)
                if list_rule(st) != ListRule::Ordered =>
            {
                let items = |v: Option<&'v Value>| -> &'v [Value] {
                    match v {
                        Some(Value::Array(items)) => items,
                        _ => &[],
                    }
                };
                self.list(st, at, items(a), items(b));
            }
            _ => self.leaf(at, a.cloned(), b.cloned()),
        }
    }

    fn list<'v>(&mut self, st: &mut Vec<&'v str>, at: &At, a: &'v [Value], b: &'v [Value]) {
        match list_rule(st) {
            ListRule::Keyed => {
                let list: &[&str] = st;
                let key =
                    |i: usize, el: &Value| element_key(list, el).unwrap_or_else(|| format!("#{i}"));
                let (ka, kb) = (keyed(a, key), keyed(b, key));
                let env = st.as_slice() == ["process", "env"];
                for (k, ea, eb) in merge(&ka, &kb) {
                    let child = at.child(&k);
                    if env {
                        // An env entry's value is what follows the `=`.
                        let value = |e: Option<&Value>| {
                            e.map(|e| {
                                let s = e.as_str().unwrap_or_default();
                                Value::String(s.split_once('=').map_or("", |(_, v)| v).into())
                            })
                        };
                        if ea != eb {
                            self.leaf(&child, value(ea), value(eb));
                        }
                    } else {
                        self.value(st, &child, ea, eb);
                    }
                }
            }
            ListRule::Set | ListRule::CapabilitySet => {
                let ka = keyed(a, |_, el| member_name(el));
                let kb = keyed(b, |_, el| member_name(el));
                for (k, ea, eb) in merge(&ka, &kb) {
                    if ea.is_some() != eb.is_some() {
                        self.leaf(&at.child(&k), ea.cloned(), eb.cloned());
                    }
                }
            }
            ListRule::SeccompRules => self.seccomp(at, a, b),
            ListRule::Ordered => self.leaf(
                at,
                Some(Value::Array(a.to_vec())),
                Some(Value::Array(b.to_vec())),
            ),
        }
    }

    /// Seccomp rules per syscall name: for each name, the rules that list it (each without its
    /// `names`, sorted, so rule order and grouping do not count), cited by the rules' own
    /// provenance entries (`linux.seccomp.syscalls[3]`: the profile rule and its condition).
    fn seccomp(&mut self, at: &At, a: &[Value], b: &[Value]) {
        type PerName = BTreeMap<String, (Vec<Value>, Vec<usize>)>;
        let by_name = |rules: &[Value]| -> PerName {
            let mut out = PerName::new();
            for (i, rule) in rules.iter().enumerate() {
                let mut bare = rule.clone();
                let names = bare
                    .as_object_mut()
                    .and_then(|m| m.remove("names"))
                    .unwrap_or_default();
                for name in names.as_array().into_iter().flatten() {
                    let entry = out.entry(member_name(name)).or_default();
                    entry.0.push(bare.clone());
                    entry.1.push(i);
                }
            }
            for (rules, _) in out.values_mut() {
                rules.sort_by_cached_key(|r| r.to_string());
            }
            out
        };
        let (na, nb) = (by_name(a), by_name(b));
        let mut names: Vec<&String> = na.keys().chain(nb.keys()).collect();
        names.sort();
        names.dedup();
        let cite = |index: &TraceIndex<'_>, base: &str, rules: &[usize]| -> Vec<Cited> {
            rules
                .iter()
                .flat_map(|i| Self::cite(index, &format!("{base}[{i}]")))
                .collect()
        };
        for name in names {
            let (ra, rb) = (na.get(name), nb.get(name));
            if ra.map(|r| &r.0) == rb.map(|r| &r.0) {
                continue;
            }
            let v = |r: Option<&(Vec<Value>, Vec<usize>)>| {
                r.map(|(rules, _)| Value::Array(rules.clone()))
            };
            self.changes.push(Change {
                path: join(&at.path, name),
                section: Section::Config,
                kind: ChangeKind::of(ra, rb),
                a: v(ra),
                b: v(rb),
                a_sources: cite(&self.a_index, &at.a, ra.map_or(&[], |r| &r.1)),
                b_sources: cite(&self.b_index, &at.b, rb.map_or(&[], |r| &r.1)),
            });
        }
    }

    /// `process.capabilities` as one set of capabilities, each with the sets it is in
    /// (`CAP_SYS_ADMIN: [bounding, effective, permitted]`), at the capability's trace key.
    fn capabilities(&mut self, at: &At, a: &Map<String, Value>, b: &Map<String, Value>) {
        let by_cap = |m: &Map<String, Value>| {
            let mut caps: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (set, members) in m {
                for cap in members.as_array().into_iter().flatten() {
                    caps.entry(member_name(cap))
                        .or_default()
                        .push(Value::String(set.clone()));
                }
            }
            caps
        };
        let (ca, cb) = (by_cap(a), by_cap(b));
        let mut names: Vec<&String> = ca.keys().chain(cb.keys()).collect();
        names.sort();
        names.dedup();
        for cap in names {
            let (va, vb) = (ca.get(cap), cb.get(cap));
            if va != vb {
                let child = At {
                    path: format!("{}.{cap}", at.path),
                    a: format!("{}.{cap}", at.a),
                    b: format!("{}.{cap}", at.b),
                };
                let v = |sets: Option<&Vec<Value>>| sets.map(|s| Value::Array(s.clone()));
                self.leaf(&child, v(va), v(vb));
            }
        }
    }
}

/// Keys in order: A's, then those only B has, in B's order; with each side's element.
fn merge<'v>(
    a: &[(String, &'v Value)],
    b: &[(String, &'v Value)],
) -> Vec<(String, Option<&'v Value>, Option<&'v Value>)> {
    let bmap: BTreeMap<&str, &Value> = b.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let amap: BTreeMap<&str, &Value> = a.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    a.iter()
        .map(|(k, v)| (k.clone(), Some(*v), bmap.get(k.as_str()).copied()))
        .chain(
            b.iter()
                .filter(|(k, _)| !amap.contains_key(k.as_str()))
                .map(|(k, v)| (k.clone(), None, Some(*v))),
        )
        .collect()
}

/// The sources of `key` on one side: its own provenance, or the nearest recorded field's
/// above it, or (a whole object with no record of its own) the records of the fields below.
pub(super) fn cite(index: &TraceIndex<'_>, key: &str) -> Vec<Cited> {
    let entries = match index.nearest(key) {
        Some((_, entries)) => entries.to_vec(),
        None => index.below(key),
    };
    entries
        .iter()
        .map(|e| Cited {
            field: e.target.to_string(),
            pass: Some(e.pass.to_string()),
            source: e.source.clone(),
        })
        .collect()
}
