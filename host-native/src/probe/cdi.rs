//! CDI spec files, raw. Parsing and merging them is the core's job.

use std::io::ErrorKind;

use ocigen_core::snapshot::CdiFile;

use super::{join, Probe};

/// The CDI directories, lowest priority first: `/etc/cdi`, `/var/run/cdi`, then each
/// entry of `$CDI_SPEC_DIRS` (colon separated) in order.
pub(crate) fn cdi_dirs(p: &Probe<'_>) -> Vec<String> {
    let mut dirs = vec!["/etc/cdi".to_string(), "/var/run/cdi".to_string()];
    if let Some(extra) = p.host.env.get("CDI_SPEC_DIRS") {
        dirs.extend(
            extra
                .split(':')
                .filter(|d| !d.is_empty())
                .map(str::to_string),
        );
    }
    dirs.dedup();
    dirs
}

pub(crate) fn probe_cdi(p: &mut Probe<'_>) {
    let dirs = cdi_dirs(p);
    for dir in &dirs {
        let names = match p.host.list(dir) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => {
                p.unreadable(&format!("cdi.{dir}"), format!("cannot list {dir}: {e}"));
                continue;
            }
        };
        for name in names {
            if !(name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml")) {
                continue;
            }
            let path = join(dir, &name);
            if let Some(text) = p.read_fact(&format!("cdi.{path}"), &path) {
                p.snap.cdi.files.push(CdiFile {
                    path,
                    dir: dir.clone(),
                    text,
                });
            }
        }
    }
    p.snap.cdi.dirs = dirs;
}
