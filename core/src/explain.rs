//! `explain`: the provenance record as text a person reads, one block per output field in
//! the order the passes first set them, each listing every source that contributed.

use std::fmt::Write as _;

use crate::render::Rendered;

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

/// Render the trace as text. `filter` keeps only the fields [`field_matches`] selects
/// (e.g. `linux.devices` for every device).
pub fn explain_text(rendered: &Rendered, filter: Option<&str>) -> String {
    let mut order: Vec<&str> = Vec::new();
    for e in &rendered.trace.entries {
        if filter.is_some_and(|f| !field_matches(f, &e.target)) {
            continue;
        }
        if !order.contains(&e.target.as_str()) {
            order.push(&e.target);
        }
    }
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
    fn filter_keeps_only_matching_targets() {
        let text = explain_text(&rendered(), Some("linux.devices"));
        assert!(text.starts_with("linux.devices./dev/fuse\n"), "{text}");
        assert!(!text.contains("process.args"), "{text}");
    }
}
