//! `explain`: the provenance record as text a person reads, one block per output field in
//! the order the passes first set them, each listing every source that contributed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Bound;

use crate::render::Rendered;
use crate::trace::{Trace, TraceEntry};

/// Whether the explain query `query` selects the output field `field`: the field itself or
/// any field below it, matching whole dotted segments. `process.env` selects `process.env`
/// and `process.env.PATH`; `process.env.P` selects neither `process.env.PATH` nor
/// `process.environment`. An empty query selects every field. The CLI's `--field` and the
/// page's `explain` both filter with this, so they list the same fields.
pub fn field_matches(query: &str, field: &str) -> bool {
    query.is_empty()
        || field
            .strip_prefix(query)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The provenance entries that answer "where did `query` come from", oldest first: those of
/// the fields [`field_matches`] selects (the field and the fields below it), or, when none has
/// a record of its own (a leaf inside a recorded element, like `linux.devices./dev/fuse.major`
/// or `process.user.uid`), those of the nearest field above it that has one. The CLI's
/// `explain --field`, the page's explain and the diff's sources all answer with this.
pub fn entries_for<'a>(trace: &'a Trace, query: &str) -> Vec<&'a TraceEntry> {
    let selected: Vec<&TraceEntry> = trace
        .entries
        .iter()
        .filter(|e| field_matches(query, &e.target))
        .collect();
    if !selected.is_empty() {
        return selected;
    }
    TraceIndex::new(trace)
        .nearest(query)
        .map(|(_, entries)| entries.to_vec())
        .unwrap_or_default()
}

/// The trace by field, for looking up many fields: the diff asks once per change.
#[derive(Debug, Default)]
pub struct TraceIndex<'a> {
    by_target: BTreeMap<&'a str, Vec<&'a TraceEntry>>,
}

impl<'a> TraceIndex<'a> {
    pub fn new(trace: &'a Trace) -> Self {
        let mut by_target: BTreeMap<&str, Vec<&TraceEntry>> = BTreeMap::new();
        for e in &trace.entries {
            by_target.entry(&*e.target).or_default().push(e);
        }
        TraceIndex { by_target }
    }

    /// The entries of `field` itself or, failing that, of the nearest field above it: the
    /// longest recorded `t` with `field_matches(t, field)`. Only prefixes that end where a
    /// dotted segment ends can match, so those are the only ones looked up.
    pub fn nearest(&self, field: &str) -> Option<(&'a str, &[&'a TraceEntry])> {
        let ends = std::iter::once(field.len()).chain(field.rmatch_indices('.').map(|(i, _)| i));
        ends.filter_map(|end| {
            let (target, entries) = self.by_target.get_key_value(&field[..end])?;
            field_matches(target, field).then_some((*target, entries.as_slice()))
        })
        .next()
    }

    /// The entries of the fields below `field` (those `field_matches(field, t)` selects but
    /// `field` itself), in field order: what explains a whole object that has no record of
    /// its own (`hooks` by `hooks.createContainer`).
    pub fn below(&self, field: &str) -> Vec<&'a TraceEntry> {
        let start = format!("{field}.");
        self.by_target
            .range::<str, _>((Bound::Included(start.as_str()), Bound::Unbounded))
            .take_while(|(t, _)| field_matches(field, t))
            .flat_map(|(_, entries)| entries.iter().copied())
            .collect()
    }
}

/// Render the trace as text. `filter` keeps only the fields [`entries_for`] selects (e.g.
/// `linux.devices` for every device).
pub fn explain_text(rendered: &Rendered, filter: Option<&str>) -> String {
    let selected: Vec<&TraceEntry> = match filter {
        Some(f) => entries_for(&rendered.trace, f),
        None => rendered.trace.entries.iter().collect(),
    };
    // First-set order, each field once (a set, not `Vec::contains`: 2,000 env entries).
    let mut seen = std::collections::BTreeSet::new();
    let order: Vec<&str> = selected
        .iter()
        .map(|e| &*e.target)
        .filter(|t| seen.insert(*t))
        .collect();
    let mut out = String::new();
    for target in order {
        let _ = writeln!(out, "{target}");
        for e in rendered.trace.sources_of(target) {
            let _ = writeln!(out, "    <- {} [{} pass]", e.source, e.pass);
        }
    }
    if !rendered.diagnostics.is_empty() {
        let _ = writeln!(out, "\ndiagnostics:");
        for d in &rendered.diagnostics {
            let field = d
                .field
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            let _ = writeln!(out, "    {}: {}{field}", d.code, d.message);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::Inputs;
    use crate::options::RenderOptions;
    use crate::render::render;
    use crate::service::parse_service_file;
    use crate::snapshot::{DeviceFact, DeviceNode, NodeType, Snapshot};

    fn rendered() -> Rendered {
        let file = parse_service_file(
            "t.yaml",
            "version: v1\ndeployment: demo\nservices:\n  web:\n    image: {name: x}\n    command: {entrypoint: [/bin/app]}\n    devices: [{path: /dev/fuse}]\n",
        )
        .expect("parses");
        let service = file.service(None).expect("one service");
        let mut snapshot = Snapshot::default();
        snapshot.snapshot_version = crate::snapshot::SNAPSHOT_VERSION;
        snapshot.cgroup.own_path = "/".into();
        snapshot.cgroup.root_writable = true;
        snapshot.kernel.arch = "x86_64".into();
        snapshot.kernel.release = "6.8.0".into();
        snapshot.bounding_capabilities = crate::defaults::DEFAULT_CAPABILITIES
            .iter()
            .map(|c| c.to_string())
            .collect();
        snapshot.devices.insert(
            "/dev/fuse".into(),
            DeviceFact::Node(DeviceNode {
                kind: NodeType::Char,
                major: 10,
                minor: 229,
                mode: 0o666,
                uid: 0,
                gid: 0,
            }),
        );
        let options = RenderOptions::new("web", 0);
        render(&Inputs {
            service: &service,
            image: None,
            options: &options,
            snapshot: &snapshot,
        })
        .expect("renders")
    }

    #[test]
    fn lists_each_field_with_its_sources() {
        let text = explain_text(&rendered(), None);
        assert!(
            text.contains(
                "process.args\n    <- service field services.web.command.entrypoint [process pass]"
            ),
            "{text}"
        );
        assert!(
            text.contains("linux.resources.devices.c 10:229\n    <- host fact devices./dev/fuse"),
            "{text}"
        );
    }

    #[test]
    fn field_matches_whole_dotted_segments() {
        assert!(field_matches("process.env", "process.env"));
        assert!(field_matches("process.env", "process.env.PATH"));
        assert!(field_matches("linux.devices", "linux.devices./dev/nvidia0"));
        assert!(field_matches("", "process.args"));
        assert!(!field_matches("process.env.P", "process.env.PATH"));
        assert!(!field_matches("process.env", "process.environment"));
        assert!(!field_matches("process.env.PATH", "process.env"));
        assert!(!field_matches(
            "linux.devices./dev",
            "linux.devices./dev/fuse"
        ));
    }

    #[test]
    fn seccomp_rules_name_the_preset_and_the_profile_rule() {
        let text = explain_text(&rendered(), Some("linux.seccomp"));
        assert!(
            text.starts_with(
                "linux.seccomp\n    <- default docker_seccomp_profile [seccomp pass]\n    <- host fact kernel"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "linux.seccomp.syscalls[0]\n    <- seccomp profile docker-default rule 0 [preset docker] [seccomp pass]"
            ),
            "{text}"
        );
        // A conditional rule says which condition this container met.
        assert!(
            text.contains("(arches: amd64, x32) [preset docker]"),
            "{text}"
        );
    }

    #[test]
    fn a_leaf_inside_a_recorded_field_is_explained_by_that_field() {
        let r = rendered();
        let text = explain_text(&r, Some("linux.devices./dev/fuse.major"));
        assert!(
            text.starts_with(
                "linux.devices./dev/fuse\n    <- service field services.web.devices[0].path"
            ),
            "{text}"
        );
        let index = TraceIndex::new(&r.trace);
        assert_eq!(
            index.nearest("process.user.uid").map(|(t, _)| t),
            Some("process.user")
        );
        assert_eq!(index.nearest("linux.devices./dev/fus"), None);
        assert!(index
            .below("linux.devices")
            .iter()
            .all(|e| e.target.starts_with("linux.devices.")));
        assert!(!index.below("linux.devices").is_empty());
        assert!(index.below("linux.devices./dev").is_empty());
    }

    #[test]
    fn filter_keeps_only_matching_targets() {
        let text = explain_text(&rendered(), Some("linux.devices"));
        assert!(text.starts_with("linux.devices./dev/fuse\n"), "{text}");
        assert!(!text.contains("process.args"), "{text}");
    }
}
