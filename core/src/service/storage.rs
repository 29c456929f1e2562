//! `storage` entries: bind, named, anonymous, tmpfs and s3 volumes, tagged by `type`.
//!
//! They are read through one flat struct of every key rather than serde's internally tagged
//! enum: serde buffers a tagged enum's body before choosing the variant, and an error inside
//! a buffered body loses its path (`storage[0]` instead of `storage[0].mode`). The flat
//! struct keeps paths; the keys a type does not take and the keys it needs are then checked
//! here, with serde's own wording so they read like every other unknown or missing key.

use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Serialize};

use super::values::{ByteSize, OctalMode, TextVisitor, SIZE_EXPECTED};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StorageTier {
    #[default]
    Local,
    Cached,
    Network,
}

/// Its JSON Schema is `service/schema.rs`'s per-type shape, not the flat reader's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "StorageFields")]
pub enum StorageSpec {
    Bind {
        source: String,
        target: String,
        #[serde(default)]
        readonly: bool,
    },
    Named {
        name: String,
        target: String,
        #[serde(default)]
        readonly: bool,
        #[serde(default)]
        tier: StorageTier,
        /// Passed to the volume driver as written; ocigen does not read it.
        #[serde(default)]
        size: Option<String>,
    },
    Anonymous {
        target: String,
        #[serde(default)]
        tier: StorageTier,
    },
    Tmpfs {
        target: String,
        #[serde(default)]
        size: Option<ByteSize>,
        #[serde(default)]
        mode: Option<OctalMode>,
    },
    S3 {
        bucket: String,
        #[serde(default)]
        prefix: Option<String>,
        target: String,
        #[serde(default)]
        readonly: bool,
        #[serde(default)]
        endpoint: Option<String>,
        #[serde(default)]
        credentials: Option<String>,
    },
}

impl StorageSpec {
    pub fn target(&self) -> &str {
        match self {
            StorageSpec::Bind { target, .. }
            | StorageSpec::Named { target, .. }
            | StorageSpec::Anonymous { target, .. }
            | StorageSpec::Tmpfs { target, .. }
            | StorageSpec::S3 { target, .. } => target,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StorageKind {
    Bind,
    Named,
    Anonymous,
    Tmpfs,
    S3,
}

/// Every key of every storage type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageFields {
    #[serde(rename = "type")]
    kind: StorageKind,
    source: Option<String>,
    target: Option<String>,
    readonly: Option<bool>,
    name: Option<String>,
    tier: Option<StorageTier>,
    /// Text here: a tmpfs size is parsed below, a named volume's is not ours to read.
    size: Option<SizeText>,
    mode: Option<OctalMode>,
    bucket: Option<String>,
    prefix: Option<String>,
    endpoint: Option<String>,
    credentials: Option<String>,
}

/// A size as text; a number is refused with the words of a size (`size: 16Mi`).
struct SizeText(String);

impl<'de> Deserialize<'de> for SizeText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor {
            expecting: SIZE_EXPECTED,
            parse: |s| Ok(SizeText(s.to_string())),
        })
    }
}

const BIND: &[&str] = &["type", "source", "target", "readonly"];
const NAMED: &[&str] = &["type", "name", "target", "readonly", "tier", "size"];
const ANONYMOUS: &[&str] = &["type", "target", "tier"];
const TMPFS: &[&str] = &["type", "target", "size", "mode"];
const S3: &[&str] = &[
    "type",
    "bucket",
    "prefix",
    "target",
    "readonly",
    "endpoint",
    "credentials",
];

impl TryFrom<StorageFields> for StorageSpec {
    type Error = serde_json::Error;

    fn try_from(f: StorageFields) -> Result<Self, Self::Error> {
        let keys = match f.kind {
            StorageKind::Bind => BIND,
            StorageKind::Named => NAMED,
            StorageKind::Anonymous => ANONYMOUS,
            StorageKind::Tmpfs => TMPFS,
            StorageKind::S3 => S3,
        };
        let given = [
            ("source", f.source.is_some()),
            ("target", f.target.is_some()),
            ("readonly", f.readonly.is_some()),
            ("name", f.name.is_some()),
            ("tier", f.tier.is_some()),
            ("size", f.size.is_some()),
            ("mode", f.mode.is_some()),
            ("bucket", f.bucket.is_some()),
            ("prefix", f.prefix.is_some()),
            ("endpoint", f.endpoint.is_some()),
            ("credentials", f.credentials.is_some()),
        ];
        if let Some((key, _)) = given.iter().find(|(k, set)| *set && !keys.contains(k)) {
            return Err(serde_json::Error::unknown_field(key, keys));
        }
        let need = |v: Option<String>, key: &'static str| {
            v.ok_or_else(|| serde_json::Error::missing_field(key))
        };
        let readonly = f.readonly.unwrap_or(false);
        let tier = f.tier.unwrap_or_default();
        Ok(match f.kind {
            StorageKind::Bind => StorageSpec::Bind {
                source: need(f.source, "source")?,
                target: need(f.target, "target")?,
                readonly,
            },
            StorageKind::Named => StorageSpec::Named {
                name: need(f.name, "name")?,
                target: need(f.target, "target")?,
                readonly,
                tier,
                size: f.size.map(|s| s.0),
            },
            StorageKind::Anonymous => StorageSpec::Anonymous {
                target: need(f.target, "target")?,
                tier,
            },
            StorageKind::Tmpfs => StorageSpec::Tmpfs {
                target: need(f.target, "target")?,
                size: f
                    .size
                    .map(|s| ByteSize::parse(&s.0).map_err(|e| e.under("size").to_serde()))
                    .transpose()?,
                mode: f.mode,
            },
            StorageKind::S3 => StorageSpec::S3 {
                bucket: need(f.bucket, "bucket")?,
                prefix: f.prefix,
                target: need(f.target, "target")?,
                readonly,
                endpoint: f.endpoint,
                credentials: f.credentials,
            },
        })
    }
}
