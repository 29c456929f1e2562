//! Pass `paths`: `linux.maskedPaths`, `linux.readonlyPaths` and `linux.rootfsPropagation`
//! (seed §1.5 step 10).
//!
//! The masked list is Docker's current default (moby `oci/defaults.go`), which is the seed's
//! list plus `/proc/interrupts` and `/sys/devices/virtual/powercap`; the readonly list is the
//! seed's (and Docker's) five. Privileged containers get both lists explicitly empty, so a
//! runtime adds no masks of its own. Propagation is `private`, as the seed.

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;
use crate::trace::Source;

/// Paths hidden from a non-privileged container.
pub const MASKED_PATHS: &[&str] = &[
    "/proc/acpi",
    "/proc/asound",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
];

/// Paths a non-privileged container sees read-only.
pub const READONLY_PATHS: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let (masked, readonly, masked_src, readonly_src) = if cx.service.spec.privileged {
        let why = Source::input(cx.service.field("privileged"));
        (Vec::new(), Vec::new(), why.clone(), why)
    } else {
        (
            owned(MASKED_PATHS),
            owned(READONLY_PATHS),
            Source::default("docker_masked_paths"),
            Source::default("docker_readonly_paths"),
        )
    };
    d.set_masked_paths(masked, masked_src);
    d.set_readonly_paths(readonly, readonly_src);
    d.set_rootfs_propagation("private", Source::default("rootfs_propagation_private"));
    Ok(())
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|p| p.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::web;

    #[test]
    fn default_masks_match_docker() {
        let d = web("").draft(apply).unwrap();
        let masked = d.masked_paths.clone().unwrap();
        assert_eq!(masked.len(), 12);
        for p in [
            "/proc/kcore",
            "/proc/interrupts",
            "/sys/firmware",
            "/sys/devices/virtual/powercap",
        ] {
            assert!(masked.iter().any(|m| m == p), "{p} should be masked");
        }
        assert_eq!(
            d.readonly_paths.clone().unwrap(),
            vec![
                "/proc/bus",
                "/proc/fs",
                "/proc/irq",
                "/proc/sys",
                "/proc/sysrq-trigger"
            ]
        );
        assert_eq!(d.rootfs_propagation.as_deref(), Some("private"));
        assert_eq!(
            d.trace().last_for("linux.maskedPaths").map(|e| &e.source),
            Some(&Source::default("docker_masked_paths"))
        );
    }

    #[test]
    fn privileged_gets_explicitly_empty_lists() {
        let d = web("privileged: true").draft(apply).unwrap();
        assert_eq!(d.masked_paths, Some(vec![]));
        assert_eq!(d.readonly_paths, Some(vec![]));
        assert_eq!(d.rootfs_propagation.as_deref(), Some("private"));
        assert_eq!(
            d.trace().last_for("linux.readonlyPaths").map(|e| &e.source),
            Some(&Source::input("services.web.privileged"))
        );
    }
}
