//! Pass `resource_extras`: the Docker-style resource settings beyond cpu, memory and pids:
//! `linux.resources.cpu.shares` and `.cpu.cpus`, `.memory.swap`, `.memory.reservation`,
//! `.memory.swappiness`, `.memory.disableOOMKiller`, and `.blockIO.weight`.
//!
//! Each is checked against the host's cgroups as the snapshot records them: a setting whose
//! controller the agent does not have (`cgroup.controllers`), or one cgroup v2 has no file for
//! (`memory_swappiness`, `oom_kill_disable`), would make runc fail at start, so it is left out
//! with warning W013 naming the field, or is an error with the render option `strict`.
//!
//! Values, as Docker checks them:
//! - `cpu_shares` 2..=262144 (runc turns it into a v2 weight);
//! - `cpuset` a CPU list (`0-3,8`) within the host's online CPUs (snapshot fact `cpuset`);
//! - `memory_swap` a size of at least `memory` (which it needs), or `-1` for unlimited swap;
//!   it is memory plus swap, as in Docker and the runtime spec;
//! - `memory_reservation` a size, at most `memory` when that is set;
//! - `memory_swappiness` 0..=100; `oom_kill_disable: true` (false is the default: nothing);
//! - `blkio_weight` 10..=1000.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::rootless;
use crate::service::ByteSize;
use crate::snapshot::CgroupLayout;
use crate::trace::{codes, Source};

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let r = &cx.service.spec.resources;
    if let Some(shares) = r.cpu_shares {
        let field = cx.service.field("resources.cpu_shares");
        if !(2..=262_144).contains(&shares) {
            return Err(Error::invalid(
                field,
                "a relative weight from 2 to 262144 (Docker's default is 1024)",
                shares.to_string(),
            ));
        }
        if applicable(cx, d, &field, Need::Controller("cpu"))? {
            d.set_cpu_shares(u64::from(shares), Source::input(field));
        }
    }
    if let Some(text) = &r.cpuset {
        let field = cx.service.field("resources.cpuset");
        let cpus = cpu_list(text, &field)?;
        let host = cx.host.cpuset(&field)?;
        let online = cpu_list(&host.cpus, "cpuset.cpus")?;
        if let Some(cpu) = outside(&cpus, &online) {
            return Err(Error::unsatisfiable(
                field,
                format!(
                    "CPU {cpu} is not online on this host (host fact cpuset.cpus: {})",
                    host.cpus.trim()
                ),
            ));
        }
        if applicable(cx, d, &field, Need::Controller("cpuset"))? {
            d.set_cpus(
                text.trim().to_string(),
                vec![Source::input(field), Source::fact("cpuset")],
            );
        }
    }
    memory(cx, d)?;
    if let Some(weight) = r.blkio_weight {
        let field = cx.service.field("resources.blkio_weight");
        if !(10..=1000).contains(&weight) {
            return Err(Error::invalid(
                field,
                "a weight from 10 to 1000",
                weight.to_string(),
            ));
        }
        if applicable(cx, d, &field, Need::Controller(io_controller(cx)))? {
            d.set_blkio_weight(weight, Source::input(field));
        }
    }
    Ok(())
}

fn memory(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let r = &cx.service.spec.resources;
    // The service's memory, not the draft's: rootless without a writable cgroup the limit is
    // dropped (W013), and its companions are checked against it and dropped the same way.
    let limit = r.memory.as_ref().map(|m| m.as_i64());
    let memory_field = cx.service.field("resources.memory");
    if let Some(text) = &r.memory_swap {
        let field = cx.service.field("resources.memory_swap");
        let Some(limit) = limit else {
            return Err(Error::invalid(
                field,
                format!("`{memory_field}` as well: memory_swap is memory plus swap"),
                "memory_swap alone",
            ));
        };
        let swap = if text.trim() == "-1" {
            -1
        } else {
            let bytes = size(text, &field)?;
            if bytes < limit {
                return Err(Error::invalid(
                    field,
                    format!("at least `{memory_field}` ({limit} bytes), or -1 for unlimited swap: it is memory plus swap"),
                    format!("{text:?}"),
                ));
            }
            bytes
        };
        if applicable(cx, d, &field, Need::Controller("memory"))? {
            d.set_memory_swap(
                swap,
                vec![Source::input(field), Source::input(memory_field.clone())],
            );
        }
    }
    if let Some(text) = &r.memory_reservation {
        let field = cx.service.field("resources.memory_reservation");
        let bytes = size(text, &field)?;
        if limit.is_some_and(|l| bytes > l) {
            return Err(Error::invalid(
                field,
                format!(
                    "at most `{memory_field}`: a soft limit above the hard one is never reached"
                ),
                format!("{text:?}"),
            ));
        }
        if applicable(cx, d, &field, Need::Controller("memory"))? {
            d.set_memory_reservation(bytes, Source::input(field));
        }
    }
    if let Some(swappiness) = r.memory_swappiness {
        let field = cx.service.field("resources.memory_swappiness");
        if swappiness > 100 {
            return Err(Error::invalid(
                field,
                "a number from 0 to 100",
                swappiness.to_string(),
            ));
        }
        if applicable(cx, d, &field, Need::V1("memory"))? {
            d.set_memory_swappiness(u64::from(swappiness), Source::input(field));
        }
    }
    if r.oom_kill_disable == Some(true) {
        let field = cx.service.field("resources.oom_kill_disable");
        if applicable(cx, d, &field, Need::V1("memory"))? {
            d.set_disable_oom_killer(true, Source::input(field));
        }
    }
    Ok(())
}

/// A size in bytes, read as `memory` is (above 0, within the spec's `i64`).
fn size(text: &str, field: &str) -> Result<i64> {
    Ok(ByteSize::parse(text).map_err(|e| e.at(field))?.as_i64())
}

/// What a setting needs from the host's cgroups.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Need {
    /// The controller, delegated to the agent.
    Controller(&'static str),
    /// The controller on cgroup v1 (v2 has no file for the setting).
    V1(&'static str),
}

/// The block I/O controller's name on this host's layout.
fn io_controller(cx: &Context<'_>) -> &'static str {
    match cx.host.cgroup().layout {
        CgroupLayout::V2 => "io",
        CgroupLayout::V1 | CgroupLayout::Hybrid => "blkio",
    }
}

/// Whether the host can apply the setting at `field`; if not, W013 (or an error when strict).
/// The `resources` pass asks it too, for cpu, memory and pids.
pub(crate) fn applicable(cx: &Context<'_>, d: &mut Draft, field: &str, need: Need) -> Result<bool> {
    let cg = cx.host.cgroup();
    let (controller, v1_only) = match need {
        Need::Controller(c) => (c, false),
        Need::V1(c) => (c, true),
    };
    // Rootless without a writable cgroup, runc has no cgroup to write any limit into.
    let why = if !rootless::cgroup_writable(&cx.host) {
        rootless::no_cgroup_reason(&cx.host)
    } else if v1_only && cg.layout == CgroupLayout::V2 {
        "cgroup v2 has no such setting (host fact cgroup.layout: v2)".to_string()
    } else if !cg.controllers.iter().any(|c| c == controller) {
        if cx.host.unreadable("cgroup.controllers") {
            return Err(cx.host.missing("cgroup.controllers", field));
        }
        format!(
            "the `{controller}` controller is not available to the agent (host fact cgroup.controllers: {})",
            if cg.controllers.is_empty() { "none".to_string() } else { cg.controllers.join(", ") }
        )
    } else {
        return Ok(true);
    };
    if cx.options.strict {
        return Err(Error::unsatisfiable(
            field,
            format!("this host cannot apply it: {why} (render option `strict`)"),
        ));
    }
    d.warn(
        codes::LIMIT_NOT_APPLIED,
        format!("`{field}` is left out: {why}; runc would fail to start the container with it"),
        Some(field.to_string()),
    );
    Ok(false)
}

/// A kernel CPU list (`0-3,8`) as inclusive ranges; empty or malformed is an error.
fn cpu_list(text: &str, field: &str) -> Result<Vec<(u32, u32)>> {
    let bad = || Error::invalid(field, "a CPU list like `0-3,8`", format!("`{text}`"));
    let text = text.trim();
    if text.is_empty() {
        return Err(bad());
    }
    text.split(',')
        .map(|part| {
            let (lo, hi) = part.split_once('-').unwrap_or((part, part));
            let lo: u32 = lo.trim().parse().map_err(|_| bad())?;
            let hi: u32 = hi.trim().parse().map_err(|_| bad())?;
            if lo > hi {
                return Err(bad());
            }
            Ok((lo, hi))
        })
        .collect()
}

/// The first CPU of `wanted` that no range of `online` holds.
fn outside(wanted: &[(u32, u32)], online: &[(u32, u32)]) -> Option<u32> {
    for (lo, hi) in wanted {
        // Walk range by range: a range fully inside one online range is checked in one step.
        let mut cpu = *lo;
        while cpu <= *hi {
            let Some(&(_, end)) = online.iter().find(|(l, h)| (*l..=*h).contains(&cpu)) else {
                return Some(cpu);
            };
            match end.checked_add(1) {
                Some(next) => cpu = next,
                None => break,
            }
        }
    }
    None
}

#[cfg(test)]
#[path = "resource_extras_tests.rs"]
mod tests;
