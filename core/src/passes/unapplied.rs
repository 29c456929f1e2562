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
const NO_LIMIT: &str = "no cgroup setting is made for it";

/// `(field relative to the service, set to a non-default value, note)` for each key.
fn keys(s: &ServiceSpec) -> Vec<(&'static str, bool, &'static str)> {
    let r = &s.resources;
    vec![
        (
            "sysctls",
            !s.sysctls.is_empty(),
            "no `linux.sysctl` is written",
        ),
        ("tty", s.tty, "`process.terminal` stays false"),
        ("stdin_open", s.stdin_open, "stdin is the agent's to attach"),
        (
            "extra_hosts",
            !s.extra_hosts.is_empty(),
            "/etc/hosts is the agent's to write",
        ),
        (
            "pid_mode",
            s.pid_mode.is_some(),
            "the container gets its own PID namespace",
        ),
        (
            "ipc_mode",
            s.ipc_mode.is_some(),
            "the container gets its own IPC namespace",
        ),
        (
            "userns_mode",
            s.userns_mode.is_some(),
            "user namespaces follow the host snapshot only",
        ),
        (
            "extra_groups",
            !s.extra_groups.is_empty(),
            "they are not added to `process.user.additionalGids`",
        ),
        ("labels", !s.labels.is_empty(), ORCHESTRATOR),
        ("stop_signal", s.stop_signal.is_some(), AGENT_STOP),
        (
            "stop_grace_period",
            s.stop_grace_period.is_some(),
            AGENT_STOP,
        ),
        (
            "init_container",
            s.init_container == Some(true),
            "no init process is injected",
        ),
        ("resources.cpuset", r.cpuset.is_some(), NO_LIMIT),
        ("resources.cpu_shares", r.cpu_shares.is_some(), NO_LIMIT),
        ("resources.memory_swap", r.memory_swap.is_some(), NO_LIMIT),
        (
            "resources.memory_reservation",
            r.memory_reservation.is_some(),
            NO_LIMIT,
        ),
        (
            "resources.memory_swappiness",
            r.memory_swappiness.is_some(),
            NO_LIMIT,
        ),
        (
            "resources.oom_score_adj",
            r.oom_score_adj.is_some(),
            "`process.oomScoreAdj` is not written",
        ),
        (
            "resources.oom_kill_disable",
            r.oom_kill_disable == Some(true),
            NO_LIMIT,
        ),
        ("resources.blkio_weight", r.blkio_weight.is_some(), NO_LIMIT),
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
        assert!(noted("    tty: false\n    labels: {}\n    init_container: false\n").is_empty());
    }

    #[test]
    fn each_set_key_gets_one_note_naming_its_field() {
        let got = noted(concat!(
            "    sysctls: { net.core.somaxconn: \"1024\" }\n",
            "    labels: { team: a }\n",
            "    resources: { cpu_shares: 512 }\n",
            "    expose: [\"3000\"]\n",
        ));
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "services.web.sysctls",
                "services.web.labels",
                "services.web.resources.cpu_shares",
                "services.web.expose",
            ]
        );
        assert!(
            got[0].1.contains("does not put it in the runtime spec"),
            "{}",
            got[0].1
        );
        assert!(got[1].1.contains("orchestrator"), "{}", got[1].1);
    }

    #[test]
    fn every_key_in_the_table_is_noticed_when_set() {
        // A service setting every listed key: one note each, so the table misses none.
        let got = noted(concat!(
            "    sysctls: { a: b }\n    tty: true\n    stdin_open: true\n",
            "    extra_hosts: [\"db:10.0.0.1\"]\n",
            "    pid_mode: host\n    ipc_mode: host\n    userns_mode: host\n",
            "    extra_groups: [video]\n    labels: { a: b }\n    stop_signal: SIGINT\n",
            "    stop_grace_period: 10s\n    init_container: true\n",
            "    resources: { cpuset: \"0-1\", cpu_shares: 2, memory_swap: 1Gi, memory_reservation: 1Gi,",
            " memory_swappiness: 0, oom_score_adj: 5, oom_kill_disable: true, blkio_weight: 100 }\n",
            "    expose: [\"80\"]\n    port_mappings: [{ container_port: 80 }]\n",
        ));
        let spec = &fixture("").service.spec;
        assert_eq!(got.len(), keys(spec).len());
    }
}
