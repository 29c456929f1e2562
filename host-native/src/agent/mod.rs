//! The API a node agent on tokio links: probe what a service needs, render, write a bundle,
//! remove one, prepare the cgroup leaf, and check that a kept snapshot still holds.
//!
//! Everything that touches the host runs on tokio's blocking pool (`spawn_blocking`), never
//! on the runtime's worker threads; the render itself (pure, about a millisecond) runs there
//! too, together with the bundle write it feeds. An [`Agent`] is cheap to share: put it in an
//! `Arc` and call it from as many tasks as you like; writes to different bundles proceed in
//! parallel, writes to the same bundle take turns (see [`crate::bundle::write_bundle_parts`]).
//!
//! The pieces an agent usually has its own of are traits: [`SecretsProvider`] (where `$S:`
//! values come from) and [`VolumeResolver`] (where volumes live on the host).
//!
//! ```
//! use std::sync::Arc;
//! use ocigen_host::agent::{Agent, Container};
//! use ocigen_host::core::parse_service_file;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rt = tokio::runtime::Builder::new_multi_thread().build()?;
//! rt.block_on(async {
//!     let file = parse_service_file("web.yaml", "
//! version: v1
//! deployment: demo
//! services:
//!   web:
//!     image: {name: busybox}
//!     command: {entrypoint: [/bin/sh, -c, 'echo hello']}
//! ")?;
//!     let service = Arc::new(file.service(Some("web"))?);
//!     let agent = Agent::live();
//!     let snapshot = Arc::new(agent.probe_for(&service).await?);
//!
//!     let work = tempfile::tempdir()?;
//!     std::fs::create_dir(work.path().join("rootfs"))?;
//!     let container = Container::new("demo", service, 1);
//!     let bundle = agent
//!         .write_bundle(&container, &snapshot, &work.path().join("rootfs"), &work.path().join("web-rep-1"))
//!         .await?;
//!     assert_eq!(bundle.id, "web-rep-1");
//!     assert!(bundle.dir.join("config.json").is_file());
//!
//!     // Later, before the next render: is the kept snapshot still true?
//!     let report = agent.check(&snapshot).await?;
//!     assert!(report.is_clean(), "{:?}", report.changes);
//!     agent.remove_bundle(&bundle.dir).await?;
//!     Ok(())
//! })
//! # }
//! ```

mod volumes;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ocigen_core::service::ScaleSpec;
use ocigen_core::snapshot::CgroupLayout;
use ocigen_core::{
    requirements, Image, Inputs, RenderOptions, Rendered, Requirements, Service, ServiceFile,
    Snapshot,
};

pub use self::volumes::{volumes, NoVolumes, Volume, VolumeDirs, VolumeResolver, VolumeSource};
pub use crate::drift::{Drift, DriftKind, DriftReport};
pub use crate::secrets::{EnvFileSecrets, SecretsProvider};

use crate::error::{HostError, HostResult};
use crate::probe::HostRoot;
use crate::{bundle, cgroup_leaf, drift, probe, secrets};

/// One container to render: a service of a deployment, with the agent's render options
/// (the replica number is in `options.container_id`).
#[derive(Debug, Clone)]
pub struct Container {
    /// The deployment name: the scope of the service's `$S:` secrets.
    pub deployment: String,
    /// The service, shared by all its replicas.
    pub service: Arc<Service>,
    /// The image config (and passwd/group) when the agent has it; `None` renders without.
    pub image: Option<Arc<Image>>,
    /// Everything the agent decides per container. Secrets and volume paths already set
    /// here are kept; the missing ones come from the agent's provider and resolver.
    pub options: RenderOptions,
}

impl Container {
    /// Replica `replica` of `service` in `deployment`, default options.
    pub fn new(deployment: impl Into<String>, service: Arc<Service>, replica: u32) -> Self {
        let options = RenderOptions::new(service.name.clone(), replica);
        Container {
            deployment: deployment.into(),
            service,
            image: None,
            options,
        }
    }

    /// The container id (`web-rep-1`): the bundle's runc id and its cgroup leaf.
    pub fn id(&self) -> String {
        self.options.container_id.to_string()
    }

    /// Every container a service file starts with: each service (sorted by name) times its
    /// [`initial_replicas`], numbered from 1. A bare service spec is one service, named
    /// `name` (default `service`), in a deployment of the same name.
    ///
    /// ```
    /// use ocigen_host::agent::Container;
    /// use ocigen_host::core::parse_service_file;
    ///
    /// let file = parse_service_file("d.yaml", "
    /// version: v1
    /// deployment: demo
    /// services:
    ///   api: {image: {name: api}, scale: {mode: fixed, replicas: 2}}
    ///   web: {image: {name: web}}
    /// ").unwrap();
    /// let ids: Vec<_> = Container::all_in(&file, None).unwrap().iter().map(|c| c.id()).collect();
    /// assert_eq!(ids, ["api-rep-1", "api-rep-2", "web-rep-1"]);
    /// ```
    pub fn all_in(file: &ServiceFile, name: Option<&str>) -> HostResult<Vec<Container>> {
        let (deployment, names) = match file {
            ServiceFile::Deployment(d) => (d.deployment.clone(), file.service_names()),
            ServiceFile::Bare(_) => {
                let name = name.unwrap_or("service").to_string();
                (name.clone(), vec![name])
            }
        };
        let mut out = Vec::new();
        for n in names {
            let service = Arc::new(file.service(Some(&n))?);
            for replica in 1..=initial_replicas(&service) {
                out.push(Container::new(deployment.clone(), service.clone(), replica));
            }
        }
        Ok(out)
    }
}

/// How many replicas an agent starts a service with, from its `scale`: `fixed` its
/// `replicas`; `adaptive` its `min` (0 means scaled to zero until traffic comes); `manual`
/// and no `scale` at all one (upstream's default is adaptive from 1).
pub fn initial_replicas(service: &Service) -> u32 {
    match &service.spec.scale {
        Some(ScaleSpec::Fixed { replicas }) => *replicas,
        Some(ScaleSpec::Adaptive { min, .. }) => *min,
        Some(ScaleSpec::Manual) | None => 1,
    }
}

/// A bundle on disk: what [`Agent::write_bundle`] made.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The container id, the one to pass to `runc run`.
    pub id: String,
    /// The bundle directory (canonical, absolute).
    pub dir: PathBuf,
    /// The render it holds (config, bundle files, diagnostics, trace).
    pub rendered: Rendered,
}

/// Where the snapshot [`Agent::snapshot_for`] returned comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOrigin {
    /// The kept snapshot: it covers the service and nothing in it changed.
    Kept,
    /// The kept snapshot drifted; this is the re-probe of the same facts.
    Refreshed {
        /// What changed.
        changes: Vec<Drift>,
    },
    /// A new probe for the service: none was kept, or the kept one lacks these facts.
    Probed {
        /// The facts the kept snapshot lacked (empty when none was kept).
        missing: Vec<String>,
    },
}

/// The host side of a node agent: where the host is, where secrets come from (`S`), where
/// volumes live (`V`). See the [module docs](self) for a whole round.
#[derive(Debug, Clone)]
pub struct Agent<S = EnvFileSecrets, V = NoVolumes> {
    host: Arc<HostRoot>,
    secrets: S,
    volumes: V,
}

impl Agent {
    /// The live host (`/`, this process's environment), secrets from `$OCIGEN_SECRETS_DIR`
    /// and `OCIGEN_SECRET_<NAME>` variables, no volume resolver.
    pub fn live() -> Self {
        Agent::new(HostRoot::live())
    }

    /// An agent for `host` (a [`HostRoot::fake`] tree in tests), secrets from the host's
    /// environment as in [`Agent::live`].
    pub fn new(host: HostRoot) -> Self {
        let secrets = EnvFileSecrets::new(&host.env, None);
        Agent {
            host: Arc::new(host),
            secrets,
            volumes: NoVolumes,
        }
    }
}

impl<S, V> Agent<S, V> {
    /// The same agent with another secrets provider.
    pub fn with_secrets<S2: SecretsProvider>(self, secrets: S2) -> Agent<S2, V> {
        Agent {
            host: self.host,
            secrets,
            volumes: self.volumes,
        }
    }

    /// The same agent with another volume resolver.
    pub fn with_volumes<V2: VolumeResolver>(self, volumes: V2) -> Agent<S, V2> {
        Agent {
            host: self.host,
            secrets: self.secrets,
            volumes,
        }
    }

    /// Where the agent reads the host from.
    pub fn host(&self) -> &HostRoot {
        &self.host
    }
}

/// Run blocking host work on tokio's blocking pool. A panic in it is resumed here, as if
/// the work had run inline.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> HostResult<T> + Send + 'static,
) -> HostResult<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(HostError::Cancelled(what)),
    }
}

fn utf8(path: &Path) -> HostResult<String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| HostError::Bundle {
            path: path.to_path_buf(),
            message: "is not UTF-8; config.json can only name UTF-8 paths".into(),
        })
}

impl<S: SecretsProvider, V: VolumeResolver> Agent<S, V> {
    /// Probe the host for `requirements`: the basics, then exactly the devices, paths and
    /// variables they need (GPU and CDI nodes found on the way included).
    pub async fn probe(&self, requirements: &Requirements) -> HostResult<Snapshot> {
        let (host, req) = (self.host.clone(), requirements.clone());
        blocking("probe", move || probe::probe(&host, Some(&req))).await
    }

    /// Probe exactly what `service` needs (its requirements with default options). Options
    /// that change the requirements (a GPU assignment) call for [`Agent::probe`] with
    /// `ocigen_host::core::requirements(service, options)`.
    pub async fn probe_for(&self, service: &Service) -> HostResult<Snapshot> {
        let options = RenderOptions::for_service(service.name.clone());
        self.probe(&requirements(service, &options)).await
    }

    /// Re-probe the facts `snapshot` holds and list what changed: cheap (the basics plus the
    /// snapshot's own devices and paths), so an agent can call it before each round of
    /// renders and re-probe (or take `report.fresh`) only when something moved.
    pub async fn check(&self, snapshot: &Snapshot) -> HostResult<DriftReport> {
        let (host, kept) = (self.host.clone(), snapshot.clone());
        blocking("drift check", move || drift::check(&host, &kept)).await
    }

    /// A snapshot to render `service` with, reusing `kept` when it still serves: when it
    /// records every fact the service needs ([`drift::missing_facts`]) and none of them
    /// drifted, it is returned as is; when some drifted, the re-probe of the same facts
    /// ([`DriftReport::fresh`]); otherwise a new probe for the service. The origin says which,
    /// and why.
    ///
    /// ```
    /// use ocigen_host::agent::{Agent, SnapshotOrigin};
    /// use ocigen_host::core::parse_service_file;
    ///
    /// let file = parse_service_file("web.yaml", "image: {name: busybox}").unwrap();
    /// let service = file.service(Some("web")).unwrap();
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let agent = Agent::live();
    ///     let (first, origin) = agent.snapshot_for(&service, None).await.unwrap();
    ///     assert!(matches!(origin, SnapshotOrigin::Probed { .. }));
    ///     // Kept, and checked before the next render: still true.
    ///     let (_, origin) = agent.snapshot_for(&service, Some(&first)).await.unwrap();
    ///     assert_eq!(origin, SnapshotOrigin::Kept);
    /// });
    /// ```
    pub async fn snapshot_for(
        &self,
        service: &Service,
        kept: Option<&Snapshot>,
    ) -> HostResult<(Snapshot, SnapshotOrigin)> {
        let options = RenderOptions::for_service(service.name.clone());
        let req = requirements(service, &options);
        let missing = match kept {
            Some(kept) => {
                let missing = drift::missing_facts(kept, &req);
                if missing.is_empty() {
                    let report = self.check(kept).await?;
                    return Ok(if report.is_clean() {
                        (kept.clone(), SnapshotOrigin::Kept)
                    } else {
                        let changes = report.changes;
                        (report.fresh, SnapshotOrigin::Refreshed { changes })
                    });
                }
                missing
            }
            None => Vec::new(),
        };
        Ok((self.probe(&req).await?, SnapshotOrigin::Probed { missing }))
    }

    /// Prepare the cgroup v2 leaf once, at start-up: move this process into `<scope>/init`
    /// and create `<scope>/containers`, where the renders put containers (see
    /// [`crate::cgroup_leaf`]). Returns that parent, or `None` where nothing is needed
    /// (v1 or hybrid layout, or the process at the root). Do it before the probes whose
    /// snapshots you keep: the agent's own cgroup is one of the facts.
    pub async fn prepare_cgroups(&self, layout: CgroupLayout) -> HostResult<Option<String>> {
        let host = self.host.clone();
        blocking("cgroup leaf", move || {
            cgroup_leaf::ensure_daemon_leaf_and_container_parent(&host, layout, std::process::id())
        })
        .await
    }

    /// The render options of `container` with its secrets and volume paths resolved (the
    /// ones already set in `container.options` are kept).
    pub async fn options(&self, container: &Container) -> HostResult<RenderOptions> {
        let mut options = container.options.clone();
        let mut refs = requirements(&container.service, &options).secret_refs;
        refs.retain(|r| !options.secrets.contains_key(r));
        if !refs.is_empty() {
            let found = secrets::resolve_secrets(&self.secrets, &container.deployment, &refs)
                .await
                .map_err(|e| in_service(&container.service, e))?;
            options.secrets.extend(found);
        }
        for v in volumes(&container.service) {
            if options.volume_paths.contains_key(&v.key) {
                continue;
            }
            let path = self
                .volumes
                .volume_path(&options.container_id, &v)
                .await
                .map_err(|message| HostError::Volume {
                    key: v.key.clone(),
                    message,
                })?;
            if let Some(path) = path {
                options.volume_paths.insert(v.key, path);
            }
        }
        Ok(options)
    }

    /// Render `container` against `snapshot` (secrets and volumes resolved first), off the
    /// runtime's threads. No file is written.
    pub async fn render(
        &self,
        container: &Container,
        snapshot: &Arc<Snapshot>,
    ) -> HostResult<Rendered> {
        let options = self.options(container).await?;
        let (service, image, snapshot) = (
            container.service.clone(),
            container.image.clone(),
            snapshot.clone(),
        );
        blocking("render", move || {
            render_with(&service, image.as_deref(), &options, &snapshot)
        })
        .await
    }

    /// Render `container` into the bundle directory `dir` (created if needed) with its root
    /// filesystem at `rootfs`, and write config.json and its files atomically. The render
    /// and the writes run together on the blocking pool.
    pub async fn write_bundle(
        &self,
        container: &Container,
        snapshot: &Arc<Snapshot>,
        rootfs: &Path,
        dir: &Path,
    ) -> HostResult<Bundle> {
        let mut options = self.options(container).await?;
        let (service, image, snapshot) = (
            container.service.clone(),
            container.image.clone(),
            snapshot.clone(),
        );
        let (rootfs, dir) = (rootfs.to_path_buf(), dir.to_path_buf());
        blocking("bundle write", move || {
            let rootfs = bundle::canonical_rootfs(&rootfs)?;
            let dir = bundle::create_bundle_dir(&dir)?;
            options.rootfs = Some(utf8(&rootfs)?);
            options.bundle_dir = Some(utf8(&dir)?);
            let rendered = render_with(&service, image.as_deref(), &options, &snapshot)?;
            bundle::write_bundle(&dir, &rendered)?;
            Ok(Bundle {
                id: options.container_id.to_string(),
                dir,
                rendered,
            })
        })
        .await
    }

    /// Write an already rendered spec into the existing bundle directory `dir`, atomically
    /// (for agents that render themselves).
    pub async fn write_rendered(&self, dir: &Path, rendered: Arc<Rendered>) -> HostResult<()> {
        let dir = dir.to_path_buf();
        blocking("bundle write", move || {
            bundle::write_bundle(&dir, &rendered)
        })
        .await
    }

    /// Remove a bundle directory and everything in it, never following a link or crossing
    /// into a mount (see [`crate::bundle::remove_bundle`]). Stop the container first.
    pub async fn remove_bundle(&self, dir: &Path) -> HostResult<()> {
        let dir = dir.to_path_buf();
        blocking("bundle removal", move || bundle::remove_bundle(&dir)).await
    }
}

fn render_with(
    service: &Service,
    image: Option<&Image>,
    options: &RenderOptions,
    snapshot: &Snapshot,
) -> HostResult<Rendered> {
    let inputs = Inputs {
        service,
        image,
        options,
        snapshot,
    };
    Ok(ocigen_core::render(&inputs)?)
}

/// A secret error, with the service it was resolved for.
fn in_service(service: &Service, e: HostError) -> HostError {
    match e {
        HostError::Secret { reference, message } => HostError::Secret {
            reference,
            message: format!("{message} (service `{}`)", service.name),
        },
        other => other,
    }
}
