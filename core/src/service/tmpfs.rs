//! tmpfs mount options from a `type: tmpfs` storage entry: `size` and `mode`, in the form the
//! kernel's tmpfs accepts. Used by the `mounts` pass.
//!
//! Decisions (README):
//! - `size` goes to the kernel as a byte count or an exact `k`/`m`/`g` (the kernel refuses
//!   `16Mi`); `0` (no limit for tmpfs) is refused as probably unintended.
//! - `mode` is written in octal. A string is octal digits (`"1777"`, `"0o1777"`). A number is
//!   ambiguous, because YAML's `0o1777` arrives as 1023 while a plain `1777` arrives as 1777.
//!   Its two readings, "decimal digits are octal digits" (1777 -> 0o1777) and "the number is
//!   the mode's value" (1023 -> 0o1777), are both tried; a reading needs a mode <= 0o7777
//!   (and, for the first, digits 0-7 only). If they agree or only one exists, it is used. If
//!   both exist and differ, the one whose permissions narrow from owner to group to other
//!   (each class a subset of the one before, as in 1777, 755, 750, 700, 644) wins; if both or
//!   neither do (e.g. 511, which is both 0o511 and 0o777), it is an error asking for a quoted
//!   string. So `1777` and `0o1777` both mean 0o1777, and no number is silently misread.

use crate::error::{Error, Result};
use crate::service::TmpfsMode;

/// The mount options of a tmpfs storage entry at `field` (`services.x.storage[i]`):
/// `nosuid`, `nodev`, then `size=` and `mode=` when given.
pub fn tmpfs_options(
    size: Option<&str>,
    mode: Option<&TmpfsMode>,
    field: &str,
) -> Result<Vec<String>> {
    let mut options = vec!["nosuid".to_string(), "nodev".to_string()];
    if let Some(size) = size {
        options.push(kernel_size(size, &format!("{field}.size"))?);
    }
    if let Some(mode) = mode {
        options.push(format!(
            "mode={:o}",
            tmpfs_mode(mode, &format!("{field}.mode"))?
        ));
    }
    Ok(options)
}

/// `size=<n>[kmg]` as the kernel accepts it: bytes, or an exact count of k/m/g (powers of
/// 1024). Zero is refused because tmpfs reads it as "no limit".
fn kernel_size(text: &str, field: &str) -> Result<String> {
    let bytes = crate::units::parse_size(text, field)?;
    if bytes == 0 {
        return Err(Error::invalid(
            field,
            "a size above 0 (tmpfs reads 0 as no limit)",
            format!("`{text}`"),
        ));
    }
    Ok(crate::units::tmpfs_size_option(bytes))
}

const MAX_MODE: u32 = 0o7777;

/// The mode a tmpfs `mode` stands for; see the module doc for the rule for numbers.
pub fn tmpfs_mode(mode: &TmpfsMode, field: &str) -> Result<u32> {
    match mode {
        TmpfsMode::Text(text) => {
            let digits = text.trim().strip_prefix("0o").unwrap_or(text.trim());
            octal_text(digits)
                .filter(|m| *m <= MAX_MODE)
                .ok_or_else(|| {
                    Error::invalid(
                        field,
                        "an octal mode such as \"1777\" (at most 7777)",
                        format!("`{text}`"),
                    )
                })
        }
        TmpfsMode::Number(n) => number_mode(*n, field),
    }
}

fn octal_text(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(digits, 8).ok()
}

/// Owner, group and other narrow down: each class's bits are a subset of the one before.
fn narrows(mode: u32) -> bool {
    let (u, g, o) = ((mode >> 6) & 7, (mode >> 3) & 7, mode & 7);
    u & g == g && g & o == o
}

fn number_mode(n: u32, field: &str) -> Result<u32> {
    let as_digits = octal_text(&n.to_string()).filter(|m| *m <= MAX_MODE);
    let as_value = Some(n).filter(|m| *m <= MAX_MODE);
    let ambiguous = |why: &str| {
        Error::invalid(
            field,
            "a tmpfs mode; write it as a quoted octal string such as \"1777\"",
            format!("the number {n}, {why}"),
        )
    };
    match (as_digits, as_value) {
        (Some(a), Some(b)) if a == b => Ok(a),
        (Some(a), Some(b)) => match (narrows(a), narrows(b)) {
            (true, false) => Ok(a),
            (false, true) => Ok(b),
            _ => Err(ambiguous(&format!(
                "which could mean {a:o} or {b:o} (octal)"
            ))),
        },
        (Some(m), None) | (None, Some(m)) => Ok(m),
        (None, None) => Err(ambiguous("which is above 7777 octal")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::defaults::fixture::fixture;
    use crate::passes::mounts;

    #[test]
    fn seed_bug_12_tmpfs_mode_octal() {
        let field = "f";
        for (mode, want) in [
            (TmpfsMode::Number(1777), 0o1777),
            (TmpfsMode::Number(1023), 0o1777), // YAML 0o1777
            (TmpfsMode::Number(755), 0o755),
            (TmpfsMode::Number(493), 0o755), // YAML 0o755
            (TmpfsMode::Number(420), 0o644), // YAML 0o644
            (TmpfsMode::Number(700), 0o700),
            (TmpfsMode::Number(0), 0),
            (TmpfsMode::Text("1777".into()), 0o1777),
            (TmpfsMode::Text("0o755".into()), 0o755),
        ] {
            assert_eq!(tmpfs_mode(&mode, field).unwrap(), want, "{mode:?}");
        }
        // 511 is 0o511 or YAML 0o777: ambiguous, an error rather than a guess.
        assert!(tmpfs_mode(&TmpfsMode::Number(511), field).is_err());
        assert!(tmpfs_mode(&TmpfsMode::Text("1999".into()), field).is_err());
        assert!(tmpfs_mode(&TmpfsMode::Number(99999), field).is_err());
    }

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
    fn tmpfs_mount_options_from_yaml() {
        let got = tmp_options(
            "      - { type: tmpfs, target: /tmp, mode: 1777 }\n      - { type: tmpfs, target: /t2, mode: 0o1777 }\n",
        )
        .unwrap();
        assert_eq!(got, [["nosuid", "nodev", "mode=1777"]; 2]);
    }

    #[test]
    fn tmpfs_size_in_a_form_the_kernel_accepts() {
        let one = |size: &str| tmpfs_options(Some(size), None, "f");
        assert_eq!(one("1Gi").unwrap(), ["nosuid", "nodev", "size=1g"]);
        assert_eq!(one("1000").unwrap(), ["nosuid", "nodev", "size=1000"]);
        assert_eq!(one("0").unwrap_err().field(), Some("f.size"));
        // Unquoted in YAML too.
        let got = tmp_options("      - { type: tmpfs, target: /tmp, size: 16Mi }\n").unwrap();
        assert_eq!(got, [["nosuid", "nodev", "size=16m"]]);
    }

    #[test]
    fn errors_name_the_sub_field() {
        let err = tmpfs_options(
            None,
            Some(&TmpfsMode::Number(511)),
            "services.web.storage[0]",
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("services.web.storage[0].mode"));
    }
}
