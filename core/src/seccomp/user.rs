//! A user's seccomp profile file (`security_opt: seccomp=<file>`): parsed and validated.
//!
//! Accepted: the runtime-spec `linux.seccomp` object, and the Docker/Podman profile format
//! that extends it (`archMap`, `includes`/`excludes`, `comment`, the old single `name`, and
//! Podman's `errno`/`defaultErrno` names), since a user coming from Docker or Podman brings a
//! profile in that format, often a copy of a default one. Anything the runtime would refuse
//! at container start (an unknown action, a bad architecture, an empty name list, an errno on
//! an action that takes none, NOTIFY without a listener) is an error here, naming the file
//! and the field, so it shows up at render time rather than as a failed start.

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use oci_spec::runtime::{Arch, LinuxSeccompAction, LinuxSeccompArg};

use super::{seccomp_arg, Filter, KernelVersion, Profile, Rule};
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawProfile {
    #[serde(default)]
    default_action: Option<String>,
    #[serde(default)]
    default_errno_ret: Option<u32>,
    #[serde(default)]
    default_errno: Option<String>,
    #[serde(default)]
    architectures: Option<Vec<String>>,
    #[serde(default)]
    arch_map: Option<Vec<RawArchMap>>,
    #[serde(default)]
    flags: Option<Vec<String>>,
    #[serde(default)]
    listener_path: Option<String>,
    #[serde(default)]
    listener_metadata: Option<String>,
    #[serde(default)]
    syscalls: Option<Vec<RawSyscall>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawArchMap {
    architecture: String,
    #[serde(default)]
    sub_architectures: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawSyscall {
    #[serde(default)]
    names: Option<Vec<String>>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    errno_ret: Option<u32>,
    #[serde(default)]
    errno: Option<String>,
    #[serde(default)]
    args: Option<Vec<RawArg>>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    includes: Option<RawFilter>,
    #[serde(default)]
    excludes: Option<RawFilter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawArg {
    index: u64,
    value: u64,
    #[serde(default)]
    value_two: Option<u64>,
    op: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawFilter {
    #[serde(default)]
    caps: Option<Vec<String>>,
    #[serde(default)]
    arches: Option<Vec<String>>,
    #[serde(default)]
    min_kernel: Option<String>,
}

const ACTIONS: &[&str] = &[
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
];

/// Every runtime-spec architecture but `SCMP_ARCH_NATIVE`, which the runtime spec does not
/// list (a profile names real architectures; an empty list already means the native one).
const ARCHES: &[&str] = &[
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH",
    "SCMP_ARCH_SHEB",
];

const OPS: &[&str] = &[
    "SCMP_CMP_NE",
    "SCMP_CMP_LT",
    "SCMP_CMP_LE",
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
];

const FLAGS: &[&str] = &[
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
];

/// Architecture names a condition (`includes.arches`) can mean: libseccomp's native names,
/// which is what both engines compare with. Anything else could never match, so it is
/// taken for a typo.
const NATIVE_ARCHES: &[&str] = &[
    "x86",
    "amd64",
    "x32",
    "arm",
    "arm64",
    "mips",
    "mips64",
    "mips64n32",
    "mipsel",
    "mipsel64",
    "mipsel64n32",
    "ppc",
    "ppc64",
    "ppc64le",
    "s390",
    "s390x",
    "parisc",
    "parisc64",
    "riscv64",
    "loongarch64",
    "loong64",
];

/// Errno names Podman's `errno` fields may use, with their numbers. These are the generic
/// Linux numbers (asm-generic), the same on every architecture `resolve` accepts; MIPS,
/// SPARC, Alpha and PA-RISC number some differently, and are not resolved for.
const ERRNOS: &[(&str, u32)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("ETXTBSY", 26),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EMLINK", 31),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("ENAMETOOLONG", 36),
    ("ENOLCK", 37),
    ("ENOSYS", 38),
    ("EOPNOTSUPP", 95),
    ("ENOTSUP", 95),
];

/// Parse and validate the profile `text` of the file `file` (the name errors and
/// provenance use).
pub fn parse_profile(file: &str, text: &str) -> Result<Profile> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Parse {
        file: file.to_string(),
        field: "(top level)".into(),
        message: format!("invalid JSON: {e}"),
    })?;
    let raw: RawProfile = crate::service::typed_pub(file, "", value)?;
    Check { file }.profile(raw)
}

/// Validation state: the file every error names.
struct Check<'a> {
    file: &'a str,
}

impl Check<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Parse {
            file: self.file.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A string that must be one of `allowed`, as the enum `T` it names.
    fn one_of<T: DeserializeOwned>(&self, field: &str, allowed: &[&str], got: &str) -> Result<T> {
        let parsed = allowed
            .contains(&got)
            .then(|| T::deserialize(StrDeserializer::<ValueError>::new(got)).ok())
            .flatten();
        parsed.ok_or_else(|| {
            self.err(
                field,
                format!("expected one of {}, got {got:?}", allowed.join(", ")),
            )
        })
    }

    fn errno(&self, field: &str, name: &str) -> Result<u32> {
        if let Ok(n) = name.parse::<u32>() {
            return Ok(n);
        }
        ERRNOS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
            .ok_or_else(|| {
                self.err(
                    field,
                    format!("expected an errno number or a name like EPERM, EINVAL or ENOSYS, got {name:?}"),
                )
            })
    }

    /// `errnoRet` and Podman's `errno` name: only on actions that return an errno, and equal
    /// when both are given (Docker reads one, Podman the other; they must not disagree).
    fn errnos(
        &self,
        at: &str,
        (ret_key, ret): (&str, Option<u32>),
        (name_key, name): (&str, Option<&str>),
        action: LinuxSeccompAction,
    ) -> Result<(Option<u32>, Option<u32>)> {
        let named = match name {
            Some(n) => Some(self.errno(&format!("{at}{name_key}"), n)?),
            None => None,
        };
        let takes_errno = matches!(
            action,
            LinuxSeccompAction::ScmpActErrno | LinuxSeccompAction::ScmpActTrace
        );
        if !takes_errno && (ret.is_some() || named.is_some()) {
            let key = if ret.is_some() { ret_key } else { name_key };
            return Err(self.err(
                format!("{at}{key}"),
                "an errno applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE (the runtime refuses it on other actions)",
            ));
        }
        if let (Some(r), Some(n)) = (ret, named) {
            if r != n {
                return Err(self.err(
                    format!("{at}{name_key}"),
                    format!("{name:?} is errno {n}, but {ret_key} says {r}"),
                ));
            }
        }
        Ok((ret, named))
    }

    fn profile(&self, raw: RawProfile) -> Result<Profile> {
        let action = raw.default_action.ok_or_else(|| {
            self.err(
                "defaultAction",
                "required: the action for calls no rule matches, e.g. SCMP_ACT_ERRNO",
            )
        })?;
        let default_action: LinuxSeccompAction = self.one_of("defaultAction", ACTIONS, &action)?;
        if default_action == LinuxSeccompAction::ScmpActNotify {
            return Err(self.err(
                "defaultAction",
                "SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)",
            ));
        }
        let (default_errno_ret, default_errno) = self.errnos(
            "",
            ("defaultErrnoRet", raw.default_errno_ret),
            ("defaultErrno", raw.default_errno.as_deref()),
            default_action,
        )?;

        let architectures = raw.architectures.unwrap_or_default();
        let arch_map = raw.arch_map.unwrap_or_default();
        if !architectures.is_empty() && !arch_map.is_empty() {
            return Err(self.err(
                "archMap",
                "give either architectures or archMap, not both (Docker and Podman refuse both)",
            ));
        }
        let arch = |field: String, name: &str| self.one_of::<Arch>(&field, ARCHES, name);
        let architectures = architectures
            .iter()
            .enumerate()
            .map(|(i, a)| arch(format!("architectures[{i}]"), a))
            .collect::<Result<Vec<_>>>()?;
        let arch_map = arch_map
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let native = arch(format!("archMap[{i}].architecture"), &m.architecture)?;
                let subs = m.sub_architectures.as_deref().unwrap_or_default();
                let subs = subs
                    .iter()
                    .enumerate()
                    .map(|(j, s)| arch(format!("archMap[{i}].subArchitectures[{j}]"), s))
                    .collect::<Result<Vec<_>>>()?;
                Ok((native, subs))
            })
            .collect::<Result<Vec<_>>>()?;
        let flags = raw
            .flags
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, f)| self.one_of(&format!("flags[{i}]"), FLAGS, f))
            .collect::<Result<Vec<_>>>()?;

        let rules = raw
            .syscalls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, s)| self.rule(&format!("syscalls[{i}]"), s))
            .collect::<Result<Vec<_>>>()?;
        let listener_path = raw.listener_path.filter(|p| !p.is_empty());
        if listener_path.is_none() {
            let notify = rules
                .iter()
                .position(|r| r.action == LinuxSeccompAction::ScmpActNotify);
            if let Some(i) = notify {
                return Err(self.err(
                    format!("syscalls[{i}].action"),
                    "SCMP_ACT_NOTIFY needs listenerPath, the socket of the agent that decides",
                ));
            }
        }
        Ok(Profile {
            name: self.file.to_string(),
            default_action,
            default_errno_ret,
            default_errno,
            architectures,
            arch_map,
            flags,
            listener_path,
            listener_metadata: raw.listener_metadata,
            rules,
        })
    }

    fn rule(&self, at: &str, raw: RawSyscall) -> Result<Rule> {
        let names = match (raw.name, raw.names) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    format!("{at}.name"),
                    "give either name or names, not both (Docker and Podman refuse both)",
                ))
            }
            (Some(n), None) => vec![n],
            (None, names) => names.unwrap_or_default(),
        };
        if names.is_empty() {
            return Err(self.err(format!("{at}.names"), "expected at least one syscall name"));
        }
        for (j, n) in names.iter().enumerate() {
            let ok = !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(self.err(
                    format!("{at}.names[{j}]"),
                    format!("expected a syscall name (lowercase letters, digits, _), got {n:?}"),
                ));
            }
        }
        let action_field = format!("{at}.action");
        let action = raw
            .action
            .ok_or_else(|| self.err(&action_field, "required: e.g. SCMP_ACT_ALLOW"))?;
        let action: LinuxSeccompAction = self.one_of(&action_field, ACTIONS, &action)?;
        if action == LinuxSeccompAction::ScmpActNotify && names.iter().any(|n| n == "write") {
            return Err(self.err(
                action_field,
                "SCMP_ACT_NOTIFY cannot apply to write (runc refuses it: the runtime itself needs write)",
            ));
        }
        let (errno_ret, errno) = self.errnos(
            &format!("{at}."),
            ("errnoRet", raw.errno_ret),
            ("errno", raw.errno.as_deref()),
            action,
        )?;
        let args = raw
            .args
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(j, a)| self.arg(&format!("{at}.args[{j}]"), a))
            .collect::<Result<Vec<_>>>()?;
        Ok(Rule {
            names,
            action,
            errno_ret,
            errno,
            args,
            includes: self.filter(&format!("{at}.includes"), raw.includes)?,
            excludes: self.filter(&format!("{at}.excludes"), raw.excludes)?,
            comment: raw.comment.filter(|c| !c.is_empty()),
        })
    }

    fn arg(&self, at: &str, raw: RawArg) -> Result<LinuxSeccompArg> {
        // A syscall has at most six arguments; libseccomp refuses a higher index.
        if raw.index > 5 {
            return Err(self.err(
                format!("{at}.index"),
                format!("expected an argument index 0 to 5, got {}", raw.index),
            ));
        }
        let op = self.one_of(&format!("{at}.op"), OPS, &raw.op)?;
        seccomp_arg(raw.index as u8, raw.value, raw.value_two, op)
    }

    fn filter(&self, at: &str, raw: Option<RawFilter>) -> Result<Filter> {
        let Some(raw) = raw else {
            return Ok(Filter::default());
        };
        let caps = raw.caps.unwrap_or_default();
        for (j, c) in caps.iter().enumerate() {
            let ok = c.len() > 4
                && c.starts_with("CAP_")
                && c.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(self.err(
                    format!("{at}.caps[{j}]"),
                    format!("expected a capability name like CAP_SYS_ADMIN (compared exactly), got {c:?}"),
                ));
            }
        }
        let arches = raw.arches.unwrap_or_default();
        for (j, a) in arches.iter().enumerate() {
            if !NATIVE_ARCHES.contains(&a.as_str()) {
                return Err(self.err(
                    format!("{at}.arches[{j}]"),
                    format!(
                        "expected one of {} (libseccomp's names), got {a:?}",
                        NATIVE_ARCHES.join(", ")
                    ),
                ));
            }
        }
        let min_kernel = match raw.min_kernel.as_deref() {
            None | Some("") => None,
            Some(text) => Some(KernelVersion::from_min_kernel(text).ok_or_else(|| {
                self.err(
                    format!("{at}.minKernel"),
                    format!("expected <kernel>.<major> like \"4.8\" (each 0-255, not 0.0), got {text:?}"),
                )
            })?),
        };
        Ok(Filter {
            caps,
            arches,
            min_kernel,
        })
    }
}

#[cfg(test)]
#[path = "user_tests.rs"]
mod tests;
