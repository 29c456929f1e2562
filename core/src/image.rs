//! The image's own configuration: the `config` object of an OCI image config blob, and
//! optionally the image's /etc/passwd and /etc/group text so `User: nginx` can resolve.

use serde::{Deserialize, Serialize};

use crate::error::{InputKind, Result};
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

impl ImageConfig {
    /// Parse either a whole image config blob (`{"config": {...}, ...}`) or the bare
    /// `config` object. `file` names the input in errors.
    pub fn from_json(file: &str, text: &str) -> Result<ImageConfig> {
        let source = Source::new(InputKind::ImageConfig, file, text, Syntax::JsonOrYaml);
        let v = source.value()?;
        match v.get("config") {
            Some(c)
                if v.get("rootfs").is_some()
                    || v.get("architecture").is_some()
                    || v.get("os").is_some() =>
            {
                source.typed(c.clone(), "config")
            }
            _ => source.typed(v, ""),
        }
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
