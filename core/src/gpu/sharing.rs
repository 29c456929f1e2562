//! GPU sharing (MPS, time-slicing) and distributed-training settings. Host paths are
//! checked against the snapshot's path facts so a render fails early instead of the
//! runtime failing a bind mount.

use crate::cdi::apply::to_oci_mount;
use crate::error::{Error, Result};
use crate::inputs::Host;
use crate::options::RenderOptions;
use crate::plan::GpuPlan;
use crate::service::{GpuSharingMode, GpuSpec, Service};
use crate::snapshot::PathKind;
use crate::trace::Source;

pub const DEFAULT_MPS_PIPE_DIR: &str = "/tmp/nvidia-mps";
pub const DEFAULT_MPS_LOG_DIR: &str = "/tmp/nvidia-log";
/// Where the time-slicing config is bound in the container.
pub const TIME_SLICE_CONFIG_TARGET: &str = "/etc/nvidia/gpu-time-slicing.yaml";

/// The MPS directories: (env key, service field, path, source).
fn mps_dirs(service: &Service, gpu: &GpuSpec) -> [(&'static str, String, String, Source); 2] {
    let dir = |key, rel: &str, value: &Option<String>, default: &str| {
        let field = service.field(&format!("resources.gpu.{rel}"));
        match value {
            Some(v) => (key, field.clone(), v.clone(), Source::input(field)),
            None => (
                key,
                field,
                default.to_string(),
                Source::default(rel.to_string()),
            ),
        }
    };
    [
        dir(
            "CUDA_MPS_PIPE_DIRECTORY",
            "mps_pipe_dir",
            &gpu.mps_pipe_dir,
            DEFAULT_MPS_PIPE_DIR,
        ),
        dir(
            "CUDA_MPS_LOG_DIRECTORY",
            "mps_log_dir",
            &gpu.mps_log_dir,
            DEFAULT_MPS_LOG_DIR,
        ),
    ]
}

/// Require `path` to be of `want` kind on the host.
fn require_kind(
    snapshot: &Host<'_>,
    path: &str,
    field: &str,
    want: PathKind,
    what: &str,
) -> Result<()> {
    let kind = snapshot.path_kind(path, field)?;
    if kind != want {
        return Err(Error::unsatisfiable(
            field,
            format!(
                "{what} {path} must be a {} on the host, but it is {}",
                kind_name(want),
                kind_name(kind)
            ),
        ));
    }
    Ok(())
}

fn kind_name(kind: PathKind) -> &'static str {
    match kind {
        PathKind::File => "regular file",
        PathKind::Directory => "directory",
        PathKind::Socket => "socket",
        PathKind::Symlink => "symbolic link",
        PathKind::Other => "special file",
        PathKind::Missing => "missing",
    }
}

/// MPS or time-slice settings into `plan.sharing_env` and `plan.mounts`.
pub(crate) fn plan_sharing(
    service: &Service,
    snapshot: &Host<'_>,
    gpu: &GpuSpec,
    plan: &mut GpuPlan,
) -> Result<()> {
    match gpu.sharing {
        Some(GpuSharingMode::Mps) => {
            for (key, field, path, source) in mps_dirs(service, gpu) {
                // The MPS control daemon creates both directories; the container talks to it
                // through the pipe directory, so a missing one means no daemon.
                require_kind(
                    snapshot,
                    &path,
                    &field,
                    PathKind::Directory,
                    "the MPS directory",
                )?;
                set(&mut plan.sharing_env, key, &path, source.clone());
                let mount =
                    to_oci_mount(&path, &path, Some("bind"), &["rbind".into(), "rw".into()])?;
                plan.mounts
                    .retain(|(m, _)| m.destination() != mount.destination());
                plan.mounts.push((mount, source));
            }
        }
        Some(GpuSharingMode::TimeSlice) => {
            if let Some(index) = gpu.time_slice_index {
                let source = Source::input(service.field("resources.gpu.time_slice_index"));
                set(
                    &mut plan.sharing_env,
                    "CUDA_VISIBLE_DEVICES",
                    &index.to_string(),
                    source,
                );
            }
            if let Some(path) = &gpu.time_slicing_config_path {
                let field = service.field("resources.gpu.time_slicing_config_path");
                require_kind(
                    snapshot,
                    path,
                    &field,
                    PathKind::File,
                    "the time-slicing config",
                )?;
                let mount = to_oci_mount(
                    path,
                    TIME_SLICE_CONFIG_TARGET,
                    Some("bind"),
                    &["rbind".into(), "ro".into()],
                )?;
                plan.mounts
                    .retain(|(m, _)| m.destination() != mount.destination());
                plan.mounts.push((mount, Source::input(field)));
            }
        }
        Some(GpuSharingMode::Exclusive) | None => {}
    }
    Ok(())
}

/// Distributed-training env: a single-process world whose master is the service name.
pub(crate) fn plan_distributed(
    service: &Service,
    options: &RenderOptions,
    gpu: &GpuSpec,
    plan: &mut GpuPlan,
) -> Result<()> {
    let Some(dist) = &gpu.distributed else {
        return Ok(());
    };
    let field = service.field("resources.gpu.distributed");
    let ifname = match dist.backend.as_str() {
        "nccl" => Some("NCCL_SOCKET_IFNAME"),
        "gloo" => Some("GLOO_SOCKET_IFNAME"),
        "mpi" => None,
        other => {
            return Err(Error::invalid(
                format!("{field}.backend"),
                "one of nccl, gloo, mpi",
                format!("`{other}`"),
            ))
        }
    };
    let input = Source::input(field.clone());
    let env = &mut plan.distributed_env;
    set(
        env,
        "MASTER_PORT",
        &dist.master_port.to_string(),
        Source::input(format!("{field}.master_port")),
    );
    set(
        env,
        "MASTER_ADDR",
        &options.container_id.service,
        Source::option("container_id"),
    );
    set(env, "WORLD_SIZE", "1", input.clone());
    set(env, "RANK", "0", input.clone());
    set(env, "LOCAL_RANK", "0", input.clone());
    if let Some(key) = ifname {
        set(env, key, "eth0", Source::input(format!("{field}.backend")));
    }
    Ok(())
}

/// Set `key` in an env list, replacing an earlier entry (no duplicate keys; seed bug 6).
fn set(env: &mut Vec<(String, String, Source)>, key: &str, value: &str, source: Source) {
    env.retain(|(k, _, _)| k != key);
    env.push((key.to_string(), value.to_string(), source));
}
