//! Pass `resources`: `linux.resources` cpu, memory and pids (seed §1.5 step 10).
//! Device cgroup rules are written by the `devices` pass, which knows the emitted nodes.
//!
//! Decisions:
//! - cpu: `quota = round(cpu * 100000)`, `period = 100000` (the seed truncates; rounding keeps
//!   `0.3` at 30000 instead of 29999). `cpu` must be a finite number > 0 whose quota is at
//!   least 1000 (0.01 CPU), the kernel's smallest CFS quota (1 ms).
//! - memory: [`crate::units::parse_size`] (overflow-checked, seed §6 bug 11) and it must fit
//!   the spec's `i64`; `0` is rejected because runtimes read it as "no limit", which is not
//!   what a user writing a limit means.
//! - pids: a positive limit, or `-1` for "no limit" (OCI). `0` is rejected: runtimes disagree
//!   on whether it means unlimited. Without one, the preset's: Podman sets 2048 (rootful),
//!   Docker and containerd none.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::trace::Source;

/// CFS period in microseconds (100 ms), as the seed and Docker use.
pub const CPU_PERIOD: u64 = 100_000;
/// The kernel's smallest CFS quota, in microseconds.
const MIN_CPU_QUOTA: f64 = 1_000.0;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let r = &cx.service.spec.resources;
    if let Some(cpu) = r.cpu {
        let field = cx.service.field("resources.cpu");
        let quota = cpu_quota(cpu, &field)?;
        d.set_cpu(
            quota,
            CPU_PERIOD,
            Source::input(&field),
            Source::default("cfs_period_100ms"),
        );
    }
    if let Some(text) = &r.memory {
        let field = cx.service.field("resources.memory");
        let limit = memory_limit(text, &field)?;
        d.set_memory_limit(limit, Source::input(field));
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
        d.set_pids_limit(limit, Source::input(field));
    } else if let Some(limit) = cx.options.preset.pids_limit(cx.host.rootless()) {
        let preset = cx.options.preset;
        d.set_pids_limit(limit, Source::default(preset.default_name("pids_limit")));
    }
    Ok(())
}

/// CFS quota in microseconds per [`CPU_PERIOD`] for `cpu` cores.
fn cpu_quota(cpu: f64, field: &str) -> Result<i64> {
    let expected = "a number of CPUs of at least 0.01, like 0.5 or 2";
    if !cpu.is_finite() || cpu <= 0.0 {
        return Err(Error::invalid(field, expected, cpu.to_string()));
    }
    let quota = (cpu * CPU_PERIOD as f64).round();
    // `i64::MAX as f64` rounds up to 2^63, so `<` guarantees the cast below is exact-range.
    if quota < MIN_CPU_QUOTA || quota >= i64::MAX as f64 {
        return Err(Error::invalid(field, expected, cpu.to_string()));
    }
    Ok(quota as i64)
}

/// Memory limit in bytes, as the spec's `i64`.
fn memory_limit(text: &str, field: &str) -> Result<i64> {
    let bytes = crate::units::parse_size(text, field)?;
    if bytes == 0 {
        return Err(Error::invalid(
            field,
            "a memory limit above zero, like 512Mi",
            format!("{text:?}"),
        ));
    }
    i64::try_from(bytes).map_err(|_| {
        Error::invalid(
            field,
            format!("a memory limit of at most {} bytes", i64::MAX),
            format!("{text:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{err_text, web, Fixture};
    use crate::trace::Source;

    // Service validation (service/validate.rs) already refuses some of these values at parse
    // time; these helpers set the field directly so the pass's own checks are tested too.
    fn memory(text: &str) -> Fixture {
        let mut f = web("");
        f.service.spec.resources.memory = Some(text.to_string());
        f
    }

    fn cpu(value: f64) -> Fixture {
        let mut f = web("");
        f.service.spec.resources.cpu = Some(value);
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
    fn cpu_out_of_range_is_an_error() {
        for value in [0.0, -1.0, 0.001, 1e300, f64::NAN, f64::INFINITY] {
            let e = err_text(cpu(value).draft(apply));
            assert!(
                e.starts_with("services.web.resources.cpu: expected a number of CPUs"),
                "{value}: {e}"
            );
        }
        let e = err_text(web("resources: {cpu: 0.001}").draft(apply));
        assert!(e.contains("at least 0.01"), "{e}");
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
        // anything that does not fit the spec's i64 (8388608Ti = 2^63 bytes).
        // Sizes past 2^64 bytes already fail when the file is validated.
        let e = match crate::service::parse_service_file(
            "t.yaml",
            "version: v1\ndeployment: test\nservices:\n  web:\n    image: {name: x}\n    resources: {memory: 16777216Ti}\n",
        ) {
            Ok(_) => panic!("16777216Ti must not parse"),
            Err(e) => e.to_string(),
        };
        assert!(
            e.starts_with("services.web.resources.memory: expected a size of at most"),
            "{e}"
        );
        let e = err_text(memory("8388608Ti").draft(apply));
        assert!(
            e.contains("a memory limit of at most 9223372036854775807 bytes"),
            "{e}"
        );
        let d = memory("9223372036854775807").draft(apply).unwrap();
        assert_eq!(d.resources.memory_limit, Some(i64::MAX));
    }

    #[test]
    fn memory_garbage_and_zero_are_errors() {
        let e = err_text(memory("12.5Q").draft(apply));
        assert_eq!(
            e,
            r#"services.web.resources.memory: expected a size like 512Mi, got "12.5Q""#
        );
        let e = err_text(memory("0Mi").draft(apply));
        assert!(e.contains("a memory limit above zero"), "{e}");
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
