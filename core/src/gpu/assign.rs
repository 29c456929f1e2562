//! Which of the host's GPUs a container gets, and the visibility env that says so.
//!
//! The agent decides (two replicas of a 1-GPU service on an 8-GPU host must get different
//! GPUs) and passes its choice as the render option `gpus`: host GPU indices (`"2"`) or, for
//! NVIDIA, UUIDs. Their number must be `resources.gpu.count`. Without the option the first
//! `count` GPUs are used, as before. For AMD and Intel an index is a position among that
//! vendor's DRM cards.
//!
//! The env rule is the same on the built-in and the CDI path: `NVIDIA_VISIBLE_DEVICES` names
//! the host GPUs (the NVIDIA toolkit reads it on the host side), and the in-container keys
//! (`CUDA_VISIBLE_DEVICES`, `ROCR_VISIBLE_DEVICES`, `HIP_VISIBLE_DEVICES`,
//! `ZE_AFFINITY_MASK`) number the container's GPUs from 0, since a container sees only the
//! nodes it was given. On the CDI path the spec's own env edits win over these keys.

use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::trace::Source;

/// The GPUs chosen for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// Host GPU indices (NVIDIA: the snapshot's `nvidia_gpus[].index`; others: position
    /// among the vendor's DRM cards), in the order the agent gave them.
    pub indices: Vec<u32>,
    /// Whether they came from the render option (else: the first `count`).
    pub from_option: bool,
}

/// Resolve the render option `gpus` (or the default) for `count` GPUs of `vendor`.
/// `field` is `services.<name>.resources.gpu`.
pub(crate) fn assign(
    cx: &Context<'_>,
    vendor: &str,
    count: u32,
    field: &str,
) -> Result<Assignment> {
    let Some(given) = &cx.options.gpus else {
        return Ok(Assignment {
            indices: (0..count).collect(),
            from_option: false,
        });
    };
    if given.len() != count as usize {
        return Err(Error::invalid(
            "options.gpus",
            format!("{count} GPU(s), as many as {field}.count"),
            format!("{} ({})", given.len(), given.join(",")),
        ));
    }
    let mut indices: Vec<u32> = Vec::new();
    for (i, text) in given.iter().enumerate() {
        let at = format!("options.gpus[{i}]");
        let index = resolve_one(cx, vendor, text.trim(), &at)?;
        if let Some(j) = indices.iter().position(|x| *x == index) {
            return Err(Error::invalid(
                at,
                format!("each GPU once: options.gpus[{j}] is GPU {index} too"),
                format!("`{text}`"),
            ));
        }
        indices.push(index);
    }
    Ok(Assignment {
        indices,
        from_option: true,
    })
}

/// One entry: a host index, or an NVIDIA UUID looked up in the snapshot.
fn resolve_one(cx: &Context<'_>, vendor: &str, text: &str, at: &str) -> Result<u32> {
    if vendor != "nvidia" {
        return text.parse::<u32>().map_err(|_| {
            Error::invalid(
                at,
                format!("a {vendor} GPU index (its position among the host's {vendor} DRM cards)"),
                format!("`{text}`"),
            )
        });
    }
    let gpus = cx.host.nvidia_gpus();
    if cx.host.unreadable("nvidia_gpus") {
        return Err(cx.host.missing("nvidia_gpus", at));
    }
    let found = match text.parse::<u32>() {
        Ok(index) => gpus.iter().find(|g| g.index == index),
        Err(_) => gpus.iter().find(|g| g.uuid.eq_ignore_ascii_case(text)),
    };
    found.map(|g| g.index).ok_or_else(|| {
        let known = gpus
            .iter()
            .map(|g| format!("{} ({})", g.index, g.uuid))
            .collect::<Vec<_>>()
            .join(", ");
        Error::unsatisfiable(
            at,
            format!(
                "no NVIDIA GPU `{text}` on this host (host fact nvidia_gpus: {})",
                if known.is_empty() { "none" } else { &known }
            ),
        )
    })
}

/// The visibility env for `vendor` and the assigned GPUs, each key with its source.
pub(crate) fn visibility_env(
    vendor: &str,
    a: &Assignment,
    field: &str,
) -> Vec<(String, String, Source)> {
    let count_source = Source::input(format!("{field}.count"));
    let host_source = if a.from_option {
        Source::option("gpus")
    } else {
        count_source.clone()
    };
    let host: Vec<String> = a.indices.iter().map(u32::to_string).collect();
    let inside: Vec<String> = (0..a.indices.len()).map(|i| i.to_string()).collect();
    let keys: &[(&str, bool)] = match vendor {
        "nvidia" => &[
            ("NVIDIA_VISIBLE_DEVICES", true),
            ("CUDA_VISIBLE_DEVICES", false),
        ],
        "amd" => &[
            ("ROCR_VISIBLE_DEVICES", false),
            ("HIP_VISIBLE_DEVICES", false),
        ],
        "intel" => &[("ZE_AFFINITY_MASK", false)],
        _ => &[],
    };
    keys.iter()
        .map(|(key, host_side)| {
            let (value, source) = if *host_side {
                (host.join(","), host_source.clone())
            } else {
                (inside.join(","), count_source.clone())
            };
            (key.to_string(), value, source)
        })
        .collect()
}
