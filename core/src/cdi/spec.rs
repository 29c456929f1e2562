//! The CDI spec data model, field for field as the CDI specification (and the reference Go
//! library's `specs-go` types) define it, parsed strictly: an unknown key is an error, the
//! way the Go library's strict YAML/JSON decoding treats it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::InputKind;
use crate::read::{Source, Syntax};

/// One CDI spec file: a kind (`vendor/class`), its devices and spec-level edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CdiSpec {
    pub cdi_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Required by the schema (an empty list is allowed).
    pub devices: Vec<CdiDevice>,
    /// Edits applied once whenever any device of this spec is injected.
    #[serde(default)]
    pub container_edits: ContainerEdits,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CdiDevice {
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Required by the schema, and must not be empty (checked in validation).
    pub container_edits: ContainerEdits,
}

/// `containerEdits`, at spec or device level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerEdits {
    /// `KEY=VALUE` entries.
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub device_nodes: Vec<CdiDeviceNode>,
    #[serde(default)]
    pub net_devices: Vec<CdiNetDevice>,
    /// A LIST of hooks, each naming its OCI stage in `hookName` (not an OCI-style map).
    #[serde(default)]
    pub hooks: Vec<CdiHook>,
    #[serde(default)]
    pub mounts: Vec<CdiMount>,
    #[serde(default)]
    pub intel_rdt: Option<CdiIntelRdt>,
    #[serde(default, rename = "additionalGids")]
    pub additional_gids: Vec<u32>,
}

impl ContainerEdits {
    /// Whether the edits change nothing (a device with empty edits is invalid).
    pub fn is_empty(&self) -> bool {
        self.env.is_empty()
            && self.device_nodes.is_empty()
            && self.net_devices.is_empty()
            && self.hooks.is_empty()
            && self.mounts.is_empty()
            && self.intel_rdt.is_none()
            && self.additional_gids.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CdiDeviceNode {
    /// Path inside the container.
    pub path: String,
    /// Path on the host when it differs (e.g. a driver root).
    #[serde(default)]
    pub host_path: Option<String>,
    /// `c`, `u` (= c), `b` or `p`; absent means "as on the host".
    #[serde(default, rename = "type")]
    pub node_type: Option<String>,
    #[serde(default)]
    pub major: Option<i64>,
    #[serde(default)]
    pub minor: Option<i64>,
    #[serde(default)]
    pub file_mode: Option<u32>,
    /// Cgroup access (`rwm` letters); default `rwm`.
    #[serde(default)]
    pub permissions: Option<String>,
    #[serde(default)]
    pub uid: Option<u32>,
    #[serde(default)]
    pub gid: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CdiNetDevice {
    pub host_interface_name: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CdiMount {
    pub host_path: String,
    pub container_path: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default, rename = "type")]
    pub mount_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CdiHook {
    /// OCI stage: prestart, createRuntime, createContainer, startContainer, poststart, poststop.
    pub hook_name: String,
    pub path: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub timeout: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CdiIntelRdt {
    #[serde(default, rename = "closID")]
    pub clos_id: Option<String>,
    #[serde(default)]
    pub l3_cache_schema: Option<String>,
    #[serde(default)]
    pub mem_bw_schema: Option<String>,
    #[serde(default)]
    pub schemata: Vec<String>,
    #[serde(default)]
    pub enable_monitoring: bool,
}

/// The reader for the CDI file `path`: `.json` files as JSON, anything else as YAML (which
/// also reads JSON), as the CDI library does.
pub(crate) fn source<'a>(path: &'a str, text: &'a str) -> Source<'a> {
    let syntax = if path.ends_with(".json") {
        Syntax::Json
    } else {
        Syntax::Yaml
    };
    Source::new(InputKind::Cdi, path, text, syntax)
}

/// The `kind` a CDI file declares, read leniently, for files that fail to parse: it tells
/// whether a broken file concerns the kind a render asks for.
pub(crate) fn declared_kind(path: &str, text: &str) -> Option<String> {
    let value = source(path, text).value().ok()?;
    value.get("kind")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdi::parse_spec;

    #[test]
    fn hooks_are_a_list_with_hook_names() {
        let text = r#"
cdiVersion: 0.6.0
kind: vendor.com/device
devices:
  - name: dev1
    containerEdits:
      hooks:
        - hookName: createContainer
          path: /usr/bin/hook
          args: [hook, one]
          env: [A=1]
          timeout: 5
        - hookName: poststop
          path: /usr/bin/other
"#;
        let spec = parse_spec("x.yaml", text).unwrap();
        let hooks = &spec.devices[0].container_edits.hooks;
        assert_eq!(hooks.len(), 2);
        assert_eq!(hooks[0].hook_name, "createContainer");
        assert_eq!(hooks[0].args, vec!["hook", "one"]);
        assert_eq!(hooks[0].env, vec!["A=1"]);
        assert_eq!(hooks[0].timeout, Some(5));
        assert_eq!(hooks[1].hook_name, "poststop");
    }

    #[test]
    fn map_form_hooks_are_rejected() {
        let text = r#"{"cdiVersion":"0.6.0","kind":"v.com/d","devices":[{"name":"a","containerEdits":{"hooks":{"prestart":[{"path":"/x"}]}}}]}"#;
        let err = parse_spec("x.json", text).unwrap_err();
        assert_eq!(
            err.field(),
            Some("devices[0].containerEdits.hooks"),
            "{err}"
        );
    }

    #[test]
    fn unknown_field_is_rejected_with_its_path() {
        let text = "cdiVersion: 0.6.0\nkind: v.com/d\ndevices:\n  - name: a\n    containerEdits:\n      env: [A=1]\n      bogus: 1\n";
        let err = parse_spec("x.yaml", text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CDI spec x.yaml:7:7: devices[0].containerEdits.bogus: unknown key `bogus`"
        );
        assert_eq!(err.field(), Some("devices[0].containerEdits.bogus"));
        assert_eq!(err.code(), "E_CDI");
    }

    #[test]
    fn declared_kind_of_broken_file() {
        assert_eq!(
            declared_kind("a.yaml", "kind: nvidia.com/gpu\nbogus: 1\n").as_deref(),
            Some("nvidia.com/gpu")
        );
        assert_eq!(declared_kind("a.json", "{not json"), None);
    }
}
