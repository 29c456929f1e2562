//! Pass `rlimits`: `process.rlimits`.
//!
//! The preset's defaults first, each unless `ulimits` sets that limit: Docker `RLIMIT_NOFILE
//! 1024/1024`; Podman `RLIMIT_NOFILE` and `RLIMIT_NPROC` at 1048576, clamped (as libpod does)
//! to the agent's own limits (fact `process_rlimits`) when it could not raise them: rootless,
//! or without CAP_SYS_RESOURCE in its bounding set; containerd's CRI none (it removes the base
//! spec's, so the runtime's own apply). Then the `ulimits` entries in name order. A missing soft or hard takes the other. `-1` means unlimited (RLIM_INFINITY, as
//! Docker's `--ulimit memlock=-1`); both missing, any other negative value (the seed clamped
//! them to 0) or soft > hard (the kernel refuses it) is an error.

use oci_spec::runtime::PosixRlimitType;

use crate::defaults::{DEFAULT_NOFILE, RLIMIT_NAMES};
use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::preset::{DefaultRlimits, PODMAN_RLIMIT};
use crate::service::UlimitSpec;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let ulimits = &cx.service.spec.ulimits;
    match cx.options.preset.rlimits() {
        DefaultRlimits::Nofile1024 if !ulimits.contains_key("nofile") => d.add_rlimit(
            PosixRlimitType::RlimitNofile,
            DEFAULT_NOFILE,
            DEFAULT_NOFILE,
            Source::default("default_nofile"),
        ),
        DefaultRlimits::Podman => podman_defaults(cx, d)?,
        _ => {}
    }
    for (name, spec) in ulimits {
        let field = cx.service.field(&format!("ulimits.{name}"));
        let typ = RLIMIT_NAMES
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let names: Vec<&str> = RLIMIT_NAMES.iter().map(|(n, _)| *n).collect();
                Error::invalid(
                    &field,
                    format!("a limit name, one of {}", names.join(", ")),
                    format!("`{name}`"),
                )
            })?;
        let (soft, hard) = limit_values(spec, &field)?;
        d.add_rlimit(typ, soft, hard, Source::input(field));
    }
    Ok(())
}

/// Podman's NOFILE and NPROC defaults (libpod `generateSpec`), each unless `ulimits` sets it.
fn podman_defaults(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let ulimits = &cx.service.spec.ulimits;
    // libpod clamps when it runs in a user namespace or lacks CAP_SYS_RESOURCE, because the
    // runtime could not raise the limits above its own then.
    let clamp = cx.host.rootless()
        || !cx
            .host
            .bounding_capabilities()
            .iter()
            .any(|c| c == "CAP_SYS_RESOURCE");
    let mut own = None;
    if clamp && !(ulimits.contains_key("nofile") && ulimits.contains_key("nproc")) {
        own = Some(cx.host.process_rlimits(&cx.service.field("ulimits"))?);
    }
    for (name, typ) in [
        ("nofile", PosixRlimitType::RlimitNofile),
        ("nproc", PosixRlimitType::RlimitNproc),
    ] {
        if ulimits.contains_key(name) {
            continue;
        }
        let mut sources = vec![Source::default("podman_rlimits")];
        let (mut soft, mut hard) = (PODMAN_RLIMIT, PODMAN_RLIMIT);
        if let Some(own) = own {
            let fact = if name == "nofile" {
                own.nofile
            } else {
                own.nproc
            };
            // `null` is unlimited, which never lowers the default.
            soft = soft.min(fact.soft.unwrap_or(u64::MAX));
            hard = hard.min(fact.hard.unwrap_or(u64::MAX));
            sources.push(Source::fact("process_rlimits"));
        }
        d.add_rlimit(typ, soft, hard, sources);
    }
    Ok(())
}

fn limit_values(spec: &UlimitSpec, field: &str) -> Result<(u64, u64)> {
    let non_negative = |v: i64, which: &str| match v {
        -1 => Ok(u64::MAX),
        _ => u64::try_from(v).map_err(|_| {
            Error::invalid(
                format!("{field}.{which}"),
                "a value >= 0, or -1 for unlimited",
                v.to_string(),
            )
        }),
    };
    let (soft, hard) = match (spec.soft, spec.hard) {
        (Some(s), Some(h)) => (non_negative(s, "soft")?, non_negative(h, "hard")?),
        (Some(s), None) => (non_negative(s, "soft")?, non_negative(s, "soft")?),
        (None, Some(h)) => (non_negative(h, "hard")?, non_negative(h, "hard")?),
        (None, None) => return Err(Error::invalid(field, "`soft`, `hard` or both", "neither")),
    };
    if soft > hard {
        return Err(Error::invalid(
            field,
            "soft <= hard",
            format!("soft {soft}, hard {hard}"),
        ));
    }
    Ok((soft, hard))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::fixture;

    fn limits(body: &str) -> Result<Vec<(PosixRlimitType, u64, u64)>> {
        fixture(body).run(apply).map(|d| d.process.rlimits.clone())
    }

    #[test]
    fn rlimits_default_nofile_and_ulimits() {
        assert_eq!(
            limits("").unwrap(),
            [(PosixRlimitType::RlimitNofile, 1024, 1024)]
        );
        let got = limits("    ulimits: { nproc: { soft: 10 }, memlock: { hard: 64, soft: 32 } }\n")
            .unwrap();
        assert_eq!(
            got,
            [
                (PosixRlimitType::RlimitNofile, 1024, 1024),
                (PosixRlimitType::RlimitMemlock, 32, 64),
                (PosixRlimitType::RlimitNproc, 10, 10),
            ]
        );
        let got = limits("    ulimits: { nofile: { hard: 65536 } }\n").unwrap();
        assert_eq!(got, [(PosixRlimitType::RlimitNofile, 65536, 65536)]);
    }

    #[test]
    fn presets_set_their_engines_defaults() {
        use crate::preset::Preset;
        use crate::snapshot::{ProcessRlimits, RlimitFact};
        const ALL_BUT_RESOURCE: &[&str] = &["CAP_CHOWN", "CAP_KILL"];
        let podman = |body: &str, caps: &[&str], euid: u32| {
            let mut f = fixture(body);
            f.options.preset = Preset::Podman;
            f.snapshot.bounding_capabilities = caps.iter().map(|c| c.to_string()).collect();
            f.snapshot.user.euid = euid;
            f
        };
        let nofile = PosixRlimitType::RlimitNofile;
        let nproc = PosixRlimitType::RlimitNproc;
        let f = podman("", &["CAP_SYS_RESOURCE"], 0);
        assert_eq!(
            f.run(apply).unwrap().process.rlimits,
            [(nofile, 1048576, 1048576), (nproc, 1048576, 1048576)]
        );
        // Clamped to the agent's own: without CAP_SYS_RESOURCE, and when rootless.
        let mut f = podman("", ALL_BUT_RESOURCE, 0);
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.code(), "E_MISSING_FACT");
        assert_eq!(err.field(), Some("services.web.ulimits"));
        f.snapshot.process_rlimits = Some(ProcessRlimits {
            nofile: RlimitFact {
                soft: Some(20000),
                hard: Some(20000),
            },
            nproc: RlimitFact {
                soft: Some(96364),
                hard: None,
            },
        });
        let d = f.run(apply).unwrap();
        assert_eq!(
            d.process.rlimits,
            [(nofile, 20000, 20000), (nproc, 96364, 1048576)]
        );
        assert_eq!(
            d.trace()
                .sources_of("process.rlimits.RLIMIT_NPROC")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>(),
            [
                Source::default("podman_rlimits"),
                Source::fact("process_rlimits")
            ]
        );
        f.snapshot.bounding_capabilities = vec!["CAP_SYS_RESOURCE".into()];
        f.snapshot.user.euid = 1000;
        assert_eq!(
            f.run(apply).unwrap().process.rlimits[0],
            (nofile, 20000, 20000)
        );
        // ulimits win, and with both set the agent's limits are not needed.
        let f = podman(
            "    ulimits: { nofile: { soft: 10 }, nproc: { soft: 5 } }\n",
            ALL_BUT_RESOURCE,
            0,
        );
        assert_eq!(
            f.run(apply).unwrap().process.rlimits,
            [(nofile, 10, 10), (nproc, 5, 5)]
        );

        let mut f = fixture("");
        f.options.preset = Preset::Containerd;
        assert!(f.run(apply).unwrap().process.rlimits.is_empty());
    }

    #[test]
    fn rlimit_minus_one_is_unlimited() {
        let got = limits("    ulimits: { memlock: { soft: -1, hard: -1 } }\n").unwrap();
        assert_eq!(got[1], (PosixRlimitType::RlimitMemlock, u64::MAX, u64::MAX));
    }

    #[test]
    fn rlimits_errors_name_the_field() {
        let err = limits("    ulimits: { files: { soft: 1 } }\n").unwrap_err();
        assert_eq!(err.field(), Some("services.web.ulimits.files"));
        let err = limits("    ulimits: { nofile: { soft: -2 } }\n").unwrap_err();
        assert_eq!(err.field(), Some("services.web.ulimits.nofile.soft"));
        assert!(limits("    ulimits: { core: { soft: 5, hard: 1 } }\n").is_err());
        assert!(limits("    ulimits: { core: {} }\n").is_err());
    }
}
