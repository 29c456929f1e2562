//! The image's own configuration: the `config` object of an OCI image config blob, and
//! optionally the image's /etc/passwd and /etc/group text so `User: nginx` can resolve.

use serde::{Deserialize, Serialize};

use crate::checks::text::{has_control, is_absolute_clean, ABSOLUTE_PATH};
use crate::error::{Error, FieldPath, InputKind, Result};
use crate::read::{Source, Syntax};

/// The fields of an OCI image config's `config` object that a runtime spec uses.
/// Other keys (`ExposedPorts`, `Labels`, ...) are accepted and ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(rename = "User", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(rename = "Env", default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(
        rename = "WorkingDir",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub working_dir: Option<String>,
    #[serde(
        rename = "Entrypoint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
}

/// What a render knows about the image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    pub config: ImageConfig,
    /// Text of the image's /etc/passwd, if the agent supplied it.
    pub passwd: Option<String>,
    /// Text of the image's /etc/group, if the agent supplied it.
    pub group: Option<String>,
}

/// Top-level keys of a whole image config: the OCI image-spec's, and the ones Docker's
/// legacy image JSON adds (`docker save` writes those).
const IMAGE_KEYS: &[&str] = &[
    "created",
    "author",
    "architecture",
    "os",
    "os.version",
    "os.features",
    "variant",
    "config",
    "rootfs",
    "history",
    "id",
    "parent",
    "comment",
    "container",
    "container_config",
    "docker_version",
    "Size",
];

/// Keys of the `config` object: the OCI image-spec's, and Docker's container-config keys
/// that image builders also write there.
const CONFIG_KEYS: &[&str] = &[
    "User",
    "ExposedPorts",
    "Env",
    "Entrypoint",
    "Cmd",
    "Volumes",
    "WorkingDir",
    "Labels",
    "StopSignal",
    "ArgsEscaped",
    "Memory",
    "MemorySwap",
    "CpuShares",
    "Healthcheck",
    "Hostname",
    "Domainname",
    "AttachStdin",
    "AttachStdout",
    "AttachStderr",
    "Tty",
    "OpenStdin",
    "StdinOnce",
    "Image",
    "NetworkDisabled",
    "MacAddress",
    "OnBuild",
    "StopTimeout",
    "Shell",
];

impl ImageConfig {
    /// Parse either a whole image config blob (`{"config": {...}, ...}`) or the bare
    /// `config` object. `file` names the input in errors.
    ///
    /// A map with a `config` key is the whole blob, whatever else it has: guessing from
    /// `os`/`architecture`/`rootfs` once read `{"config": {"User": "app"}}` as an empty bare
    /// config, dropping the image's user so the container ran as root. Any key that belongs
    /// to neither shape (`Config` from `docker inspect`, a typo) is an error naming it.
    pub fn from_json(file: &str, text: &str) -> Result<ImageConfig> {
        let source = Source::new(InputKind::ImageConfig, file, text, Syntax::JsonOrYaml);
        let v = source.value()?;
        let map = v.as_object().cloned().unwrap_or_default();
        let (known, base, body) = match map.get("config") {
            Some(c) => (IMAGE_KEYS, "config.", Some(c.clone())),
            None => (CONFIG_KEYS, "", None),
        };
        if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
            let shape = if base.is_empty() {
                "an image config's `config` object (User, Env, Entrypoint, Cmd, WorkingDir...)"
            } else {
                "a whole OCI image config (architecture, os, config, rootfs...)"
            };
            return Err(source.error_at(key, format!("unknown key `{key}`: expected {shape}")));
        }
        let config = match body {
            Some(serde_json::Value::Null) => ImageConfig::default(),
            Some(c @ serde_json::Value::Object(_)) => {
                if let Some(key) = c
                    .as_object()
                    .and_then(|m| m.keys().find(|k| !CONFIG_KEYS.contains(&k.as_str())))
                {
                    return Err(source.error_at(
                        &format!("config.{key}"),
                        format!("unknown key `{key}` in the image's `config` object"),
                    ));
                }
                source.typed(c, "config")?
            }
            Some(_) => {
                return Err(source.error_at("config", "expected the image's `config` object"))
            }
            None => source.typed(v, "")?,
        };
        config
            .check(base)
            .map_err(|e| e.in_input(InputKind::ImageConfig, file, Some(text)))?;
        Ok(config)
    }

    /// Check the values a render uses: the user, env entries, working directory and
    /// command words. `base` prefixes the field paths (`config.` in a whole blob, `image.`
    /// for a render's inputs).
    pub fn check(&self, base: &str) -> Result<()> {
        let bad = |key: &str, expected: &str, got: &str| {
            Err(Error::invalid(
                FieldPath::new(InputKind::ImageConfig, format!("{base}{key}")),
                expected,
                format!("`{got}`"),
            ))
        };
        if let Some(user) = self.user.as_deref().filter(|u| has_control(u)) {
            return bad("User", "a user without control characters", user);
        }
        if let Some(dir) = self
            .working_dir
            .as_deref()
            .filter(|d| !d.is_empty() && !is_absolute_clean(d))
        {
            return bad("WorkingDir", ABSOLUTE_PATH, dir);
        }
        for (key, list) in [
            ("Env", &self.env),
            ("Entrypoint", &self.entrypoint),
            ("Cmd", &self.cmd),
        ] {
            for (i, word) in list.iter().flatten().enumerate() {
                if word.contains('\0') {
                    return bad(
                        &format!("{key}[{i}]"),
                        "text without NUL characters (the kernel ends it there)",
                        word,
                    );
                }
            }
        }
        Ok(())
    }
}

/// One line of an image's /etc/passwd (`name:password:uid:gid:gecos:home:shell`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// One line of an image's /etc/group (`name:password:gid:member,member`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

impl Image {
    /// The entries of the image's /etc/passwd, in file order (empty if it was not supplied).
    /// Blank lines, `#` comments and lines that do not parse are skipped, as libc and runc do.
    pub fn passwd_entries(&self) -> Vec<PasswdEntry> {
        colon_lines(self.passwd.as_deref())
            .filter_map(|f| {
                Some(PasswdEntry {
                    name: f.first()?.to_string(),
                    uid: f.get(2)?.trim().parse().ok()?,
                    gid: f.get(3)?.trim().parse().ok()?,
                })
            })
            .collect()
    }

    /// The entries of the image's /etc/group, in file order (empty if it was not supplied).
    pub fn group_entries(&self) -> Vec<GroupEntry> {
        colon_lines(self.group.as_deref())
            .filter_map(|f| {
                Some(GroupEntry {
                    name: f.first()?.to_string(),
                    gid: f.get(2)?.trim().parse().ok()?,
                    members: f
                        .get(3)
                        .map(|m| {
                            m.split(',')
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// Non-blank, non-comment lines of a colon-separated database, split into fields.
fn colon_lines(text: Option<&str>) -> impl Iterator<Item = Vec<&str>> {
    text.unwrap_or("")
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_config_without_os_or_rootfs_keeps_its_user() {
        // Once read as an empty bare config: the user was dropped and the container ran as root.
        let c = ImageConfig::from_json("i.json", r#"{"config": {"User": "app", "Cmd": ["x"]}}"#)
            .unwrap();
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(c.cmd, Some(vec!["x".to_string()]));
        let bare = ImageConfig::from_json("i.json", r#"{"User": "app"}"#).unwrap();
        assert_eq!(bare.user.as_deref(), Some("app"));
        let null = ImageConfig::from_json("i.json", r#"{"architecture": "arm64", "config": null}"#)
            .unwrap();
        assert_eq!(null, ImageConfig::default());
    }

    #[test]
    fn other_shapes_are_errors_naming_the_key() {
        for (text, field) in [
            (r#"{"Config": {"User": "app"}}"#, "Config"),
            (r#"{"config": {"User": "a"}, "Config": {}}"#, "Config"),
            (r#"{"config": {"user": "a"}}"#, "config.user"),
            (r#"{"config": "x"}"#, "config"),
        ] {
            let e = ImageConfig::from_json("i.json", text).unwrap_err();
            assert_eq!(e.field(), Some(field), "{text}: {e}");
        }
    }
}
