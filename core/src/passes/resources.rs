//! Pass `resources`: `linux.resources` cpu, memory and pids (seed §1.5 step 10).
//! Device cgroup rules are written by the `devices` pass, which knows the emitted nodes.
//!
//! Decisions:
//! - cpu: the quota [`crate::service::CpuQuota`] computed when the file was read
//!   (`round(cpu * 100000)`, at least 1000), `period = 100000`.
//! - memory: the [`crate::service::ByteSize`] read from the file (overflow-checked, seed §6
//!   bug 11, above zero and within the spec's `i64`).
//! - pids: a positive limit, or `-1` for "no limit" (OCI). `0` is rejected: runtimes disagree
//!   on whether it means unlimited. Without one, the preset's: Podman sets 2048 (rootful),
//!   Docker and containerd none.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::passes::resource_extras::{applicable, Need};
use crate::trace::Source;

pub use crate::service::CPU_PERIOD;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let r = &cx.service.spec.resources;
    if let Some(cpu) = r.cpu {
        let field = cx.service.field("resources.cpu");
        if rootless_applies(cx, d, &field, "cpu")? {
            d.set_cpu(
                cpu.quota(),
                CPU_PERIOD,
                Source::input(field.clone()),
                Source::default("cfs_period_100ms"),
            );
        }
    }
    if let Some(size) = &r.memory {
        let field = cx.service.field("resources.memory");
        if rootless_applies(cx, d, &field, "memory")? {
            d.set_memory_limit(size.as_i64(), Source::input(field));
        }
    }
    if let Some(limit) = r.pids_limit {
        let field = cx.service.field("resources.pids_limit");
        if limit != -1 && limit <= 0 {
            return Err(Error::invalid(
                field,
                "a positive number of processes, or -1 for no limit",
                limit.to_string(),
            ));
        }
        if rootless_applies(cx, d, &field, "pids")? {
            d.set_pids_limit(limit, Source::input(field));
        }
    } else if let Some(limit) = cx.options.preset.pids_limit(cx.host.rootless()) {
        let preset = cx.options.preset;
        d.set_pids_limit(limit, Source::default(preset.default_name("pids_limit")));
    }
    Ok(())
}

/// Rootful, runc creates the cgroup and every limit applies (as before). Rootless, a limit
/// needs a writable cgroup with its controller delegated; otherwise it is dropped with W013
/// naming the field (an error when strict), so the container still starts.
fn rootless_applies(
    cx: &Context<'_>,
    d: &mut Draft,
    field: &str,
    controller: &'static str,
) -> Result<bool> {
    if !cx.host.rootless() {
        return Ok(true);
    }
    applicable(cx, d, field, Need::Controller(controller))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{err_text, web, Fixture};
    use crate::trace::Source;

    // Values are checked when the file is read (service/values.rs, tested there); this sets
    // the field from a size that passed.
    fn memory(text: &str) -> Fixture {
        let mut f = web("");
        f.service.spec.resources.memory = Some(crate::service::ByteSize::parse(text).unwrap());
        f
    }

    #[test]
    fn cpu_quota_is_rounded_with_fixed_period() {
        let d = web("resources: {cpu: 0.3}").draft(apply).unwrap();
        assert_eq!(d.resources.cpu_quota, Some(30_000));
        assert_eq!(d.resources.cpu_period, Some(100_000));
        let d = web("resources: {cpu: 2}").draft(apply).unwrap();
        assert_eq!(d.resources.cpu_quota, Some(200_000));
        assert_eq!(
            d.trace()
                .last_for("linux.resources.cpu.quota")
                .map(|e| &e.source),
            Some(&Source::input("services.web.resources.cpu"))
        );
    }

    #[test]
    fn memory_limit_parsed_and_recorded() {
        let d = web("resources: {memory: 512Mi}").draft(apply).unwrap();
        assert_eq!(d.resources.memory_limit, Some(512 << 20));
        assert_eq!(
            d.trace()
                .last_for("linux.resources.memory.limit")
                .map(|e| &e.source),
            Some(&Source::input("services.web.resources.memory"))
        );
        let d = memory("1.5Gi").draft(apply).unwrap();
        assert_eq!(d.resources.memory_limit, Some(1_610_612_736));
        let d = memory("2G").draft(apply).unwrap();
        assert_eq!(d.resources.memory_limit, Some(2_000_000_000));
    }

    #[test]
    fn seed_bug_11_memory_overflow() {
        // The seed multiplies without checks. 2^64 bytes and beyond must be errors, and so must
        // anything that does not fit the spec's i64 (8388608Ti = 2^63 bytes): both are refused
        // when the file is read, with the same message.
        for size in ["16777216Ti", "8388608Ti"] {
            let e = match crate::service::parse_service_file(
                "t.yaml",
                &format!("version: v1\ndeployment: test\nservices:\n  web:\n    image: {{name: x}}\n    resources: {{memory: {size}}}\n"),
            ) {
                Ok(_) => panic!("{size} must not parse"),
                Err(e) => e.to_string(),
            };
            assert!(
                e.starts_with("t.yaml:6:17: services.web.resources.memory: expected a size of at most 9223372036854775807 bytes"),
                "{e}"
            );
        }
        let d = memory("9223372036854775807").draft(apply).unwrap();
        assert_eq!(d.resources.memory_limit, Some(i64::MAX));
    }

    #[test]
    fn podman_preset_limits_pids_when_rootful() {
        let pids = |body: &str, euid: u32| {
            let mut f = web(body);
            f.options.preset = crate::preset::Preset::Podman;
            f.snapshot.user.euid = euid;
            f.draft(apply).unwrap().resources.pids_limit
        };
        assert_eq!(pids("", 0), Some(2048));
        assert_eq!(pids("", 1000), None);
        assert_eq!(pids("resources: {pids_limit: 10}", 0), Some(10));
    }

    #[test]
    fn pids_limit_when_given() {
        assert_eq!(web("").draft(apply).unwrap().resources.pids_limit, None);
        assert_eq!(
            web("resources: {pids_limit: 100}")
                .draft(apply)
                .unwrap()
                .resources
                .pids_limit,
            Some(100)
        );
        assert_eq!(
            web("resources: {pids_limit: -1}")
                .draft(apply)
                .unwrap()
                .resources
                .pids_limit,
            Some(-1)
        );
        let e = err_text(web("resources: {pids_limit: 0}").draft(apply));
        assert!(
            e.starts_with("services.web.resources.pids_limit: expected a positive number"),
            "{e}"
        );
    }

    #[test]
    fn nothing_requested_sets_nothing() {
        let d = web("").draft(apply).unwrap();
        assert_eq!(d.resources, crate::draft::ResourcesDraft::default());
        assert!(d.trace().entries.is_empty());
    }
}
