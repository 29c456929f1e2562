//! Pass `rlimits`: `process.rlimits`.
//!
//! `RLIMIT_NOFILE 1024/1024` unless `ulimits` sets `nofile`; then the `ulimits` entries in
//! name order. A missing soft or hard takes the other. `-1` means unlimited (RLIM_INFINITY, as
//! Docker's `--ulimit memlock=-1`); both missing, any other negative value (the seed clamped
//! them to 0) or soft > hard (the kernel refuses it) is an error.

use oci_spec::runtime::PosixRlimitType;

use crate::defaults::{DEFAULT_NOFILE, RLIMIT_NAMES};
use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::service::UlimitSpec;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let ulimits = &cx.service.spec.ulimits;
    if !ulimits.contains_key("nofile") {
        d.add_rlimit(
            PosixRlimitType::RlimitNofile,
            DEFAULT_NOFILE,
            DEFAULT_NOFILE,
            Source::default("default_nofile"),
        );
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
