//! ZLayer's `security_opt` strings (Docker's `--security-opt`), typed.
//!
//! The forms are Docker's: `key=value`, or the older `key:value` Docker still accepts when
//! there is no `=`, and bare `no-new-privileges`. Anything else is an error naming the entry
//! (`services.web.security_opt[2]`) and listing the accepted forms, as is a second entry for
//! something already set (two seccomp options, `label=disable` with `label=type:...`):
//! Docker would let the last one win silently, which hides a mistake in the file.

use std::fmt;

use crate::error::{Error, Result};

/// What `seccomp=` asks for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeccompOpt {
    /// `seccomp=unconfined`: no seccomp profile at all.
    Unconfined,
    /// `seccomp=builtin`: the preset's default profile, as without the option.
    Builtin,
    /// `seccomp=<file>`: a profile file, as written (the host reads it; the core parses it).
    Profile(String),
}

/// One `label=` part (SELinux). Each of user, role, type, level replaces that part of the
/// container's process label; `filetype` that of its mount label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LabelOpt {
    User(String),
    Role(String),
    Type(String),
    Level(String),
    FileType(String),
    /// No SELinux labelling for this container.
    Disable,
    /// Podman's `label=nested`: let the container manage labels of its own containers.
    Nested,
}

impl LabelOpt {
    /// The part of the label this option sets; two options for one part contradict.
    fn part(&self) -> &'static str {
        match self {
            LabelOpt::User(_) => "user",
            LabelOpt::Role(_) => "role",
            LabelOpt::Type(_) => "type",
            LabelOpt::Level(_) => "level",
            LabelOpt::FileType(_) => "filetype",
            LabelOpt::Disable => "disable",
            LabelOpt::Nested => "nested",
        }
    }
}

/// One `security_opt` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecurityOpt {
    /// `no-new-privileges`, `no-new-privileges=true|false` (also `:true`).
    NoNewPrivileges(bool),
    Seccomp(SeccompOpt),
    /// `apparmor=<profile>`; `unconfined` is a profile name to the runtime too.
    AppArmor(String),
    Label(LabelOpt),
    /// `systempaths=unconfined`: no masked or read-only paths.
    SystemPathsUnconfined,
}

impl SecurityOpt {
    /// What a second entry must not set again: one key, or one label part.
    fn slot(&self) -> String {
        match self {
            SecurityOpt::NoNewPrivileges(_) => "no-new-privileges".into(),
            SecurityOpt::Seccomp(_) => "seccomp".into(),
            SecurityOpt::AppArmor(_) => "apparmor".into(),
            SecurityOpt::Label(l) => format!("label {}", l.part()),
            SecurityOpt::SystemPathsUnconfined => "systempaths".into(),
        }
    }
}

impl fmt::Display for SecurityOpt {
    /// The canonical spelling (`key=value`), for notes and explain.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityOpt::NoNewPrivileges(b) => write!(f, "no-new-privileges={b}"),
            SecurityOpt::Seccomp(SeccompOpt::Unconfined) => f.write_str("seccomp=unconfined"),
            SecurityOpt::Seccomp(SeccompOpt::Builtin) => f.write_str("seccomp=builtin"),
            SecurityOpt::Seccomp(SeccompOpt::Profile(p)) => write!(f, "seccomp={p}"),
            SecurityOpt::AppArmor(p) => write!(f, "apparmor={p}"),
            SecurityOpt::Label(l) => match l {
                LabelOpt::Disable | LabelOpt::Nested => write!(f, "label={}", l.part()),
                LabelOpt::User(v)
                | LabelOpt::Role(v)
                | LabelOpt::Type(v)
                | LabelOpt::Level(v)
                | LabelOpt::FileType(v) => write!(f, "label={}:{v}", l.part()),
            },
            SecurityOpt::SystemPathsUnconfined => f.write_str("systempaths=unconfined"),
        }
    }
}

/// All of a service's `security_opt`, each with the field path it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityOpts {
    /// In file order; no two set the same thing.
    pub entries: Vec<(SecurityOpt, String)>,
}

impl SecurityOpts {
    /// `no-new-privileges` and where it was set.
    pub fn no_new_privileges(&self) -> Option<(bool, &str)> {
        self.entries.iter().find_map(|(o, f)| match o {
            SecurityOpt::NoNewPrivileges(b) => Some((*b, f.as_str())),
            _ => None,
        })
    }

    pub fn seccomp(&self) -> Option<(&SeccompOpt, &str)> {
        self.entries.iter().find_map(|(o, f)| match o {
            SecurityOpt::Seccomp(s) => Some((s, f.as_str())),
            _ => None,
        })
    }

    pub fn apparmor(&self) -> Option<(&str, &str)> {
        self.entries.iter().find_map(|(o, f)| match o {
            SecurityOpt::AppArmor(p) => Some((p.as_str(), f.as_str())),
            _ => None,
        })
    }

    /// The `label=` parts, in file order.
    pub fn labels(&self) -> impl Iterator<Item = (&LabelOpt, &str)> {
        self.entries.iter().filter_map(|(o, f)| match o {
            SecurityOpt::Label(l) => Some((l, f.as_str())),
            _ => None,
        })
    }

    /// Where `systempaths=unconfined` was set, if it was.
    pub fn systempaths_unconfined(&self) -> Option<&str> {
        self.entries.iter().find_map(|(o, f)| match o {
            SecurityOpt::SystemPathsUnconfined => Some(f.as_str()),
            _ => None,
        })
    }
}

const ACCEPTED: &str =
    "one of no-new-privileges[=true|false], seccomp=unconfined|builtin|<profile \
     file>, apparmor=<profile>, label=user:<user>|role:<role>|type:<type>|level:<level>|\
     filetype:<type>|disable|nested, systempaths=unconfined";

/// Parse a service's `security_opt` list; `field` is its path (`services.web.security_opt`).
pub fn parse_security_opts(opts: &[String], field: &str) -> Result<SecurityOpts> {
    let mut entries: Vec<(SecurityOpt, String)> = Vec::new();
    for (i, text) in opts.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let opt = parse_security_opt(text, &at)?;
        let slot = opt.slot();
        if let Some((prev, prev_at)) = entries.iter().find(|(o, _)| o.slot() == slot) {
            return Err(Error::invalid(
                &at,
                format!("only one {slot} option ({prev_at} already sets {prev})"),
                format!("{text:?}"),
            ));
        }
        // Turning labelling off and setting a label part at once cannot both be meant.
        let label_kind = |o: &SecurityOpt| match o {
            SecurityOpt::Label(LabelOpt::Disable) => Some(true),
            SecurityOpt::Label(_) => Some(false),
            _ => None,
        };
        if let Some(disable) = label_kind(&opt) {
            let clash = entries
                .iter()
                .find(|(o, _)| label_kind(o).is_some_and(|d| d != disable));
            if let Some((prev, prev_at)) = clash {
                return Err(Error::invalid(
                    &at,
                    format!(
                        "label=disable or label parts, not both ({prev_at} already sets {prev})"
                    ),
                    format!("{text:?}"),
                ));
            }
        }
        entries.push((opt, at));
    }
    Ok(SecurityOpts { entries })
}

/// Parse one entry; `field` is its path (`services.web.security_opt[2]`).
pub fn parse_security_opt(text: &str, field: &str) -> Result<SecurityOpt> {
    let bad = |expected: &str| Error::invalid(field, expected, format!("{text:?}"));
    // Docker splits at the first `=`, or at the first `:` when there is no `=`.
    let (key, value) = match text.split_once('=').or_else(|| text.split_once(':')) {
        Some((k, v)) => (k, Some(v)),
        None => (text, None),
    };
    let value = match (key, value) {
        ("no-new-privileges", None) => return Ok(SecurityOpt::NoNewPrivileges(true)),
        (_, None) | (_, Some("")) if is_known(key) => {
            return Err(bad(&format!("a value after {key}= ({ACCEPTED})")))
        }
        (_, Some(v)) if is_known(key) => v,
        _ => return Err(bad(ACCEPTED)),
    };
    let no_space = |v: &str| !v.chars().any(char::is_whitespace);
    match key {
        // Go's strconv.ParseBool spellings, which Docker accepts.
        "no-new-privileges" => match value {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(SecurityOpt::NoNewPrivileges(true)),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => {
                Ok(SecurityOpt::NoNewPrivileges(false))
            }
            _ => Err(bad("no-new-privileges, no-new-privileges=true or =false")),
        },
        "seccomp" => Ok(SecurityOpt::Seccomp(match value {
            "unconfined" => SeccompOpt::Unconfined,
            "builtin" => SeccompOpt::Builtin,
            path => SeccompOpt::Profile(path.to_string()),
        })),
        "apparmor" if no_space(value) => Ok(SecurityOpt::AppArmor(value.to_string())),
        "apparmor" => Err(bad("apparmor=<profile name> (no spaces)")),
        "systempaths" if value == "unconfined" => Ok(SecurityOpt::SystemPathsUnconfined),
        "systempaths" => Err(bad("systempaths=unconfined (the only value)")),
        _ => {
            let label = match value.split_once(':') {
                None if value == "disable" => LabelOpt::Disable,
                None if value == "nested" => LabelOpt::Nested,
                Some((part, v)) if !v.is_empty() && no_space(v) => match part {
                    "user" => LabelOpt::User(v.into()),
                    "role" => LabelOpt::Role(v.into()),
                    "type" => LabelOpt::Type(v.into()),
                    "level" => LabelOpt::Level(v.into()),
                    "filetype" => LabelOpt::FileType(v.into()),
                    _ => return Err(bad(LABEL_FORMS)),
                },
                _ => return Err(bad(LABEL_FORMS)),
            };
            Ok(SecurityOpt::Label(label))
        }
    }
}

const LABEL_FORMS: &str = "label=user:<user>, label=role:<role>, label=type:<type>, \
     label=level:<level>, label=filetype:<type>, label=disable or label=nested";

fn is_known(key: &str) -> bool {
    matches!(
        key,
        "no-new-privileges" | "seccomp" | "apparmor" | "label" | "systempaths"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &str = "services.web.security_opt";

    fn one(text: &str) -> Result<SecurityOpt> {
        parse_security_opt(text, "services.web.security_opt[0]")
    }

    #[test]
    fn accepted_forms() {
        use LabelOpt as L;
        use SecurityOpt as S;
        let table: &[(&str, SecurityOpt)] = &[
            ("no-new-privileges", S::NoNewPrivileges(true)),
            ("no-new-privileges:true", S::NoNewPrivileges(true)),
            ("no-new-privileges=true", S::NoNewPrivileges(true)),
            ("no-new-privileges=1", S::NoNewPrivileges(true)),
            ("no-new-privileges:false", S::NoNewPrivileges(false)),
            ("no-new-privileges=False", S::NoNewPrivileges(false)),
            ("seccomp=unconfined", S::Seccomp(SeccompOpt::Unconfined)),
            ("seccomp:unconfined", S::Seccomp(SeccompOpt::Unconfined)),
            ("seccomp=builtin", S::Seccomp(SeccompOpt::Builtin)),
            (
                "seccomp=/etc/zlayer/seccomp/strict.json",
                S::Seccomp(SeccompOpt::Profile(
                    "/etc/zlayer/seccomp/strict.json".into(),
                )),
            ),
            (
                "seccomp=profiles/a=b.json",
                S::Seccomp(SeccompOpt::Profile("profiles/a=b.json".into())),
            ),
            (
                "apparmor=docker-default",
                S::AppArmor("docker-default".into()),
            ),
            ("apparmor=unconfined", S::AppArmor("unconfined".into())),
            ("apparmor:my/profile", S::AppArmor("my/profile".into())),
            ("label=user:system_u", S::Label(L::User("system_u".into()))),
            ("label=role:system_r", S::Label(L::Role("system_r".into()))),
            (
                "label=type:svirt_apache_t",
                S::Label(L::Type("svirt_apache_t".into())),
            ),
            (
                "label=level:s0:c100,c200",
                S::Label(L::Level("s0:c100,c200".into())),
            ),
            ("label:level:s0", S::Label(L::Level("s0".into()))),
            (
                "label=filetype:container_file_t",
                S::Label(L::FileType("container_file_t".into())),
            ),
            ("label=disable", S::Label(L::Disable)),
            ("label=nested", S::Label(L::Nested)),
            ("systempaths=unconfined", S::SystemPathsUnconfined),
        ];
        for (text, want) in table {
            assert_eq!(&one(text).unwrap_or_else(|e| panic!("{text}: {e}")), want);
        }
    }

    #[test]
    fn rejected_forms_name_the_entry_and_the_accepted_forms() {
        for (text, hint) in [
            ("", "no-new-privileges[=true|false]"),
            ("no-new-privs", "seccomp=unconfined"),
            ("NO-NEW-PRIVILEGES", "apparmor=<profile>"),
            ("no-new-privileges=yes", "=false"),
            ("no-new-privileges=", "a value after no-new-privileges="),
            ("seccomp", "a value after seccomp="),
            ("seccomp=", "a value after seccomp="),
            ("apparmor=", "a value after apparmor="),
            ("apparmor=my profile", "no spaces"),
            ("label", "a value after label="),
            ("label=enable", "label=disable"),
            ("label=user:", "label=user:<user>"),
            ("label=kind:x", "label=type:<type>"),
            ("label=type:a b", "label=type:<type>"),
            ("systempaths=confined", "the only value"),
            ("writable-cgroups=true", "systempaths=unconfined"),
            ("unmask=ALL", "label=user"),
            ("proc-opts=subset=pid", "seccomp=unconfined"),
            ("disable", "disable|nested"),
        ] {
            let err = one(text).expect_err(text);
            assert_eq!(err.field(), Some("services.web.security_opt[0]"), "{text}");
            let msg = err.to_string();
            assert!(msg.contains(hint), "{text}: {msg}");
            assert!(msg.contains(&format!("got {text:?}")), "{text}: {msg}");
        }
    }

    #[test]
    fn a_list_keeps_field_paths_and_refuses_contradictions() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let opts = parse_security_opts(
            &list(&[
                "no-new-privileges",
                "seccomp=/p.json",
                "label=type:t",
                "label=level:s0",
                "apparmor=a",
                "systempaths=unconfined",
            ]),
            F,
        )
        .unwrap();
        assert_eq!(
            opts.no_new_privileges(),
            Some((true, "services.web.security_opt[0]"))
        );
        assert_eq!(
            opts.seccomp(),
            Some((
                &SeccompOpt::Profile("/p.json".into()),
                "services.web.security_opt[1]"
            ))
        );
        assert_eq!(opts.labels().count(), 2);
        assert_eq!(opts.apparmor(), Some(("a", "services.web.security_opt[4]")));
        assert_eq!(
            opts.systempaths_unconfined(),
            Some("services.web.security_opt[5]")
        );
        assert_eq!(
            parse_security_opts(&[], F).unwrap(),
            SecurityOpts::default()
        );

        for (v, bad_index, hint) in [
            (
                &["seccomp=unconfined", "seccomp=/p.json"][..],
                1,
                "security_opt[0] already sets seccomp=unconfined",
            ),
            (
                &["seccomp=/p.json", "seccomp=/p.json"][..],
                1,
                "only one seccomp option",
            ),
            (
                &["no-new-privileges", "no-new-privileges=false"][..],
                1,
                "no-new-privileges=true",
            ),
            (
                &["apparmor=a", "label=disable", "apparmor=b"][..],
                2,
                "apparmor=a",
            ),
            (
                &["label=type:a", "label=type:b"][..],
                1,
                "only one label type option",
            ),
            (
                &["label=type:a", "label=disable"][..],
                1,
                "label=disable or label parts",
            ),
            (
                &["label=disable", "label=level:s0"][..],
                1,
                "label=disable or label parts",
            ),
            (
                &["systempaths=unconfined", "systempaths=unconfined"][..],
                1,
                "systempaths",
            ),
            (
                &["seccomp=unconfined", "bogus"][..],
                1,
                "one of no-new-privileges",
            ),
        ] {
            let err = parse_security_opts(&list(v), F).expect_err(&format!("{v:?}"));
            assert_eq!(
                err.field(),
                Some(format!("{F}[{bad_index}]").as_str()),
                "{v:?}"
            );
            assert!(err.to_string().contains(hint), "{v:?}: {err}");
        }
        // label=nested goes with label parts.
        assert!(parse_security_opts(&list(&["label=nested", "label=type:t"]), F).is_ok());
    }

    #[test]
    fn display_is_the_canonical_spelling() {
        for (text, shown) in [
            ("no-new-privileges", "no-new-privileges=true"),
            ("seccomp:unconfined", "seccomp=unconfined"),
            ("label:level:s0:c1", "label=level:s0:c1"),
            ("label=disable", "label=disable"),
            ("apparmor=x", "apparmor=x"),
            ("systempaths=unconfined", "systempaths=unconfined"),
        ] {
            assert_eq!(one(text).unwrap().to_string(), shown);
        }
    }
}
