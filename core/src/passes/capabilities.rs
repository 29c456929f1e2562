//! Pass `capabilities`: the process capability set (bounding = effective = permitted). Fixes seed bug 10: lowercase names work, `capabilities`/`cap_add` add
//! to the defaults instead of replacing them, `cap_drop` is applied, and privileged asks only
//! for what the host can grant.
//!
//! Rules (README):
//! - Names are case-insensitive, with or without `CAP_`; `ALL` means the host's bounding set
//!   (in `capabilities`) or everything (in `cap_drop`). An unknown name is an error.
//! - Base set: the preset's defaults (Docker's and containerd's 14, Podman's 11), or, when privileged, the host's bounding set
//!   (`snapshot.bounding_capabilities`; names oci-spec does not know are skipped, since no
//!   runtime spec can express them). A default the bounding set lacks is left out with warning
//!   W010, because runc refuses a spec asking for it.
//! - Order as Docker: `cap_drop: [ALL]` empties the base set, then `capabilities` are added,
//!   then the other `cap_drop` names are removed.
//! - A requested capability the bounding set lacks is an error naming it, privileged or not.
//!   Under privileged the requested ones add nothing; info I001 says so.
//! - Trace: each capability cites its default, the bounding-set fact, or the `capabilities`
//!   entry; the `cap_drop` entries that removed a capability are cited on
//!   `process.capabilities` (a removed capability has no place of its own in the output).

use std::borrow::Cow;
use std::collections::BTreeMap;

use oci_spec::runtime::Capability;

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::trace::{codes, Source};

/// Some default capabilities are not in the host's bounding set and were left out.
/// (To move to `trace::codes`.)
pub use crate::trace::codes::DEFAULT_CAPS_UNAVAILABLE;

const BOUNDING_FACT: &str = "bounding_capabilities";

/// A parsed capability request: the whole set, or one canonical `CAP_X` name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CapName {
    All,
    One(String),
}

/// Canonical `CAP_X` name of `name`, validated against oci-spec's list.
pub fn canonical_name(name: &str) -> Option<String> {
    canonical(name).map(Cow::into_owned)
}

/// [`canonical_name`], borrowing `name` when it is already canonical: snapshots and most
/// service files write the canonical form, and a render looks at the host's whole bounding
/// set (41 names).
fn canonical(name: &str) -> Option<Cow<'_, str>> {
    // (oci-spec ignores case when parsing, so the spelling is checked here.)
    let exact = name
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if exact && name.starts_with("CAP_") && parse_capability(name).is_some() {
        return Some(Cow::Borrowed(name));
    }
    let upper = name.trim().to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    parse_capability(&full)?;
    Some(Cow::Owned(full))
}

/// oci-spec's capability for an exact `CAP_X` name (its serde name), or `None`.
pub fn parse_capability(name: &str) -> Option<Capability> {
    // oci-spec's `FromStr` takes the name without `CAP_`; its serde form (with the prefix) is
    // the authority, consulted when the short form is not found. The test
    // `short_and_serde_names_agree` checks the two agree on every capability.
    name.strip_prefix("CAP_")
        .and_then(|bare| bare.parse::<Capability>().ok())
        .or_else(|| {
            serde_json::from_value::<Capability>(serde_json::Value::String(name.to_string())).ok()
        })
}

fn parse_name(name: &str, field: &str) -> Result<CapName> {
    if name.trim().eq_ignore_ascii_case("ALL") {
        return Ok(CapName::All);
    }
    canonical_name(name).map(CapName::One).ok_or_else(|| {
        Error::invalid(
            field,
            "a capability name such as NET_ADMIN or CAP_NET_ADMIN, or ALL",
            format!("`{name}`"),
        )
    })
}

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let spec = &cx.service.spec;
    let bounding: Vec<Cow<'_, str>> = cx
        .host
        .bounding_capabilities()
        .iter()
        .filter_map(|c| canonical(c))
        .collect();
    let adds = parse_list(&spec.capabilities, &cx.service.field("capabilities"))?;
    let drops = parse_list(&spec.cap_drop, &cx.service.field("cap_drop"))?;

    // Every requested capability must be grantable, even when privileged grants the set anyway.
    for (name, field) in &adds {
        if let CapName::One(c) = name {
            if !bounding.iter().any(|b| b == c) {
                return Err(Error::unsatisfiable(
                    field,
                    format!("{c} is not in the host's bounding capability set, so no container here can have it"),
                ));
            }
        }
    }

    let mut set: BTreeMap<String, Source> = BTreeMap::new();
    if spec.privileged {
        for c in &bounding {
            set.insert(c.to_string(), Source::fact(BOUNDING_FACT));
        }
        if !adds.is_empty() {
            d.info(
                codes::PRIVILEGED_CAPS,
                "privileged already grants every capability in the host's bounding set; `capabilities` adds nothing",
                Some(cx.service.field("capabilities")),
            );
        }
    } else {
        base_defaults(cx, d, &bounding, &mut set);
        for (name, field) in &adds {
            match name {
                CapName::All => bounding.iter().for_each(|c| {
                    set.insert(c.to_string(), Source::input(field.clone()));
                }),
                CapName::One(c) => {
                    set.insert(c.clone(), Source::input(field.clone()));
                }
            }
        }
    }
    // Capabilities cap_drop removed, with the cap_drop entry that removed them.
    let mut dropped: BTreeMap<String, String> = BTreeMap::new();
    if let Some((_, all_field)) = drops.iter().find(|(n, _)| *n == CapName::All) {
        // Docker: dropping ALL clears the base set; explicitly requested ones come back.
        for c in std::mem::take(&mut set).into_keys() {
            dropped.insert(c, all_field.clone());
        }
        if !spec.privileged {
            for (name, field) in &adds {
                if let CapName::One(c) = name {
                    dropped.remove(c);
                    set.insert(c.clone(), Source::input(field.clone()));
                }
            }
        }
    }
    for (name, field) in &drops {
        if let CapName::One(c) = name {
            if set.remove(c).is_some() {
                dropped.insert(c.clone(), field.clone());
            }
        }
    }

    // A removed capability has no entry in the output; the entries that removed some are
    // cited on the set as a whole, each once, in field order.
    let mut fields: Vec<String> = dropped.into_values().collect();
    fields.sort();
    fields.dedup();
    let removed_by = fields.into_iter().map(Source::input).collect();
    d.set_capabilities(set.into_iter().collect(), removed_by);
    Ok(())
}

fn parse_list(names: &[String], field: &str) -> Result<Vec<(CapName, String)>> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let f = format!("{field}[{i}]");
            parse_name(n, &f).map(|c| (c, f))
        })
        .collect()
}

/// The preset's defaults the host can grant; one warning lists those it cannot.
fn base_defaults(
    cx: &Context<'_>,
    d: &mut Draft,
    bounding: &[Cow<'_, str>],
    set: &mut BTreeMap<String, Source>,
) {
    let preset = cx.options.preset;
    let (grantable, missing): (Vec<&str>, Vec<&str>) = preset
        .default_capabilities()
        .iter()
        .partition(|c| bounding.iter().any(|b| b == *c));
    let source = Source::default(preset.default_name("capabilities"));
    for c in grantable {
        set.insert(c.to_string(), source.clone());
    }
    if !missing.is_empty() {
        d.warn(
            DEFAULT_CAPS_UNAVAILABLE,
            format!(
                "the host's bounding capability set lacks {}; left out of the defaults",
                missing.join(", ")
            ),
            Some(cx.service.field("capabilities")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defaults::DEFAULT_CAPABILITIES;
    use crate::passes::fixture::{fixture, Fixture};
    use crate::trace::Severity;

    /// The CI host's bounding set: every capability but CAP_SYS_RESOURCE.
    fn ci_host(body: &str) -> Fixture {
        let mut f = fixture(body);
        f.snapshot.bounding_capabilities = ALL_41
            .iter()
            .filter(|c| **c != "CAP_SYS_RESOURCE")
            .map(|c| c.to_string())
            .collect();
        f
    }

    #[test]
    fn short_and_serde_names_agree() {
        for name in ALL_41 {
            let by_serde: Capability =
                serde_json::from_value(serde_json::Value::String(name.to_string())).unwrap();
            let short: Capability = name[4..].parse().unwrap();
            assert_eq!(short, by_serde, "{name}");
            assert_eq!(parse_capability(name), Some(by_serde));
            assert_eq!(canonical_name(name).as_deref(), Some(name));
            assert_eq!(
                canonical_name(&name[4..].to_lowercase()).as_deref(),
                Some(name)
            );
        }
        assert_eq!(parse_capability("CAP_NOPE"), None);
        assert_eq!(canonical_name(" cap_chown "), Some("CAP_CHOWN".to_string()));
        assert_eq!(canonical_name("CAP_chown"), Some("CAP_CHOWN".to_string()));
    }

    const ALL_41: [&str; 41] = [
        "CAP_AUDIT_CONTROL",
        "CAP_AUDIT_READ",
        "CAP_AUDIT_WRITE",
        "CAP_BLOCK_SUSPEND",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_KILL",
        "CAP_LEASE",
        "CAP_LINUX_IMMUTABLE",
        "CAP_MAC_ADMIN",
        "CAP_MAC_OVERRIDE",
        "CAP_MKNOD",
        "CAP_NET_ADMIN",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_RAW",
        "CAP_PERFMON",
        "CAP_SETFCAP",
        "CAP_SETGID",
        "CAP_SETPCAP",
        "CAP_SETUID",
        "CAP_SYSLOG",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_CHROOT",
        "CAP_SYS_MODULE",
        "CAP_SYS_NICE",
        "CAP_SYS_PACCT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_WAKE_ALARM",
    ];

    fn caps(f: &Fixture) -> Vec<String> {
        f.run(apply)
            .unwrap()
            .process
            .capabilities
            .iter()
            .cloned()
            .collect()
    }

    #[test]
    fn defaults_are_the_fourteen() {
        let d = ci_host("").run(apply).unwrap();
        let mut want: Vec<String> = DEFAULT_CAPABILITIES.iter().map(|c| c.to_string()).collect();
        want.sort();
        assert_eq!(
            d.process.capabilities.iter().cloned().collect::<Vec<_>>(),
            want
        );
        assert!(d.diagnostics().is_empty());
    }

    #[test]
    fn presets_start_from_their_engines_defaults() {
        let mut f = ci_host("");
        f.options.preset = crate::preset::Preset::Podman;
        let d = f.run(apply).unwrap();
        assert_eq!(d.process.capabilities.len(), 11);
        assert!(!d.process.capabilities.contains("CAP_NET_RAW"));
        assert_eq!(
            source_of(&d, "process.capabilities.CAP_CHOWN"),
            Some(Source::default("podman_capabilities"))
        );
        f.options.preset = crate::preset::Preset::Containerd;
        assert_eq!(f.run(apply).unwrap().process.capabilities.len(), 14);
    }

    #[test]
    fn seed_bug_10_lowercase_cap_added_to_defaults() {
        let got = caps(&ci_host("    capabilities: [net_admin, CAP_sys_ptrace]\n"));
        assert_eq!(got.len(), 16);
        assert!(
            got.contains(&"CAP_NET_ADMIN".to_string())
                && got.contains(&"CAP_SYS_PTRACE".to_string())
        );
    }

    #[test]
    fn seed_bug_10_lowercase_cap_dropped() {
        let got = caps(&ci_host("    cap_drop: [net_raw, CAP_MKNOD]\n"));
        assert_eq!(got.len(), 12);
        assert!(
            !got.contains(&"CAP_NET_RAW".to_string()) && !got.contains(&"CAP_MKNOD".to_string())
        );
    }

    #[test]
    fn drop_all_then_add() {
        assert_eq!(
            caps(&ci_host(
                "    cap_drop: [all]\n    capabilities: [NET_BIND_SERVICE]\n"
            )),
            ["CAP_NET_BIND_SERVICE"]
        );
        assert!(caps(&ci_host("    cap_drop: [ALL]\n")).is_empty());
    }

    #[test]
    fn add_all_is_the_bounding_set() {
        assert_eq!(caps(&ci_host("    capabilities: [ALL]\n")).len(), 40);
    }

    #[test]
    fn unknown_name_is_error_naming_field() {
        let err = ci_host("    capabilities: [CHOWN, cap_cap_sys_admin]\n")
            .run(apply)
            .unwrap_err();
        assert_eq!(err.field(), Some("services.web.capabilities[1]"));
        let err = ci_host("    cap_drop: [bogus]\n").run(apply).unwrap_err();
        assert_eq!(err.field(), Some("services.web.cap_drop[0]"));
    }

    #[test]
    fn ungrantable_request_is_error_naming_it() {
        let err = ci_host("    capabilities: [sys_resource]\n")
            .run(apply)
            .unwrap_err();
        assert_eq!(err.code(), "E_UNSATISFIABLE");
        assert!(err.to_string().contains("CAP_SYS_RESOURCE"), "{err}");
    }

    #[test]
    fn privileged_gets_the_host_bounding_set_only() {
        let d = ci_host("    privileged: true\n").run(apply).unwrap();
        assert_eq!(d.process.capabilities.len(), 40);
        assert!(!d.process.capabilities.contains("CAP_SYS_RESOURCE"));
        let d = ci_host("    privileged: true\n    capabilities: [NET_ADMIN]\n")
            .run(apply)
            .unwrap();
        assert_eq!(d.diagnostics()[0].code, codes::PRIVILEGED_CAPS);
        assert_eq!(d.diagnostics()[0].severity, Severity::Info);
    }

    #[test]
    fn unknown_bounding_names_skipped_and_missing_defaults_warned() {
        let mut f = fixture("");
        f.snapshot.bounding_capabilities = vec!["CAP_CHOWN".into(), "CAP_FUTURE_THING".into()];
        let d = f.run(apply).unwrap();
        assert_eq!(
            d.process.capabilities.iter().collect::<Vec<_>>(),
            ["CAP_CHOWN"]
        );
        assert_eq!(d.diagnostics().len(), 1);
        assert_eq!(d.diagnostics()[0].code, DEFAULT_CAPS_UNAVAILABLE);
        assert!(d.diagnostics()[0].message.contains("CAP_KILL"));
    }

    fn removers(d: &Draft) -> Vec<Source> {
        d.trace()
            .sources_of("process.capabilities")
            .map(|e| e.source.clone())
            .collect()
    }

    fn source_of(d: &Draft, target: &str) -> Option<Source> {
        d.trace().last_for(target).map(|e| e.source.clone())
    }

    #[test]
    fn every_capability_cites_its_origin_and_drops_are_traced() {
        let d = ci_host("    cap_add: [NET_ADMIN]\n    cap_drop: [net_raw, mknod, SYS_ADMIN]\n")
            .run(apply)
            .unwrap();
        // The drops that removed something are cited on the set, in order; SYS_ADMIN was never
        // in the set, so dropping it changed nothing and is not cited.
        assert_eq!(
            removers(&d),
            [
                Source::input("services.web.cap_drop[0]"),
                Source::input("services.web.cap_drop[1]")
            ]
        );
        assert_eq!(source_of(&d, "process.capabilities.CAP_MKNOD"), None);
        assert_eq!(source_of(&d, "process.capabilities.CAP_SYS_ADMIN"), None);
        assert_eq!(
            source_of(&d, "process.capabilities.CAP_NET_ADMIN"),
            Some(Source::input("services.web.capabilities[0]"))
        );
        assert_eq!(
            source_of(&d, "process.capabilities.CAP_CHOWN"),
            Some(Source::default("default_capabilities"))
        );
        let d = ci_host("    privileged: true\n").run(apply).unwrap();
        assert_eq!(
            source_of(&d, "process.capabilities.CAP_SYS_ADMIN"),
            Some(Source::fact("bounding_capabilities"))
        );
    }

    #[test]
    fn drop_all_cites_cap_drop_except_for_re_added() {
        let d = ci_host("    cap_drop: [mknod, ALL]\n    capabilities: [KILL]\n")
            .run(apply)
            .unwrap();
        assert_eq!(source_of(&d, "process.capabilities.CAP_CHOWN"), None);
        assert_eq!(
            source_of(&d, "process.capabilities.CAP_KILL"),
            Some(Source::input("services.web.capabilities[0]"))
        );
        // ALL is applied first (Docker's order), so it is what removed MKNOD too: only it is cited.
        assert_eq!(removers(&d), [Source::input("services.web.cap_drop[1]")]);
    }
}
