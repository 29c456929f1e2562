//! The host's security modules and the agent's own resource limits (snapshot version 2).

use ocigen_core::snapshot::{LsmFacts, ProcessRlimits, RlimitFact};

use super::Probe;

/// Which LSMs run: `/sys/kernel/security/lsm` lists the active ones when securityfs is
/// mounted; without it, AppArmor's module parameter and a mounted selinuxfs say the same
/// (they are what runc and the engines check). A host with neither file has neither module.
pub(crate) fn probe_lsm(p: &mut Probe<'_>) {
    let lsm = match p.host.read("/sys/kernel/security/lsm") {
        Ok(list) => {
            let active: Vec<&str> = list.trim().split(',').map(str::trim).collect();
            LsmFacts {
                apparmor: active.contains(&"apparmor"),
                selinux: active.contains(&"selinux"),
            }
        }
        Err(_) => LsmFacts {
            apparmor: p
                .host
                .read("/sys/module/apparmor/parameters/enabled")
                .is_ok_and(|v| v.trim_start().starts_with('Y')),
            selinux: p.host.path("/sys/fs/selinux/enforce").exists(),
        },
    };
    p.snap.lsm = Some(lsm);
}

/// `Max open files` and `Max processes` of `/proc/self/limits`: the probe runs as the agent,
/// so these are the agent's limits.
pub(crate) fn probe_process_rlimits(p: &mut Probe<'_>) {
    const FACT: &str = "process_rlimits";
    let Some(text) = p.read_fact(FACT, "/proc/self/limits") else {
        return;
    };
    match (
        limit_line(&text, "Max open files"),
        limit_line(&text, "Max processes"),
    ) {
        (Some(nofile), Some(nproc)) => {
            p.snap.process_rlimits = Some(ProcessRlimits { nofile, nproc })
        }
        _ => p.unreadable(
            FACT,
            "/proc/self/limits lacks a readable `Max open files` or `Max processes` line",
        ),
    }
}

/// The soft and hard columns of the line starting with `name` (`unlimited` is `None`).
pub fn limit_line(text: &str, name: &str) -> Option<RlimitFact> {
    let rest = text.lines().find_map(|l| l.strip_prefix(name))?;
    let mut cols = rest.split_whitespace();
    let value = |v: &str| match v {
        "unlimited" => Some(None),
        n => n.parse::<u64>().ok().map(Some),
    };
    Some(RlimitFact {
        soft: value(cols.next()?)?,
        hard: value(cols.next()?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_lines() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \nMax processes             96364                unlimited            processes \nMax open files            1024                 524288               files     \n";
        assert_eq!(
            limit_line(text, "Max open files"),
            Some(RlimitFact {
                soft: Some(1024),
                hard: Some(524288)
            })
        );
        assert_eq!(
            limit_line(text, "Max processes"),
            Some(RlimitFact {
                soft: Some(96364),
                hard: None
            })
        );
        assert_eq!(limit_line(text, "Max locked memory"), None);
        assert_eq!(
            limit_line("Max open files  lots  1\n", "Max open files"),
            None
        );
    }
}
