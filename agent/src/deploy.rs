//! One pass of the agent over a deployment: snapshots, bundles, and (with `--run`) runs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ocigen_host::agent::{Agent, Container, EnvFileSecrets, SnapshotOrigin, VolumeDirs};
use ocigen_host::core::{parse_service_file, Requirements, Service, ServiceFile, Snapshot};
use ocigen_host::{bundle, HostError, HostRoot};
use serde_json::json;
use tokio::task::JoinSet;

use crate::runc::{self, Outcome};
use crate::Args;

type NodeAgent = Agent<EnvFileSecrets, VolumeDirs>;

/// Why the agent stopped, with its exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Self {
        // The ocigen CLI's scheme: the deployment's fault is 1, the host's is 3.
        let code = match &e {
            HostError::Core(_) | HostError::Bundle { .. } | HostError::Secret { .. } => 1,
            _ => 3,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

fn input(message: String) -> Failure {
    Failure { code: 1, message }
}

/// One service: how many replicas and where its snapshot came from.
pub struct ServiceReport {
    pub name: String,
    pub replicas: u32,
    pub origin: SnapshotOrigin,
    pub took: Duration,
}

/// One container: its bundle and, with `--run`, what it did.
pub struct ContainerReport {
    pub id: String,
    pub service: String,
    pub replica: u32,
    pub bundle: PathBuf,
    pub warnings: Vec<String>,
    pub outcome: Option<Outcome>,
}

/// Everything the agent did, for the text or JSON report.
pub struct Report {
    pub deployment: String,
    pub cgroup_parent: Option<String>,
    pub services: Vec<ServiceReport>,
    pub containers: Vec<ContainerReport>,
    pub probe_time: Duration,
    pub bundle_time: Duration,
    pub run_time: Option<Duration>,
}

pub async fn run(args: &Args) -> Result<Report, Failure> {
    let shown = args.deployment.display().to_string();
    let text = tokio::fs::read_to_string(&args.deployment)
        .await
        .map_err(|e| input(format!("cannot read {shown}: {e}")))?;
    let file = parse_service_file(&shown, &text).map_err(HostError::from)?;
    let deployment = match &file {
        ServiceFile::Deployment(d) => d.deployment.clone(),
        ServiceFile::Bare(_) => "service".to_string(),
    };
    let planned = Container::all_in(&file, None)?;

    let host = HostRoot::live();
    let secrets = EnvFileSecrets::new(&host.env, args.secrets_dir.clone());
    let agent = Arc::new(
        Agent::new(host)
            .with_secrets(secrets)
            .with_volumes(VolumeDirs::new(args.out.join("volumes"))),
    );

    // The cgroup leaf before the snapshots: the agent's own cgroup is one of their facts.
    let started = Instant::now();
    let basics = agent.probe(&Requirements::default()).await?;
    let cgroup_parent = agent.prepare_cgroups(basics.cgroup.layout).await?;
    let services = snapshots(&agent, &planned, &args.out.join("snapshots")).await?;
    let probe_time = started.elapsed();

    let started = Instant::now();
    let mut containers = bundles(&agent, planned, &services, &cgroup_parent, args).await?;
    let bundle_time = started.elapsed();

    let run_time = if args.run {
        let started = Instant::now();
        run_all(&mut containers, args).await?;
        Some(started.elapsed())
    } else {
        None
    };
    let services = services.into_values().map(|(report, _)| report).collect();
    Ok(Report {
        deployment,
        cgroup_parent,
        services,
        containers,
        probe_time,
        bundle_time,
        run_time,
    })
}

/// One snapshot per service, all at once. Each is kept in `dir/<service>.json`; on the next
/// start the kept one is reused when it covers the service and has not drifted.
async fn snapshots(
    agent: &Arc<NodeAgent>,
    planned: &[Container],
    dir: &Path,
) -> Result<BTreeMap<String, (ServiceReport, Arc<Snapshot>)>, Failure> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| input(format!("cannot create {}: {e}", dir.display())))?;
    let mut services: BTreeMap<String, (Arc<Service>, u32)> = BTreeMap::new();
    for c in planned {
        services
            .entry(c.service.name.clone())
            .or_insert((c.service.clone(), 0))
            .1 += 1;
    }
    let mut tasks = JoinSet::new();
    for (name, (service, replicas)) in services {
        // Service names are map keys of the file; one becomes a file name here.
        if name.contains('/') || name.starts_with('.') {
            return Err(input(format!("service name `{name}` cannot name a file")));
        }
        let (agent, path) = (agent.clone(), dir.join(format!("{name}.json")));
        tasks.spawn(async move {
            let started = Instant::now();
            let kept = match tokio::fs::read_to_string(&path).await {
                // A kept snapshot that no longer loads (an older format) is probed anew.
                Ok(text) => Snapshot::from_json(&path.display().to_string(), &text).ok(),
                Err(_) => None,
            };
            let (snapshot, origin) = agent.snapshot_for(&service, kept.as_ref()).await?;
            if origin != SnapshotOrigin::Kept {
                let json = snapshot.to_json();
                tokio::task::spawn_blocking(move || {
                    bundle::write_atomic(&path, json.as_bytes(), 0o644)
                })
                .await
                .map_err(|_| HostError::Cancelled("snapshot write"))??;
            }
            let report = ServiceReport {
                name: service.name.clone(),
                replicas,
                origin,
                took: started.elapsed(),
            };
            Ok::<_, HostError>((report, Arc::new(snapshot)))
        });
    }
    let mut out = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (report, snapshot) = done.map_err(|e| input(format!("probe task: {e}")))??;
        out.insert(report.name.clone(), (report, snapshot));
    }
    Ok(out)
}

/// Render and write every container's bundle, all at once.
async fn bundles(
    agent: &Arc<NodeAgent>,
    planned: Vec<Container>,
    services: &BTreeMap<String, (ServiceReport, Arc<Snapshot>)>,
    cgroup_parent: &Option<String>,
    args: &Args,
) -> Result<Vec<ContainerReport>, Failure> {
    let mut tasks = JoinSet::new();
    for mut c in planned {
        c.options.cgroup_parent = cgroup_parent.clone();
        let snapshot = services[&c.service.name].1.clone();
        let (agent, rootfs) = (agent.clone(), args.rootfs.clone());
        let dir = args.out.join("bundles").join(c.id());
        tasks.spawn(async move {
            let b = agent.write_bundle(&c, &snapshot, &rootfs, &dir).await?;
            Ok::<_, HostError>(ContainerReport {
                warnings: b
                    .rendered
                    .diagnostics
                    .iter()
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect(),
                id: b.id,
                service: c.service.name.clone(),
                replica: c.options.container_id.replica,
                bundle: b.dir,
                outcome: None,
            })
        });
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        out.push(done.map_err(|e| input(format!("bundle task: {e}")))??);
    }
    out.sort_by(|a, b| (&a.service, a.replica).cmp(&(&b.service, b.replica)));
    Ok(out)
}

/// Start every container at once under runc and wait for all of them.
async fn run_all(containers: &mut [ContainerReport], args: &Args) -> Result<(), Failure> {
    let state = args.out.join("runc");
    tokio::fs::create_dir_all(&state)
        .await
        .map_err(|e| Failure {
            code: 3,
            message: format!("cannot create {}: {e}", state.display()),
        })?;
    let timeout = Duration::from_secs(args.timeout);
    let mut tasks = JoinSet::new();
    for (i, c) in containers.iter().enumerate() {
        let (runc, state) = (args.runc.clone(), state.clone());
        let (bundle, id) = (c.bundle.clone(), c.id.clone());
        tasks.spawn(async move { (i, runc::run(&runc, &state, bundle, id, timeout).await) });
    }
    while let Some(done) = tasks.join_next().await {
        let (i, outcome) = done.map_err(|e| input(format!("run task: {e}")))?;
        containers[i].outcome = Some(outcome);
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

fn origin_text(o: &SnapshotOrigin) -> String {
    match o {
        SnapshotOrigin::Kept => "kept (no drift)".into(),
        SnapshotOrigin::Refreshed { changes } => format!(
            "refreshed, {} fact(s) drifted: {}",
            changes.len(),
            changes
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        SnapshotOrigin::Probed { missing } if missing.is_empty() => "probed".into(),
        SnapshotOrigin::Probed { missing } => {
            format!("probed (the kept one lacked {})", missing.join(", "))
        }
    }
}

impl Report {
    /// Every bundle was written (we got here) and every container that ran exited 0.
    pub fn all_ok(&self) -> bool {
        self.containers
            .iter()
            .all(|c| c.outcome.as_ref().is_none_or(|o| o.exit_code == Some(0)))
    }

    pub fn to_json(&self) -> String {
        let services: Vec<_> = self
            .services
            .iter()
            .map(|s| {
                json!({"name": s.name, "replicas": s.replicas, "snapshot": origin_text(&s.origin), "ms": ms(s.took)})
            })
            .collect();
        let containers: Vec<_> = self
            .containers
            .iter()
            .map(|c| {
                let o = c.outcome.as_ref();
                json!({
                    "id": c.id, "service": c.service, "replica": c.replica,
                    "bundle": c.bundle, "warnings": c.warnings,
                    "exit_code": o.and_then(|o| o.exit_code),
                    "timed_out": o.is_some_and(|o| o.timed_out),
                    "stdout": o.map(|o| o.stdout.as_str()),
                    "stderr": o.map(|o| o.stderr.as_str()),
                    "ms": o.map(|o| ms(o.took)),
                })
            })
            .collect();
        let report = json!({
            "deployment": self.deployment,
            "cgroup_parent": self.cgroup_parent,
            "services": services,
            "containers": containers,
            "ms": {
                "probe": ms(self.probe_time),
                "bundles": ms(self.bundle_time),
                "run": self.run_time.map(ms),
            },
        });
        serde_json::to_string_pretty(&report).unwrap_or_default()
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let leaf = match &self.cgroup_parent {
            Some(p) => format!("containers under {p}"),
            None => "no cgroup leaf needed on this host".into(),
        };
        let _ = writeln!(
            s,
            "deployment {}: {} services, {} containers ({leaf})",
            self.deployment,
            self.services.len(),
            self.containers.len()
        );
        for svc in &self.services {
            let _ = writeln!(
                s,
                "  {}: {} replica(s), snapshot {} in {} ms",
                svc.name,
                svc.replicas,
                origin_text(&svc.origin),
                ms(svc.took)
            );
        }
        let _ = writeln!(
            s,
            "snapshots in {} ms, {} bundles rendered and written concurrently in {} ms",
            ms(self.probe_time),
            self.containers.len(),
            ms(self.bundle_time)
        );
        for c in &self.containers {
            let status = match &c.outcome {
                None => "written".to_string(),
                Some(o) if o.timed_out => "timed out".to_string(),
                Some(o) => match o.exit_code {
                    Some(code) => format!("exit {code} in {} ms", ms(o.took)),
                    None => "killed by a signal".to_string(),
                },
            };
            let _ = writeln!(s, "  {:<28} {status:<20} {}", c.id, c.bundle.display());
            for w in &c.warnings {
                let _ = writeln!(s, "      warning {w}");
            }
            if let Some(o) = &c.outcome {
                for line in o.stdout.lines().chain(o.stderr.lines()) {
                    let _ = writeln!(s, "      | {line}");
                }
            }
        }
        if let Some(t) = self.run_time {
            let failed = self
                .containers
                .iter()
                .filter(|c| c.outcome.as_ref().is_some_and(|o| o.exit_code != Some(0)))
                .count();
            let _ = writeln!(
                s,
                "ran {} containers at once in {} ms: {} exited 0, {failed} did not",
                self.containers.len(),
                ms(t),
                self.containers.len() - failed
            );
        }
        s
    }
}
