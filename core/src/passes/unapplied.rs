//! Service keys that ocigen parses (so files using them load) but that no pass puts in the
//! runtime spec. Each one set to a non-default value gets info `I004_FIELD_NOT_APPLIED`
//! naming its full field path, so nothing in the file is silently ignored.
//!
//! "Set" means: a non-empty list or map, a `true` flag, or any value in an option. Keys that
//! belong to the orchestrator or the agent (ports, labels, stop handling, /etc/hosts) say so.

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;
use crate::service::ServiceSpec;
use crate::trace::codes;

/// Who handles a key instead, appended to the message.
const ORCHESTRATOR: &str = "it is the orchestrator's to handle";
const AGENT_STOP: &str = "the agent uses it when it stops the container";

/// `(field relative to the service, set to a non-default value, note)` for each key. These
/// have no runtime-spec field; the README says what the agent does with each.
fn keys(s: &ServiceSpec) -> Vec<(&'static str, bool, &'static str)> {
    vec![
        (
            "stdin_open",
            s.stdin_open,
            "stdin is the agent's to attach (runc keeps the stdin it is given)",
        ),
        (
            "stop_grace_period",
            s.stop_grace_period.is_some(),
            AGENT_STOP,
        ),
        (
            "init_container",
            s.init_container == Some(true),
            "no init process is injected: the agent must put an init (tini, docker-init) first in `process.args`",
        ),
        ("port_mappings", !s.port_mappings.is_empty(), ORCHESTRATOR),
        ("expose", !s.expose.is_empty(), ORCHESTRATOR),
    ]
}

/// Pass `unapplied`: one `I004_FIELD_NOT_APPLIED` info per key set to a non-default value,
/// in table order. It sets no field.
pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    for (rel, set, note) in keys(&cx.service.spec) {
        if set {
            let field = cx.service.field(rel);
            d.info(
                codes::FIELD_NOT_APPLIED,
                format!(
                    "`{field}` is parsed but ocigen does not put it in the runtime spec; {note}"
                ),
                Some(field),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::fixture;
    use crate::trace::Severity;

    fn noted(body: &str) -> Vec<(String, String)> {
        let d = fixture(body).run(apply).unwrap();
        d.diagnostics()
            .iter()
            .map(|x| {
                assert_eq!(x.code, codes::FIELD_NOT_APPLIED);
                assert_eq!(x.severity, Severity::Info);
                (x.field.clone().unwrap_or_default(), x.message.clone())
            })
            .collect()
    }

    #[test]
    fn default_service_gets_no_note() {
        assert!(noted("").is_empty());
        // Explicit defaults are not notes either.
        assert!(
            noted("    stdin_open: false\n    expose: []\n    init_container: false\n").is_empty()
        );
    }

    #[test]
    fn each_set_key_gets_one_note_naming_its_field() {
        let got = noted(concat!(
            "    stdin_open: true\n",
            "    init_container: true\n",
            "    expose: [\"3000\"]\n",
        ));
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "services.web.stdin_open",
                "services.web.init_container",
                "services.web.expose",
            ]
        );
        assert!(
            got[0].1.contains("does not put it in the runtime spec"),
            "{}",
            got[0].1
        );
        assert!(got[1].1.contains("tini"), "{}", got[1].1);
        assert!(got[2].1.contains("orchestrator"), "{}", got[2].1);
    }

    #[test]
    fn every_key_in_the_table_is_noticed_when_set() {
        // A service setting every listed key: one note each, so the table misses none.
        let got = noted(concat!(
            "    stdin_open: true\n",
            "    stop_grace_period: 10s\n    init_container: true\n",
            "    expose: [\"80\"]\n    port_mappings: [{ container_port: 80 }]\n",
        ));
        let spec = &fixture("").service.spec;
        assert_eq!(got.len(), keys(spec).len());
    }

    #[test]
    fn applied_keys_are_not_noted() {
        // Each of these shapes the spec now (a pass of its own applies it): no I004.
        let got = noted(concat!(
            "    sysctls: { net.core.somaxconn: \"1\" }\n    tty: true\n",
            "    extra_hosts: [\"db:10.0.0.1\"]\n    pid_mode: host\n    ipc_mode: host\n",
            "    userns_mode: host\n    extra_groups: [\"44\"]\n    labels: { a: b }\n",
            "    stop_signal: SIGINT\n",
            "    resources: { cpuset: \"0-1\", cpu_shares: 2, memory_swap: 1Gi, memory_reservation: 1Gi,",
            " memory_swappiness: 0, oom_score_adj: 5, oom_kill_disable: true, blkio_weight: 100 }\n",
        ));
        assert!(got.is_empty(), "{got:?}");
    }
}
