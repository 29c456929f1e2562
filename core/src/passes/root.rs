//! Pass `root`: `ociVersion`, `root.path` and `root.readonly`.
//!
//! - `ociVersion` is [`OCI_VERSION`]: the output uses no field newer than runtime-spec 1.2.
//! - `root.path` is the agent's `rootfs` option (an absolute path: runc 1.1.5 refuses a
//!   symlinked rootfs, so the host passes the canonical one), else `rootfs`, which the runtime
//!   resolves against the bundle directory.
//! - `read_only_root_fs: true` sets `root.readonly`; otherwise it is false by default.

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;
use crate::trace::Source;

/// The runtime-spec version our output conforms to. runc 1.1.5 accepts it; the v1.2.1 JSON
/// schema validates it. We emit no field newer than 1.2.
pub const OCI_VERSION: &str = "1.2.0";

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    d.set_oci_version(OCI_VERSION, Source::default("runtime_spec_version"));
    match &cx.options.rootfs {
        Some(path) => d.set_root_path(path.clone(), Source::option("rootfs")),
        None => d.set_root_path("rootfs".to_string(), Source::default("bundle_rootfs_dir")),
    }
    let readonly = cx.service.spec.read_only_root_fs;
    let source = if readonly {
        Source::input(cx.service.field("read_only_root_fs"))
    } else {
        Source::default("root_writable")
    };
    d.set_root_readonly(readonly, source);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::fixture;

    #[test]
    fn read_only_root_fs_sets_root_readonly() {
        let d = fixture("    read_only_root_fs: true\n").run(apply).unwrap();
        assert!(d.root_readonly);
        assert_eq!(
            d.trace().last_for("root.readonly").unwrap().source,
            Source::input("services.web.read_only_root_fs")
        );
        let d = fixture("").run(apply).unwrap();
        assert!(!d.root_readonly);
        assert_eq!(
            d.trace().last_for("root.readonly").unwrap().source,
            Source::default("root_writable")
        );
    }

    #[test]
    fn version_and_root_path_have_sources() {
        let mut f = fixture("");
        let d = f.run(apply).unwrap();
        assert_eq!(d.oci_version, OCI_VERSION);
        assert_eq!(d.root_path, "rootfs");
        f.options.rootfs = Some("/var/lib/x/rootfs".into());
        let d = f.run(apply).unwrap();
        assert_eq!(d.root_path, "/var/lib/x/rootfs");
        assert_eq!(
            d.trace().last_for("root.path").unwrap().source,
            Source::option("rootfs")
        );
        assert!(d.trace().last_for("ociVersion").is_some());
    }
}
