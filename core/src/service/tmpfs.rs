//! tmpfs mount options from a `type: tmpfs` storage entry: `size` and `mode`, in the form the
//! kernel's tmpfs accepts. Used by the `mounts` pass.
//!
//! Decisions (README):
//! - `size` goes to the kernel as a byte count or an exact `k`/`m`/`g` (the kernel refuses
//!   `16Mi`); `0` (no limit for tmpfs) is refused when the file is read ([`ByteSize`]).
//! - `mode` is written in octal; how a number or a string is read is [`OctalMode`]'s rule.

use super::values::{ByteSize, OctalMode};

/// The mount options of a tmpfs storage entry: `nosuid`, `nodev`, then `size=` and `mode=`
/// when given.
pub fn tmpfs_options(size: Option<&ByteSize>, mode: Option<OctalMode>) -> Vec<String> {
    let mut options = vec!["nosuid".to_string(), "nodev".to_string()];
    if let Some(size) = size {
        options.push(crate::units::tmpfs_size_option(size.bytes()));
    }
    if let Some(mode) = mode {
        options.push(format!("mode={:o}", mode.bits()));
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{parse_service_file, ServiceFile, StorageSpec};

    /// The options of each tmpfs entry of a bare service with these `storage` items.
    fn options(items: &str) -> Vec<Vec<String>> {
        let text = format!("image: {{name: x}}\nstorage:\n{items}");
        let Ok(ServiceFile::Bare(spec)) = parse_service_file("t.yaml", &text) else {
            panic!("{text}");
        };
        spec.storage
            .iter()
            .filter_map(|s| match s {
                StorageSpec::Tmpfs { size, mode, .. } => Some(tmpfs_options(size.as_ref(), *mode)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn seed_bug_12_tmpfs_mode_options_from_yaml() {
        let got = options(
            "  - { type: tmpfs, target: /tmp, mode: 1777 }\n  - { type: tmpfs, target: /t2, mode: 0o1777 }\n",
        );
        assert_eq!(got, [["nosuid", "nodev", "mode=1777"]; 2]);
    }

    #[test]
    fn tmpfs_size_in_a_form_the_kernel_accepts() {
        let one = |size: &str| tmpfs_options(Some(&ByteSize::parse(size).unwrap()), None);
        assert_eq!(one("1Gi"), ["nosuid", "nodev", "size=1g"]);
        assert_eq!(one("1000"), ["nosuid", "nodev", "size=1000"]);
        // Unquoted in YAML too.
        let got = options("  - { type: tmpfs, target: /tmp, size: 16Mi }\n");
        assert_eq!(got, [["nosuid", "nodev", "size=16m"]]);
    }
}
