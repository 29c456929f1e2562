//! Boundary checks of a snapshot's facts (issue 14). A snapshot is data a probe wrote, but it
//! travels as a file and may be edited or forged: a device major of -1 would become runc's
//! wildcard (`c -1:229 rw` reads as `c *:229`), a cgroup path with `..` would escape the
//! agent's subtree, a CDI file outside the listed directories would be applied as if the
//! host had it. Each fact is checked against what the kernel (or the probe) can produce.
//!
//! One pass over each collection: linear in the size of the snapshot.

use super::{DeviceFact, Snapshot, SubIdRange, OLDEST_SNAPSHOT_VERSION, SNAPSHOT_VERSION};
use crate::checks::text::{
    has_control, is_absolute_clean, is_cgroup_path, is_device_path, is_env_name, quoted,
    ABSOLUTE_PATH, CGROUP_PATH, DEVICE_PATH, ENV_NAME, MAX_MAJOR, MAX_MINOR,
};
use crate::error::{Error, FieldPath, InputKind, Result};

/// An error at `path` of the snapshot.
fn bad(path: impl Into<String>, expected: impl Into<String>, got: impl Into<String>) -> Error {
    Error::invalid(FieldPath::new(InputKind::Snapshot, path), expected, got)
}

fn major_ok(n: i64) -> bool {
    (0..=MAX_MAJOR).contains(&n)
}

const MAJOR: &str = "a device major from 0 to 4095 (the kernel's 12 bits; never negative)";
const MINOR: &str = "a device minor from 0 to 1048575 (the kernel's 20 bits; never negative)";

impl Snapshot {
    /// Check every fact against what a probe of a real host can record.
    pub fn check(&self) -> Result<()> {
        let v = self.snapshot_version;
        if !(OLDEST_SNAPSHOT_VERSION..=SNAPSHOT_VERSION).contains(&v) {
            return Err(bad(
                "snapshot_version",
                format!("a version from {OLDEST_SNAPSHOT_VERSION} to {SNAPSHOT_VERSION}"),
                v.to_string(),
            ));
        }
        for (field, text) in [
            ("kernel.release", self.kernel.release.as_str()),
            ("kernel.arch", self.kernel.arch.as_str()),
            ("user.name", self.user.name.as_deref().unwrap_or("")),
        ] {
            if has_control(text) {
                return Err(bad(field, "text without control characters", quoted(text)));
            }
        }
        check_ids("subuid", &self.subuid)?;
        check_ids("subgid", &self.subgid)?;
        self.check_devices()?;
        self.check_cgroup()?;
        self.check_cdi()?;
        for path in self.paths.keys() {
            if !is_absolute_clean(path) {
                return Err(bad(format!("paths.{path}"), ABSOLUTE_PATH, quoted(path)));
            }
        }
        for (name, value) in &self.env {
            if !is_env_name(name) {
                return Err(bad(format!("env.{name}"), ENV_NAME, quoted(name)));
            }
            if value.as_deref().is_some_and(|v| v.contains('\0')) {
                return Err(bad(
                    format!("env.{name}"),
                    "a value without NUL characters",
                    "a value with NUL",
                ));
            }
        }
        Ok(())
    }

    fn check_devices(&self) -> Result<()> {
        for (path, fact) in &self.devices {
            // The field's name is built only for an error: every render checks every device.
            let at = |part: &str| format!("devices.{path}{part}");
            // Keyed by host path: CDI nodes may live under a driver root, not only /dev.
            if !is_absolute_clean(path) {
                return Err(bad(at(""), ABSOLUTE_PATH, quoted(path)));
            }
            if let DeviceFact::Node(n) = fact {
                if !major_ok(n.major) {
                    return Err(bad(at(".major"), MAJOR, n.major.to_string()));
                }
                if !(0..=MAX_MINOR).contains(&n.minor) {
                    return Err(bad(at(".minor"), MINOR, n.minor.to_string()));
                }
                if n.mode > 0o7777 {
                    return Err(bad(
                        at(".mode"),
                        "permission bits up to 0o7777",
                        format!("{:#o}", n.mode),
                    ));
                }
            }
        }
        for (kind, table) in [
            ("char", &self.proc_devices.char),
            ("block", &self.proc_devices.block),
        ] {
            for (name, major) in table {
                if !major_ok(*major) {
                    return Err(bad(
                        format!("proc_devices.{kind}.{name}"),
                        MAJOR,
                        major.to_string(),
                    ));
                }
            }
        }
        for (i, gpu) in self.nvidia_gpus.iter().enumerate() {
            if i64::from(gpu.device_minor) > MAX_MINOR {
                return Err(bad(
                    format!("nvidia_gpus[{i}].device_minor"),
                    MINOR,
                    gpu.device_minor.to_string(),
                ));
            }
            if has_control(&gpu.uuid) || has_control(&gpu.pci_bus_id) {
                return Err(bad(
                    format!("nvidia_gpus[{i}]"),
                    "a UUID and PCI bus id without control characters",
                    quoted(&gpu.uuid),
                ));
            }
        }
        for (i, card) in self.drm_cards.iter().enumerate() {
            for (key, path) in [("card", &card.card), ("render", &card.render)] {
                if let Some(p) = path.as_deref().filter(|p| !is_device_path(p)) {
                    return Err(bad(format!("drm_cards[{i}].{key}"), DEVICE_PATH, quoted(p)));
                }
            }
        }
        Ok(())
    }

    fn check_cgroup(&self) -> Result<()> {
        let own = &self.cgroup.own_path;
        // Empty: not recorded (an unreadable one is listed as such; a render that needs it
        // says so). Nothing to escape with.
        if own.is_empty() {
            return Ok(());
        }
        if !is_cgroup_path(own) {
            return Err(bad("cgroup.own_path", CGROUP_PATH, quoted(own)));
        }
        Ok(())
    }

    /// The CDI library reads spec files directly inside its directories (it skips
    /// subdirectories); a file elsewhere is one no runtime on that host would apply.
    fn check_cdi(&self) -> Result<()> {
        for (i, dir) in self.cdi.dirs.iter().enumerate() {
            if !is_absolute_clean(dir) {
                return Err(bad(format!("cdi.dirs[{i}]"), ABSOLUTE_PATH, quoted(dir)));
            }
        }
        for (i, f) in self.cdi.files.iter().enumerate() {
            if !self.cdi.dirs.contains(&f.dir) {
                return Err(bad(
                    format!("cdi.files[{i}].dir"),
                    format!(
                        "one of the listed `cdi.dirs` ({})",
                        self.cdi.dirs.join(", ")
                    ),
                    quoted(&f.dir),
                ));
            }
            let inside = f
                .path
                .strip_prefix(f.dir.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| !name.is_empty() && !name.contains('/'));
            if !is_absolute_clean(&f.path) || !inside {
                return Err(bad(
                    format!("cdi.files[{i}].path"),
                    format!("a file directly inside its directory {}", f.dir),
                    quoted(&f.path),
                ));
            }
        }
        Ok(())
    }
}

/// Subordinate id ranges: at least one id, and the last within u32 (the kernel's id type).
fn check_ids(fact: &str, ranges: &[SubIdRange]) -> Result<()> {
    for (i, r) in ranges.iter().enumerate() {
        let end = u64::from(r.start) + u64::from(r.count);
        if r.count == 0 || end > 1 << 32 || has_control(&r.owner) {
            return Err(bad(
                format!("{fact}[{i}]"),
                "a range of at least one id ending at or below 4294967295, owned by a name without control characters",
                format!("start {} count {}", r.start, r.count),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{CdiFile, DeviceNode, NodeType};
    use super::*;

    fn base() -> Snapshot {
        let mut s = Snapshot {
            snapshot_version: 2,
            ..Snapshot::default()
        };
        s.cgroup.own_path = "/".into();
        s
    }

    fn node(major: i64, minor: i64) -> DeviceFact {
        DeviceFact::Node(DeviceNode {
            kind: NodeType::Char,
            major,
            minor,
            mode: 0o666,
            uid: 0,
            gid: 0,
        })
    }

    fn field(s: &Snapshot) -> String {
        s.check()
            .unwrap_err()
            .field()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn device_numbers_within_the_kernel_ranges() {
        let mut s = base();
        s.devices.insert("/dev/a".into(), node(4095, MAX_MINOR));
        assert!(s.check().is_ok());
        for (major, minor, want) in [
            (-1, 0, "devices./dev/a.major"),
            (4096, 0, "devices./dev/a.major"),
            (1, -1, "devices./dev/a.minor"),
            (1, 1 << 20, "devices./dev/a.minor"),
        ] {
            s.devices.insert("/dev/a".into(), node(major, minor));
            assert_eq!(field(&s), want);
        }
    }

    #[test]
    fn cgroup_and_cdi_paths() {
        let mut s = base();
        s.cgroup.own_path = "/../../evil".into();
        assert_eq!(field(&s), "cgroup.own_path");
        let mut s = base();
        s.cdi.dirs = vec!["/etc/cdi".into()];
        s.cdi.files = vec![CdiFile {
            path: "/tmp/x.yaml".into(),
            dir: "/tmp".into(),
            text: String::new(),
        }];
        assert_eq!(field(&s), "cdi.files[0].dir");
        s.cdi.files[0].dir = "/etc/cdi".into();
        assert_eq!(field(&s), "cdi.files[0].path");
        s.cdi.files[0].path = "/etc/cdi/x.yaml".into();
        assert!(s.check().is_ok());
    }

    #[test]
    fn id_ranges_within_u32() {
        let mut s = base();
        s.subuid = vec![SubIdRange {
            owner: "a".into(),
            start: u32::MAX,
            count: 2,
        }];
        assert_eq!(field(&s), "subuid[0]");
        s.subuid[0].count = 1;
        assert!(s.check().is_ok());
    }
}
