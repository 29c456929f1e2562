//! Who the agent is: euid/egid/user name, kernel, bounding capabilities, subordinate ids.

use ocigen_core::snapshot::{IdMapTools, KernelFacts, SubIdRange, UserFacts};

use super::{HostIdentity, Probe};
use crate::capnames;

/// The live identity, through nix (never parsed by hand).
pub(crate) fn live_identity() -> (UserFacts, Result<KernelFacts, String>) {
    let euid = nix::unistd::geteuid();
    let egid = nix::unistd::getegid();
    let name = nix::unistd::User::from_uid(euid)
        .ok()
        .flatten()
        .map(|u| u.name);
    let user = UserFacts {
        euid: euid.as_raw(),
        egid: egid.as_raw(),
        name,
        id_map_tools: None,
    };
    let kernel = nix::sys::utsname::uname()
        .map_err(|e| format!("uname failed: {e}"))
        .map(|u| KernelFacts {
            release: u.release().to_string_lossy().into_owned(),
            arch: u.machine().to_string_lossy().into_owned(),
        });
    (user, kernel)
}

pub(crate) fn probe_identity(p: &mut Probe<'_>) {
    match &p.host.identity {
        Some(HostIdentity { user, kernel }) => {
            p.snap.user = user.clone();
            p.snap.kernel = kernel.clone();
        }
        None => {
            let (user, kernel) = live_identity();
            p.snap.user = user;
            match kernel {
                Ok(k) => p.snap.kernel = k,
                Err(e) => p.unreadable("kernel", e),
            }
        }
    }
}

/// `CapBnd:` of /proc/self/status -> capability names.
pub(crate) fn probe_capabilities(p: &mut Probe<'_>) {
    const FACT: &str = "bounding_capabilities";
    let Some(status) = p.read_fact(FACT, "/proc/self/status") else {
        return;
    };
    let mask = status.lines().find_map(|l| l.strip_prefix("CapBnd:"));
    match mask.map(capnames::names_from_mask) {
        Some(Ok(mut names)) => {
            // A set: sorted by name, as snapshots store it.
            names.sort();
            p.snap.bounding_capabilities = names;
        }
        Some(Err(e)) => p.unreadable(FACT, format!("/proc/self/status CapBnd: {e}")),
        None => p.unreadable(FACT, "/proc/self/status has no CapBnd: line"),
    }
}

/// /etc/subuid and /etc/subgid entries owned by the user (by name or numeric uid). A missing
/// file means no ranges (the normal state of a host without rootless users), not a failure.
pub(crate) fn probe_subids(p: &mut Probe<'_>) {
    let uid = p.snap.user.euid.to_string();
    let name = p.snap.user.name.clone();
    for (fact, file) in [("subuid", "/etc/subuid"), ("subgid", "/etc/subgid")] {
        let text = match p.host.read(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                p.unreadable(fact, format!("cannot read {file}: {e}"));
                continue;
            }
        };
        let mine = parse_subids(&text)
            .into_iter()
            .filter(|r| r.owner == uid || name.as_deref() == Some(r.owner.as_str()))
            .collect();
        if fact == "subuid" {
            p.snap.subuid = mine;
        } else {
            p.snap.subgid = mine;
        }
    }
}

/// Rootless only: whether newuidmap/newgidmap exist where shadow-utils installs them (runc
/// calls them by name from PATH; these are the directories every distribution uses). Root
/// writes its maps itself, so the fact stays absent there and root snapshots do not change.
pub(crate) fn probe_id_map_tools(p: &mut Probe<'_>) {
    if p.snap.user.euid == 0 {
        return;
    }
    let found = |tool: &str| {
        ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
            .iter()
            .any(|dir| p.host.path(&format!("{dir}/{tool}")).is_file())
    };
    p.snap.user.id_map_tools = Some(IdMapTools {
        newuidmap: found("newuidmap"),
        newgidmap: found("newgidmap"),
    });
}

/// Parse `owner:start:count` lines; comments, blanks and malformed lines are skipped
/// (shadow-utils ignores them too).
pub fn parse_subids(text: &str) -> Vec<SubIdRange> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut it = l.split(':');
            let owner = it.next()?.trim();
            let start = it.next()?.trim().parse().ok()?;
            let count = it.next()?.trim().parse().ok()?;
            if owner.is_empty() || it.next().is_some() {
                return None;
            }
            Some(SubIdRange {
                owner: owner.to_string(),
                start,
                count,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subid_lines() {
        let r = parse_subids("# c\nubuntu:100000:65536\nbad\n1000:200000:10\nx:1:2:3\n\n");
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].owner.as_str(), r[0].start, r[0].count),
            ("ubuntu", 100000, 65536)
        );
        assert_eq!(r[1].owner, "1000");
    }
}
