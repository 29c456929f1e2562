//! Pass `paths`: `linux.maskedPaths`, `linux.readonlyPaths` and `linux.rootfsPropagation`
//! (seed §1.5 step 10).
//!
//! The lists are the preset's ([`crate::preset`]: Docker's current masked list, which is the
//! seed's plus `/proc/interrupts` and `/sys/devices/virtual/powercap`, Podman's, or
//! containerd's). Privileged containers and `security_opt: systempaths=unconfined` get both
//! lists explicitly empty, so a runtime adds no masks of its own. Propagation is `private`,
//! as the seed.

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let unconfined = cx
        .security_opts()?
        .systempaths_unconfined()
        .map(str::to_string);
    let preset = cx.options.preset;
    let why_none = if cx.service.spec.privileged {
        Some(cx.service.field("privileged"))
    } else {
        unconfined
    };
    let (masked, readonly, masked_src, readonly_src) = match why_none {
        Some(field) => {
            let why = Source::input(field);
            (Vec::new(), Vec::new(), why.clone(), why)
        }
        None => (
            owned(preset.masked_paths()),
            owned(preset.readonly_paths()),
            Source::default(preset.default_name("masked_paths")),
            Source::default(preset.default_name("readonly_paths")),
        ),
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
    fn systempaths_unconfined_and_presets() {
        let d = web("security_opt: [systempaths=unconfined]")
            .draft(apply)
            .unwrap();
        assert_eq!(d.masked_paths, Some(vec![]));
        assert_eq!(d.readonly_paths, Some(vec![]));
        assert_eq!(
            d.trace().last_for("linux.maskedPaths").map(|e| &e.source),
            Some(&Source::input("services.web.security_opt[0]"))
        );
        let mut f = web("");
        f.options.preset = crate::preset::Preset::Podman;
        let d = f.draft(apply).unwrap();
        assert!(d
            .masked_paths
            .as_ref()
            .unwrap()
            .iter()
            .any(|p| p == "/sys/fs/selinux"));
        assert_eq!(d.readonly_paths.as_ref().unwrap().len(), 6);
        assert_eq!(
            d.trace().last_for("linux.readonlyPaths").map(|e| &e.source),
            Some(&Source::default("podman_readonly_paths"))
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
