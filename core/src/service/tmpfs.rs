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
    use crate::error::Result;
    use crate::passes::defaults::fixture::fixture;
    use crate::passes::mounts;

    /// The options of the mounts at `/tmp` and `/t2` after the mounts pass over `items`.
    fn tmp_options(items: &str) -> Result<Vec<Vec<String>>> {
        let d = fixture(&format!("    storage:\n{items}")).run(mounts::apply)?;
        Ok(d.mounts
            .iter()
            .filter(|m| matches!(m.destination().to_str(), Some("/tmp" | "/t2")))
            .map(|m| m.options().clone().unwrap_or_default())
            .collect())
    }

    #[test]
    fn seed_bug_12_tmpfs_mount_options_from_yaml() {
        let got = tmp_options(
            "      - { type: tmpfs, target: /tmp, mode: 1777 }\n      - { type: tmpfs, target: /t2, mode: 0o1777 }\n",
        )
        .unwrap();
        assert_eq!(got, [["nosuid", "nodev", "mode=1777"]; 2]);
    }

    #[test]
    fn tmpfs_size_in_a_form_the_kernel_accepts() {
        let one = |size: &str| tmpfs_options(Some(&ByteSize::parse(size).unwrap()), None);
        assert_eq!(one("1Gi"), ["nosuid", "nodev", "size=1g"]);
        assert_eq!(one("1000"), ["nosuid", "nodev", "size=1000"]);
        // Unquoted in YAML too.
        let got = tmp_options("      - { type: tmpfs, target: /tmp, size: 16Mi }\n").unwrap();
        assert_eq!(got, [["nosuid", "nodev", "size=16m"]]);
    }
}
