//! A user's seccomp profile file (`security_opt: seccomp=<file>`): parsed and validated.
//!
//! Accepted: the runtime-spec `linux.seccomp` object, and the Docker/Podman profile format
//! that extends it (`archMap`, `includes`/`excludes`, `comment`, the old single `name`, and
//! Podman's `errno`/`defaultErrno` names), since a user coming from Docker or Podman brings a
//! profile in that format, often a copy of a default one. Anything the runtime would refuse
//! at container start (an unknown action, a bad architecture, an empty name list, an errno on
//! an action that takes none, NOTIFY without a listener) is an error here, naming the file
//! and the field, so it shows up at render time rather than as a failed start.
//!
//! The JSON is walked as a `serde_json::Value` by hand rather than through derived
//! `Deserialize` types: every derived type costs the browser module its derived reading code
//! (about 60 KB for these five, measured with serde_path_to_error's wrappers around it), and
//! the walk gives each error its path anyway. `null` counts as absent, as it does for the engines (Go).

use serde_json::{Map, Value};

use oci_spec::runtime::{Arch, LinuxSeccompAction, LinuxSeccompArg};

use super::kernel::KernelVersion;
use super::model::{seccomp_arg, Filter, Profile, Rule};
use super::names::{ACTIONS, ARCHES, ERRNOS, FLAGS, NATIVE_ARCHES, OPS};
use crate::error::{Error, FieldPath, InputKind, Result};
use crate::locate::locate;
use crate::read::{Source, Syntax};

type Object = Map<String, Value>;

/// Parse and validate the profile `text` of the file `file` (the name errors and
/// provenance use).
pub fn parse_profile(file: &str, text: &str) -> Result<Profile> {
    // The project's one reader: JSON syntax errors with positions, duplicate keys refused.
    let value = Source::new(InputKind::SeccompProfile, file, text, Syntax::Json).value()?;
    Check { file, text }.profile(&value)
}

/// Validation state: the file every error names, and its text to locate fields in.
struct Check<'a> {
    file: &'a str,
    text: &'a str,
}

/// `at.key`, or `key` at the top level.
fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// A JSON value as an error shows it.
fn shown(v: &Value) -> String {
    match v {
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
        other => other.to_string(),
    }
}

impl Check<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> Error {
        let field = field.into();
        let position = locate(self.text, &field);
        let at = FieldPath::new(InputKind::SeccompProfile, field)
            .in_file(self.file)
            .at(position);
        Error::parse(at, message)
    }

    /// `v` as an object with no keys but `keys`.
    fn object<'v>(&self, v: &'v Value, at: &str, keys: &[&str]) -> Result<&'v Object> {
        let field = at;
        let map = v
            .as_object()
            .ok_or_else(|| self.err(field, format!("expected an object, got {}", shown(v))))?;
        if let Some(k) = map.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(self.err(
                join(at, k),
                format!("unknown field, expected one of {}", keys.join(", ")),
            ));
        }
        Ok(map)
    }

    fn string<'v>(&self, m: &'v Object, at: &str, key: &str) -> Result<Option<&'v str>> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.err(
                join(at, key),
                format!("expected a string, got {}", shown(v)),
            )),
        }
    }

    fn number(&self, m: &Object, at: &str, key: &str, max: u64) -> Result<Option<u64>> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_u64().filter(|n| *n <= max) {
                Some(n) => Ok(Some(n)),
                None => Err(self.err(
                    join(at, key),
                    format!("expected a whole number from 0 to {max}, got {}", shown(v)),
                )),
            },
        }
    }

    /// A list under `key`; absent is empty.
    fn list<'v>(&self, m: &'v Object, at: &str, key: &str) -> Result<&'v [Value]> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(v) => Err(self.err(join(at, key), format!("expected a list, got {}", shown(v)))),
        }
    }

    /// A list of strings under `key`, or `None` when absent.
    fn strings(&self, m: &Object, at: &str, key: &str) -> Result<Option<Vec<String>>> {
        let at = join(at, key);
        let items = match m.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(a)) => a,
            Some(v) => {
                return Err(self.err(&at, format!("expected a list of strings, got {}", shown(v))))
            }
        };
        let strings = items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(self.err(
                    format!("{at}[{i}]"),
                    format!("expected a string, got {}", shown(other)),
                )),
            })
            .collect::<Result<_>>()?;
        Ok(Some(strings))
    }

    /// A string that must be one of the names in `table`, as the value it names.
    fn one_of<T: Copy>(&self, field: &str, table: &[(&str, T)], got: &str) -> Result<T> {
        let found = table.iter().find(|(name, _)| *name == got).map(|&(_, v)| v);
        found.ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
            self.err(
                field,
                format!("expected one of {}, got {got:?}", names.join(", ")),
            )
        })
    }

    fn errno(&self, field: &str, name: &str) -> Result<u32> {
        if let Ok(n) = name.parse::<u32>() {
            return Ok(n);
        }
        let known = ERRNOS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v);
        known.ok_or_else(|| {
            self.err(
                field,
                format!(
                    "expected an errno number or a name like EPERM, EINVAL or ENOSYS, got {name:?}"
                ),
            )
        })
    }

    /// `errnoRet` (`ret_key`) and Podman's `errno` name (`name_key`) of `m`: only on actions
    /// that return an errno, and equal when both are given (Docker reads one, Podman the
    /// other; they must not disagree).
    fn errnos(
        &self,
        m: &Object,
        at: &str,
        (ret_key, name_key): (&str, &str),
        action: LinuxSeccompAction,
    ) -> Result<(Option<u32>, Option<u32>)> {
        let ret = self.number(m, at, ret_key, u64::from(u32::MAX))?;
        let ret = ret.map(|n| n as u32); // at most u32::MAX, checked above
        let name = self.string(m, at, name_key)?;
        let named = match name {
            Some(n) => Some(self.errno(&join(at, name_key), n)?),
            None => None,
        };
        let takes_errno = matches!(
            action,
            LinuxSeccompAction::ScmpActErrno | LinuxSeccompAction::ScmpActTrace
        );
        if !takes_errno && (ret.is_some() || named.is_some()) {
            let key = if ret.is_some() { ret_key } else { name_key };
            return Err(self.err(
                join(at, key),
                "an errno applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE (the runtime \
                 refuses it on other actions)",
            ));
        }
        if let (Some(r), Some(n)) = (ret, named) {
            if r != n {
                return Err(self.err(
                    join(at, name_key),
                    format!("{name:?} is errno {n}, but {ret_key} says {r}"),
                ));
            }
        }
        Ok((ret, named))
    }

    fn arches(&self, m: &Object, at: &str, key: &str) -> Result<Vec<Arch>> {
        let names = self.strings(m, at, key)?.unwrap_or_default();
        let at = join(at, key);
        names
            .iter()
            .enumerate()
            .map(|(i, a)| self.one_of(&format!("{at}[{i}]"), ARCHES, a))
            .collect()
    }

    fn profile(&self, v: &Value) -> Result<Profile> {
        let m = self.object(
            v,
            "",
            &[
                "defaultAction",
                "defaultErrnoRet",
                "defaultErrno",
                "architectures",
                "archMap",
                "flags",
                "listenerPath",
                "listenerMetadata",
                "syscalls",
            ],
        )?;
        let action = self.string(m, "", "defaultAction")?.ok_or_else(|| {
            self.err(
                "defaultAction",
                "required: the action for calls no rule matches, e.g. SCMP_ACT_ERRNO",
            )
        })?;
        let default_action: LinuxSeccompAction = self.one_of("defaultAction", ACTIONS, action)?;
        if default_action == LinuxSeccompAction::ScmpActNotify {
            return Err(self.err(
                "defaultAction",
                "SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)",
            ));
        }
        let (default_errno_ret, default_errno) =
            self.errnos(m, "", ("defaultErrnoRet", "defaultErrno"), default_action)?;

        let architectures = self.arches(m, "", "architectures")?;
        let map_entries = self.list(m, "", "archMap")?;
        if !architectures.is_empty() && !map_entries.is_empty() {
            return Err(self.err(
                "archMap",
                "give either architectures or archMap, not both (Docker and Podman refuse both)",
            ));
        }
        let arch_map = map_entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let at = format!("archMap[{i}]");
                let e = self.object(e, &at, &["architecture", "subArchitectures"])?;
                let field = join(&at, "architecture");
                let native = self
                    .string(e, &at, "architecture")?
                    .ok_or_else(|| self.err(&field, "required: e.g. SCMP_ARCH_X86_64"))?;
                let native = self.one_of(&field, ARCHES, native)?;
                Ok((native, self.arches(e, &at, "subArchitectures")?))
            })
            .collect::<Result<Vec<_>>>()?;
        let flags = self.strings(m, "", "flags")?.unwrap_or_default();
        let flags = flags
            .iter()
            .enumerate()
            .map(|(i, f)| self.one_of(&format!("flags[{i}]"), FLAGS, f))
            .collect::<Result<Vec<_>>>()?;

        let rules = self
            .list(m, "", "syscalls")?
            .iter()
            .enumerate()
            .map(|(i, s)| self.rule(&format!("syscalls[{i}]"), s))
            .collect::<Result<Vec<_>>>()?;
        let listener_path = self
            .string(m, "", "listenerPath")?
            .filter(|p| !p.is_empty());
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
            listener_path: listener_path.map(String::from),
            listener_metadata: self.string(m, "", "listenerMetadata")?.map(String::from),
            rules,
        })
    }

    fn rule(&self, at: &str, v: &Value) -> Result<Rule> {
        let m = self.object(
            v,
            at,
            &[
                "names", "name", "action", "errnoRet", "errno", "args", "comment", "includes",
                "excludes",
            ],
        )?;
        let names = match (self.string(m, at, "name")?, self.strings(m, at, "names")?) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    join(at, "name"),
                    "give either name or names, not both (Docker and Podman refuse both)",
                ))
            }
            (Some(n), None) => vec![n.to_string()],
            (None, names) => names.unwrap_or_default(),
        };
        if names.is_empty() {
            return Err(self.err(join(at, "names"), "expected at least one syscall name"));
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
        let action_field = join(at, "action");
        let action = self
            .string(m, at, "action")?
            .ok_or_else(|| self.err(&action_field, "required: e.g. SCMP_ACT_ALLOW"))?;
        let action: LinuxSeccompAction = self.one_of(&action_field, ACTIONS, action)?;
        if action == LinuxSeccompAction::ScmpActNotify && names.iter().any(|n| n == "write") {
            return Err(self.err(
                action_field,
                "SCMP_ACT_NOTIFY cannot apply to write (runc refuses it: the runtime itself \
                 needs write)",
            ));
        }
        let (errno_ret, errno) = self.errnos(m, at, ("errnoRet", "errno"), action)?;
        let args = self
            .list(m, at, "args")?
            .iter()
            .enumerate()
            .map(|(j, a)| self.arg(&format!("{at}.args[{j}]"), a))
            .collect::<Result<Vec<_>>>()?;
        Ok(Rule {
            names,
            action,
            errno_ret,
            errno,
            args,
            includes: self.filter(m, at, "includes")?,
            excludes: self.filter(m, at, "excludes")?,
            comment: self
                .string(m, at, "comment")?
                .filter(|c| !c.is_empty())
                .map(String::from),
        })
    }

    fn arg(&self, at: &str, v: &Value) -> Result<LinuxSeccompArg> {
        let m = self.object(v, at, &["index", "value", "valueTwo", "op"])?;
        let required = |key: &str, what: &str| self.err(join(at, key), format!("required: {what}"));
        // A syscall has at most six arguments; libseccomp refuses a higher index.
        let index = self
            .number(m, at, "index", 5)?
            .ok_or_else(|| required("index", "the argument's position, 0 to 5"))?;
        let value = self
            .number(m, at, "value", u64::MAX)?
            .ok_or_else(|| required("value", "the number to compare with"))?;
        let value_two = self.number(m, at, "valueTwo", u64::MAX)?;
        let op_field = join(at, "op");
        let op = self
            .string(m, at, "op")?
            .ok_or_else(|| required("op", "e.g. SCMP_CMP_EQ"))?;
        let op = self.one_of(&op_field, OPS, op)?;
        seccomp_arg(index as u8, value, value_two, op)
    }

    fn filter(&self, rule: &Object, at: &str, key: &str) -> Result<Filter> {
        let at = join(at, key);
        let m = match rule.get(key) {
            None | Some(Value::Null) => return Ok(Filter::default()),
            Some(v) => self.object(v, &at, &["caps", "arches", "minKernel"])?,
        };
        let caps = self.strings(m, &at, "caps")?.unwrap_or_default();
        for (j, c) in caps.iter().enumerate() {
            let ok = c.len() > 4
                && c.starts_with("CAP_")
                && c.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(self.err(
                    format!("{at}.caps[{j}]"),
                    format!(
                        "expected a capability name like CAP_SYS_ADMIN (compared exactly), got {c:?}"
                    ),
                ));
            }
        }
        let arches = self.strings(m, &at, "arches")?.unwrap_or_default();
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
        let min_kernel = match self.string(m, &at, "minKernel")? {
            None | Some("") => None,
            Some(text) => Some(KernelVersion::from_min_kernel(text).ok_or_else(|| {
                self.err(
                    join(&at, "minKernel"),
                    format!(
                        "expected <kernel>.<major> like \"4.8\" (each 0-255, not 0.0), got {text:?}"
                    ),
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
