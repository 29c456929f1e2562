//! Volume paths: the host directories behind a service's named, anonymous and s3 volumes.
//!
//! The core renders a volume as a bind mount of a path the agent prepared, looked up in
//! [`RenderOptions::volume_paths`](crate::core::RenderOptions::volume_paths) by a key
//! (`name`, `_anon_<target>`, `_s3_<bucket>_<prefix>`). An agent has its own idea of where
//! volumes live (a local directory, a network filesystem, a FUSE mount of a bucket), so it
//! plugs in a [`VolumeResolver`]; [`volumes`] lists what a service needs, with the keys.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;

use ocigen_core::service::{StorageSpec, StorageTier};
use ocigen_core::{ContainerId, Service};

/// One volume a service mounts, with the key the render looks its host path up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// The `volume_paths` key: `name`, `_anon_<target>` or `_s3_<bucket>_<prefix>`.
    pub key: String,
    /// Where it is mounted in the container.
    pub target: String,
    /// What kind of volume it is.
    pub source: VolumeSource,
}

/// The kind of a [`Volume`] and what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    /// A named volume, shared by every container that names it.
    Named {
        /// The volume's name.
        name: String,
        /// The storage tier the service asked for.
        tier: StorageTier,
    },
    /// An anonymous volume: one per container and target.
    Anonymous {
        /// The storage tier the service asked for.
        tier: StorageTier,
    },
    /// An object-store bucket, mounted by the agent (a FUSE view).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix inside it, if any.
        prefix: Option<String>,
    },
}

/// The volumes `service` mounts that need a host path from the agent, in storage order.
/// Bind mounts (the service names the host path) and tmpfs are not listed.
///
/// ```
/// use ocigen_host::agent::volumes;
/// use ocigen_host::core::parse_service_file;
///
/// let file = parse_service_file("db.yaml", "
/// version: v1
/// deployment: demo
/// services:
///   db:
///     image: {name: postgres}
///     storage:
///       - {type: named, name: pgdata, target: /var/lib/postgresql}
///       - {type: anonymous, target: /var/cache/app}
/// ").unwrap();
/// let keys: Vec<_> = volumes(&file.service(Some("db")).unwrap())
///     .into_iter().map(|v| v.key).collect();
/// assert_eq!(keys, ["pgdata", "_anon_var_cache_app"]);
/// ```
pub fn volumes(service: &Service) -> Vec<Volume> {
    service
        .spec
        .storage
        .iter()
        .filter_map(|s| {
            // The keys follow the core's mounts pass (core/src/passes/mounts.rs), which owns
            // the rule; `volume_keys_are_the_ones_the_render_looks_up` renders with exactly
            // these keys, so the two cannot part silently.
            let (key, source) = match s {
                StorageSpec::Named { name, tier, .. } => (
                    name.clone(),
                    VolumeSource::Named {
                        name: name.clone(),
                        tier: *tier,
                    },
                ),
                StorageSpec::Anonymous { target, tier } => (
                    format!("_anon_{}", target.trim_start_matches('/').replace('/', "_")),
                    VolumeSource::Anonymous { tier: *tier },
                ),
                StorageSpec::S3 { bucket, prefix, .. } => (
                    format!("_s3_{bucket}_{}", prefix.as_deref().unwrap_or("")),
                    VolumeSource::S3 {
                        bucket: bucket.clone(),
                        prefix: prefix.clone(),
                    },
                ),
                StorageSpec::Bind { .. } | StorageSpec::Tmpfs { .. } => return None,
            };
            Some(Volume {
                key,
                target: s.target().to_string(),
                source,
            })
        })
        .collect()
}

/// Where an agent's volumes live on the host. `Ok(None)` leaves the volume unresolved: the
/// render then fails with an error naming the volume and its storage entry. `Err` is any
/// other failure, with a message saying what went wrong.
///
/// Called once per volume and container before the render, on the async runtime: an
/// implementation that does file work should use `tokio::fs` or `spawn_blocking`.
pub trait VolumeResolver: Send + Sync {
    /// The host path of `volume` for `container`.
    fn volume_path(
        &self,
        container: &ContainerId,
        volume: &Volume,
    ) -> impl Future<Output = Result<Option<String>, String>> + Send;
}

/// Resolves nothing: every volume stays unresolved (the render names it). The default for
/// an agent whose services mount no volumes, or that fills `volume_paths` itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVolumes;

impl VolumeResolver for NoVolumes {
    async fn volume_path(&self, _: &ContainerId, _: &Volume) -> Result<Option<String>, String> {
        Ok(None)
    }
}

/// A fixed table: `volume_paths` key -> host path, the same for every container.
///
/// ```
/// use std::collections::BTreeMap;
/// use ocigen_host::agent::{Volume, VolumeResolver, VolumeSource};
/// use ocigen_host::core::ContainerId;
///
/// let table = BTreeMap::from([("pgdata".to_string(), "/srv/pgdata".to_string())]);
/// let volume = Volume {
///     key: "pgdata".into(),
///     target: "/var/lib/postgresql".into(),
///     source: VolumeSource::Named { name: "pgdata".into(), tier: Default::default() },
/// };
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let path = rt.block_on(table.volume_path(&ContainerId::new("db", 1), &volume));
/// assert_eq!(path.unwrap().as_deref(), Some("/srv/pgdata"));
/// ```
impl VolumeResolver for BTreeMap<String, String> {
    async fn volume_path(&self, _: &ContainerId, v: &Volume) -> Result<Option<String>, String> {
        Ok(self.get(&v.key).cloned())
    }
}

/// Plain directories under one root, created on first use and returned as absolute,
/// canonical paths:
/// `<root>/named/<name>` (shared by every container), `<root>/anon/<container id>/<key>`
/// (one per container). S3 volumes are not resolved (a bucket needs a FUSE mount the agent
/// makes itself), so a service with one fails to render, naming the bucket.
///
/// ```
/// use ocigen_host::agent::{volumes, VolumeDirs, VolumeResolver};
/// use ocigen_host::core::{parse_service_file, ContainerId};
///
/// let root = tempfile::tempdir().unwrap();
/// let file = parse_service_file("web.yaml", "
/// version: v1
/// deployment: demo
/// services:
///   web:
///     image: {name: nginx}
///     storage: [{type: named, name: site, target: /usr/share/nginx/html}]
/// ").unwrap();
/// let volume = &volumes(&file.service(None).unwrap())[0];
/// let dirs = VolumeDirs::new(root.path());
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let path = rt.block_on(dirs.volume_path(&ContainerId::new("web", 1), volume)).unwrap();
/// let want = root.path().canonicalize().unwrap().join("named/site");
/// assert_eq!(path, Some(want.display().to_string()));
/// assert!(root.path().join("named/site").is_dir());
/// ```
#[derive(Debug, Clone)]
pub struct VolumeDirs {
    /// The directory every volume lives under.
    pub root: PathBuf,
}

impl VolumeDirs {
    /// Volumes under `root` (created when the first volume is).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        VolumeDirs { root: root.into() }
    }
}

/// One path component that cannot climb out of the root (a volume name comes from the
/// service file, which the agent does not control).
fn component(s: &str) -> Result<&str, String> {
    if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
        return Err(format!(
            "`{s}` cannot be a directory name under the volume root"
        ));
    }
    Ok(s)
}

impl VolumeResolver for VolumeDirs {
    async fn volume_path(&self, c: &ContainerId, v: &Volume) -> Result<Option<String>, String> {
        let dir = match &v.source {
            VolumeSource::Named { name, .. } => self.root.join("named").join(component(name)?),
            VolumeSource::Anonymous { .. } => self
                .root
                .join("anon")
                .join(component(&c.to_string())?)
                .join(component(&v.key)?),
            VolumeSource::S3 { .. } => return Ok(None),
        };
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // A bind source must be absolute (runc resolves a relative one against the bundle),
        // and real: the root may be given relative, or through a link.
        let dir = tokio::fs::canonicalize(&dir)
            .await
            .map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
        dir.to_str()
            .map(|s| Some(s.to_string()))
            .ok_or_else(|| format!("{} is not UTF-8", dir.display()))
    }
}
