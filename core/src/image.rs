//! The image's own configuration: the `config` object of an OCI image config blob, and
//! optionally the image's /etc/passwd and /etc/group text so `User: nginx` can resolve.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The fields of an OCI image config's `config` object that a runtime spec uses.
/// Other keys (`ExposedPorts`, `Labels`, ...) are accepted and ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(rename = "User", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(rename = "Env", default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir", default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(rename = "Entrypoint", default, skip_serializing_if = "Option::is_none")]
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
        let v = crate::service::read_value_pub(file, text)?;
        let inner = match v.get("config") {
            Some(c) if v.get("rootfs").is_some() || v.get("architecture").is_some() || v.get("os").is_some() => c.clone(),
            _ => v,
        };
        crate::service::typed_pub(file, "config", inner)
    }
}
