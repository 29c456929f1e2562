//! NVIDIA GPUs from the driver's /proc files and DRM nodes from /dev/dri.

use std::collections::BTreeMap;
use std::io::ErrorKind;

use ocigen_core::snapshot::{DrmCard, NvidiaGpu};

use super::{join, Probe};

const NVIDIA_GPUS: &str = "/proc/driver/nvidia/gpus";

/// `Key: value` lines of an `information` file.
fn fields(text: &str) -> BTreeMap<&str, &str> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// One GPU per `/proc/driver/nvidia/gpus/<pci>/information`, indexed in PCI bus order
/// (what CUDA and nvidia-smi use by default). No driver directory means no NVIDIA GPUs.
pub(crate) fn probe_nvidia(p: &mut Probe<'_>) {
    let dirs = match p.host.list(NVIDIA_GPUS) {
        Ok(d) => d,
        Err(e) if e.kind() == ErrorKind::NotFound => return,
        Err(e) => return p.unreadable("nvidia_gpus", format!("cannot list {NVIDIA_GPUS}: {e}")),
    };
    let mut gpus = Vec::new();
    for dir in dirs {
        let file = join(&join(NVIDIA_GPUS, &dir), "information");
        let fact = format!("nvidia_gpus.{dir}");
        let Some(text) = p.read_fact(&fact, &file) else {
            continue;
        };
        let f = fields(&text);
        let minor = f.get("Device Minor").and_then(|m| m.parse::<u32>().ok());
        let uuid = f.get("GPU UUID").filter(|u| !u.is_empty());
        let (Some(device_minor), Some(uuid)) = (minor, uuid) else {
            p.unreadable(
                &fact,
                format!("{file} lacks a numeric `Device Minor` or a `GPU UUID`"),
            );
            continue;
        };
        let bus = f
            .get("Bus Location")
            .map(|b| b.to_string())
            .unwrap_or_else(|| dir.clone());
        gpus.push(NvidiaGpu {
            index: 0,
            device_minor,
            uuid: uuid.to_string(),
            pci_bus_id: bus,
            model: f
                .get("Model")
                .map(|m| m.to_string())
                .filter(|m| !m.is_empty()),
        });
    }
    gpus.sort_by_key(|g| g.pci_bus_id.to_ascii_lowercase());
    for (i, g) in gpus.iter_mut().enumerate() {
        g.index = i as u32;
    }
    p.snap.nvidia_gpus = gpus;
}

fn numbered(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?.parse().ok()
}

/// `/dev/dri/cardN` and `renderDM`, paired through sysfs (`/sys/class/drm/cardN/device/drm`)
/// when it is there, else by the kernel's numbering (render minor = 128 + card index).
pub(crate) fn probe_drm(p: &mut Probe<'_>) {
    let names = match p.host.list("/dev/dri") {
        Ok(n) => n,
        Err(e) if e.kind() == ErrorKind::NotFound => return,
        Err(e) => return p.unreadable("drm_cards", format!("cannot list /dev/dri: {e}")),
    };
    let renders: Vec<u32> = names
        .iter()
        .filter_map(|n| numbered(n, "renderD"))
        .collect();
    let mut cards: BTreeMap<u32, DrmCard> = BTreeMap::new();
    for idx in names.iter().filter_map(|n| numbered(n, "card")) {
        let sys = format!("/sys/class/drm/card{idx}/device");
        let render = p
            .host
            .list(&format!("{sys}/drm"))
            .ok()
            .and_then(|l| l.iter().find_map(|n| numbered(n, "renderD")))
            .or_else(|| renders.iter().copied().find(|r| *r == 128 + idx));
        let vendor = p
            .host
            .read(&format!("{sys}/vendor"))
            .ok()
            .map(|v| v.trim().to_string());
        cards.insert(
            idx,
            DrmCard {
                index: idx,
                card: Some(format!("/dev/dri/card{idx}")),
                render: render
                    .filter(|r| renders.contains(r))
                    .map(|r| format!("/dev/dri/renderD{r}")),
                vendor: vendor.filter(|v| !v.is_empty()),
            },
        );
    }
    // Render nodes without a card (compute-only devices).
    for r in renders {
        let path = format!("/dev/dri/renderD{r}");
        if cards
            .values()
            .any(|c| c.render.as_deref() == Some(path.as_str()))
        {
            continue;
        }
        let idx = r.saturating_sub(128);
        cards.entry(idx).or_insert(DrmCard {
            index: idx,
            card: None,
            render: Some(path),
            vendor: None,
        });
    }
    p.snap.drm_cards = cards.into_values().collect();
}
