//! The CDI registry built from the snapshot's files, and device lookup with the CDI
//! library's precedence: a later directory in `snapshot.cdi.dirs` (higher priority) wins;
//! the same `kind=device` declared by two files of the same directory is an error naming
//! both files.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::parse::parse_spec;
use super::spec::{declared_kind, CdiDevice, CdiSpec};
use crate::error::{Error, Result};
use crate::inputs::Host;
use crate::snapshot::CdiFacts;

/// A spec file that parsed and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSpec {
    pub file: String,
    /// Index of the file's directory in `snapshot.cdi.dirs` (higher wins).
    pub priority: usize,
    pub spec: CdiSpec,
}

/// A spec file that did not parse or validate.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenSpec {
    pub file: String,
    /// The `kind` it declares, if that much could be read.
    pub kind: Option<String>,
    pub error: Error,
}

/// All CDI spec files of a snapshot, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    pub specs: Vec<LoadedSpec>,
    pub broken: Vec<BrokenSpec>,
    /// Directories searched, lowest priority first (for messages).
    pub dirs: Vec<String>,
    /// [`Registry::shadowed`] of every kind, worked out once with the registry (which is
    /// kept between renders) rather than on each render.
    shadowed_of: BTreeMap<String, Vec<Shadowed>>,
}

/// One device chosen for injection, with the spec that declares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Selected<'r> {
    pub file: &'r str,
    pub spec: &'r CdiSpec,
    pub device: &'r CdiDevice,
}

/// Whether the CDI library would read this file (it only reads these extensions).
fn is_spec_file(path: &str) -> bool {
    [".json", ".yaml", ".yml"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

impl Registry {
    /// Parse every spec file in `facts`. Broken files are kept aside, not fatal: whether they
    /// matter depends on the kind a render asks for.
    pub fn from_facts(facts: &CdiFacts) -> Registry {
        let mut reg = Registry {
            dirs: facts.dirs.clone(),
            ..Registry::default()
        };
        for f in facts.files.iter().filter(|f| is_spec_file(&f.path)) {
            // Only files of a listed directory, as the CDI library reads them (the snapshot
            // check refuses any other; facts built in code must not smuggle one in either).
            let Some(priority) = facts.dirs.iter().position(|d| *d == f.dir) else {
                continue;
            };
            match parse_spec(&f.path, &f.text) {
                Ok(spec) => reg.specs.push(LoadedSpec {
                    file: f.path.clone(),
                    priority,
                    spec,
                }),
                Err(error) => reg.broken.push(BrokenSpec {
                    file: f.path.clone(),
                    kind: declared_kind(&f.path, &f.text),
                    error,
                }),
            }
        }
        let kinds: std::collections::BTreeSet<&str> =
            reg.specs.iter().map(|s| s.spec.kind.as_str()).collect();
        let shadowed_of = kinds
            .into_iter()
            .map(|kind| (kind.to_string(), reg.find_shadowed(kind)))
            .filter(|(_, found)| !found.is_empty())
            .collect();
        reg.shadowed_of = shadowed_of;
        reg
    }

    /// Build from the host's CDI facts, or reuse the registry of the previous call on this
    /// thread when its facts are equal: an agent or the page renders many times against one
    /// snapshot, and parsing its CDI specs was most of an 8-GPU render (issue 11). The result
    /// is the same either way, so renders stay pure functions of their inputs.
    pub fn from_host(host: &Host<'_>) -> Rc<Registry> {
        Registry::shared(host.cdi())
    }

    /// [`Registry::from_facts`] through a small per-thread cache of the last few snapshots'
    /// CDI facts (a host without CDI files builds its empty registry directly).
    pub fn shared(facts: &CdiFacts) -> Rc<Registry> {
        /// Enough for the hosts one agent or page alternates between.
        const KEPT: usize = 4;
        thread_local! {
            static RECENT: RefCell<Vec<(CdiFacts, Rc<Registry>)>> = const { RefCell::new(Vec::new()) };
        }
        if facts.files.is_empty() {
            return Rc::new(Registry::from_facts(facts));
        }
        RECENT.with(|recent| {
            let mut recent = recent.borrow_mut();
            if let Some(i) = recent.iter().position(|(f, _)| f == facts) {
                let hit = recent.remove(i);
                let reg = hit.1.clone();
                recent.push(hit);
                return reg;
            }
            let reg = Rc::new(Registry::from_facts(facts));
            if recent.len() == KEPT {
                recent.remove(0);
            }
            recent.push((facts.clone(), reg.clone()));
            reg
        })
    }

    /// Whether any valid file declares `kind`.
    pub fn has_kind(&self, kind: &str) -> bool {
        self.specs.iter().any(|s| s.spec.kind == kind)
    }

    /// Device names declared for `kind`, sorted and without duplicates.
    pub fn device_names(&self, kind: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .specs
            .iter()
            .filter(|s| s.spec.kind == kind)
            .flat_map(|s| s.spec.devices.iter().map(|d| d.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The device `kind=name` with precedence applied; `Ok(None)` if nobody declares it.
    pub fn device(&self, kind: &str, name: &str) -> Result<Option<Selected<'_>>> {
        let mut best: Option<(&LoadedSpec, &CdiDevice)> = None;
        for s in self.specs.iter().filter(|s| s.spec.kind == kind) {
            let Some(dev) = s.spec.devices.iter().find(|d| d.name == name) else {
                continue;
            };
            match best {
                Some((b, _)) if b.priority > s.priority => {}
                Some((b, _)) if b.priority == s.priority => {
                    let index = s.spec.devices.iter().position(|d| d.name == name);
                    return Err(Error::cdi(
                        &s.file,
                        index.map_or(String::new(), |i| format!("devices[{i}].name")),
                        format!(
                            "device `{kind}={name}` is also declared by {} in the same directory; remove one of the two files",
                            b.file
                        ),
                    ));
                }
                _ => best = Some((s, dev)),
            }
        }
        Ok(best.map(|(s, device)| Selected {
            file: &s.file,
            spec: &s.spec,
            device,
        }))
    }

    /// Broken files that may concern `kind`: those declaring it, and those whose kind could
    /// not be read at all.
    pub fn broken_for<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a BrokenSpec> + 'a {
        self.broken
            .iter()
            .filter(move |b| b.kind.as_deref().is_none_or(|k| k == kind))
    }
}

/// A spec file some of whose devices of one kind are hidden by files of a higher-priority
/// directory (e.g. a stale `/etc/cdi/nvidia.yaml` under a regenerated `/var/run/cdi/nvidia.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadowed {
    pub file: String,
    /// The files whose devices win, in registry order, each once.
    pub by: Vec<String>,
    /// The hidden device names, in the shadowed file's order.
    pub devices: Vec<String>,
}

impl Registry {
    /// Every file of `kind` with a device that a file of a higher-priority directory also
    /// declares, one entry per shadowed file, in registry order.
    pub fn shadowed(&self, kind: &str) -> &[Shadowed] {
        self.shadowed_of.get(kind).map_or(&[], Vec::as_slice)
    }

    fn find_shadowed(&self, kind: &str) -> Vec<Shadowed> {
        let of_kind: Vec<&LoadedSpec> = self.specs.iter().filter(|s| s.spec.kind == kind).collect();
        // Who declares each device name, in registry order: one pass over every device, so
        // files with many devices cost n log n, not a scan of every file per device.
        let mut by_name: BTreeMap<&str, Vec<&LoadedSpec>> = BTreeMap::new();
        for s in &of_kind {
            for d in &s.spec.devices {
                by_name.entry(d.name.as_str()).or_default().push(s);
            }
        }
        let mut out = Vec::new();
        for low in &of_kind {
            let mut entry = Shadowed {
                file: low.file.clone(),
                by: Vec::new(),
                devices: Vec::new(),
            };
            for dev in &low.spec.devices {
                let declared = by_name
                    .get(dev.name.as_str())
                    .map_or(&[][..], Vec::as_slice);
                let mut hidden = false;
                for high in declared.iter().filter(|h| h.priority > low.priority) {
                    hidden = true;
                    if !entry.by.contains(&high.file) {
                        entry.by.push(high.file.clone());
                    }
                }
                if hidden {
                    entry.devices.push(dev.name.clone());
                }
            }
            if !entry.devices.is_empty() {
                out.push(entry);
            }
        }
        out
    }
}

/// Why CDI could not serve a request (lazy mode falls back; strict mode fails).
pub type Unusable = String;

/// Choose the devices for the host GPU `indices` of `kind`:
/// - a device named by the index (`"0"`), else
/// - a device named by the UUID of the snapshot's NVIDIA GPU with that index, else
/// - the spec's `all` device, used alone, when the indices are every GPU the snapshot knows.
///
/// Each chosen device appears once (two indices resolving to one device inject it once).
pub fn select_for_indices<'r>(
    reg: &'r Registry,
    kind: &str,
    indices: &[u32],
    snapshot: &Host<'_>,
    known_gpus: usize,
) -> Result<std::result::Result<Vec<Selected<'r>>, Unusable>> {
    let mut chosen: Vec<Selected<'r>> = Vec::new();
    let mut missing = Vec::new();
    for &i in indices {
        let by_index = reg.device(kind, &i.to_string())?;
        let by_uuid = match (
            by_index,
            snapshot.nvidia_gpus().iter().find(|g| g.index == i),
        ) {
            (None, Some(gpu)) => reg.device(kind, &gpu.uuid)?,
            _ => None,
        };
        match by_index.or(by_uuid) {
            Some(sel) if !chosen.iter().any(|c| same(c, &sel)) => chosen.push(sel),
            Some(_) => {}
            None => missing.push(i.to_string()),
        }
    }
    if missing.is_empty() {
        return Ok(Ok(chosen));
    }
    let every_gpu = (0..known_gpus as u32).all(|i| indices.contains(&i));
    if known_gpus > 0 && indices.len() == known_gpus && every_gpu {
        if let Some(all) = reg.device(kind, "all")? {
            return Ok(Ok(vec![all]));
        }
    }
    Ok(Err(format!(
        "no CDI device for GPU index {} of kind {kind} (declared: {})",
        missing.join(", "),
        reg.device_names(kind).join(", ")
    )))
}

fn same(a: &Selected<'_>, b: &Selected<'_>) -> bool {
    a.file == b.file && a.device.name == b.device.name
}
