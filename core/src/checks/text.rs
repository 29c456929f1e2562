//! The shapes values must have where they cross into the core, as predicates plus the words
//! an error uses for each, so every input kind refuses the same things the same way.
//!
//! Each predicate is linear in its input and allocates nothing.

/// The largest device major the kernel encodes (12 bits, `MAJOR()` of a `dev_t`).
pub const MAX_MAJOR: i64 = (1 << 12) - 1;
/// The largest device minor the kernel encodes (20 bits, `MINOR()` of a `dev_t`).
pub const MAX_MINOR: i64 = (1 << 20) - 1;

/// A container name (service name, replica-group role, the container id's service): an
/// RFC 1123 label, as Kubernetes' `IsDNS1123Label` and ZLayer's generated names use, because
/// it becomes a hostname, a cgroup leaf and a file name.
pub const DNS_LABEL: &str =
    "a DNS label: 1-63 characters of [a-z0-9-], starting and ending with a letter or digit";

/// A hostname: RFC 1123 labels joined by dots, at most 64 bytes (the kernel's
/// `HOST_NAME_MAX`; runc passes it to sethostname).
pub const HOSTNAME: &str =
    "an RFC 1123 hostname of at most 64 characters: labels of [A-Za-z0-9-] separated by single dots, no label starting or ending with `-`";

/// An absolute path in normal form.
pub const ABSOLUTE_PATH: &str =
    "an absolute, normalised path (starting with `/`; no `.`, `..` or empty components; no trailing `/`; no control characters)";

/// A device node path.
pub const DEVICE_PATH: &str =
    "a device path under /dev, normalised (no `.`, `..` or empty components, no control characters)";

/// A cgroupfs path.
pub const CGROUP_PATH: &str =
    "an absolute, normalised cgroupfs path like /zlayer or /system.slice/zlayer.service (no `..`, `.` or empty components, no control characters, no systemd `slice:prefix:name` form)";

/// An environment variable name.
pub const ENV_NAME: &str = "a variable name: not empty, without `=` or control characters";

/// Whether `label` is an RFC 1123 label in lower case.
pub fn is_dns_label(label: &str) -> bool {
    let b = label.as_bytes();
    let inner_ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let end_ok = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (1..=63).contains(&b.len()) && b.iter().all(inner_ok) && end_ok(b.first()) && end_ok(b.last())
}

/// Whether `name` is an RFC 1123 hostname the kernel takes (at most 64 bytes).
pub fn is_hostname(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && b.first() != Some(&b'-')
                && b.last() != Some(&b'-')
        })
}

/// Whether `text` holds a control character (NUL, newline, escape, DEL, C1 controls...).
pub fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// Whether `path` is absolute and in normal form: what `filepath.Clean` leaves unchanged,
/// so the runtime and we mean the same file (`/usr/../etc` is `/etc`; `/a/` is `/a`).
pub fn is_absolute_clean(path: &str) -> bool {
    if has_control(path) {
        return false;
    }
    if path == "/" {
        return true;
    }
    match path.strip_prefix('/') {
        Some(rest) => rest.split('/').all(|c| !matches!(c, "" | "." | "..")),
        None => false,
    }
}

/// Whether `path` is relative and in normal form, never leaving its base (`rootfs`,
/// `a/b`): no empty, `.` or `..` components and no control characters.
pub fn is_relative_clean(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !has_control(path)
        && path.split('/').all(|c| !matches!(c, "" | "." | ".."))
}

/// Whether `path` is a device path: absolute, normal, below `/dev`.
pub fn is_device_path(path: &str) -> bool {
    path.starts_with("/dev/") && is_absolute_clean(path)
}

/// Whether `path` is a cgroupfs path: absolute, normal, without the systemd `:` form. One
/// trailing `/` is allowed (`/zlayer/`, as Docker's `--cgroup-parent` takes it): the leaf is
/// appended after trimming it, so the cgroupsPath is normal either way.
pub fn is_cgroup_path(path: &str) -> bool {
    let trimmed = match path.strip_suffix('/') {
        Some(t) if t.len() > 1 => t,
        _ => path,
    };
    is_absolute_clean(trimmed) && !path.contains(':')
}

/// Whether `name` can be an environment variable name.
pub fn is_env_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('=') && !has_control(name)
}

/// `text` quoted for an error's "got" part; control characters are escaped when the error
/// is shown.
pub fn quoted(text: &str) -> String {
    format!("`{text}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        for ok in ["web", "a", "web-1", "0abc", &"a".repeat(63)] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in [
            "",
            "-web",
            "web-",
            "Web",
            "we_b",
            "../../../evil",
            "a.b",
            "a\nb",
            &"a".repeat(64),
        ] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn hostnames() {
        for ok in ["web-rep-1", "box.local", "A1", "a.b.c", &"a".repeat(63)] {
            assert!(is_hostname(ok), "{ok}");
        }
        let long = format!("{}.{}", "a".repeat(40), "b".repeat(30));
        for bad in [
            "", "..", ".", "a..b", ".a", "a.", "-a", "a-", "a_b", "a b", "a\u{7}", &long,
        ] {
            assert!(!is_hostname(bad), "{bad}");
        }
    }

    #[test]
    fn absolute_clean_paths() {
        for ok in ["/", "/a", "/a/b.c", "/a/..b", "/dev/nvidia0"] {
            assert!(is_absolute_clean(ok), "{ok}");
        }
        for bad in [
            "", "a", "./a", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "/..", "/../..", "/a\0",
            "/a\nb",
        ] {
            assert!(!is_absolute_clean(bad), "{bad:?}");
        }
    }

    #[test]
    fn device_cgroup_env_relative() {
        assert!(is_device_path("/dev/null"));
        assert!(!is_device_path("/dev/../dev/null"));
        assert!(!is_device_path("/dev"));
        assert!(!is_device_path("/etc/passwd"));
        assert!(is_cgroup_path("/zlayer/net") && is_cgroup_path("/zlayer/"));
        assert!(!is_cgroup_path("/zlayer//") && is_cgroup_path("/"));
        assert!(!is_cgroup_path("//"));
        assert!(!is_cgroup_path("/../../evil"));
        assert!(!is_cgroup_path("system.slice:zlayer:x"));
        assert!(!is_cgroup_path("zlayer"));
        assert!(is_env_name("PATH") && is_env_name("a.b"));
        assert!(!is_env_name("") && !is_env_name("A=B") && !is_env_name("A\0"));
        assert!(is_relative_clean("rootfs") && is_relative_clean("a/b"));
        assert!(!is_relative_clean("../x") && !is_relative_clean("/x") && !is_relative_clean(""));
    }
}
