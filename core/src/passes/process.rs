//! Pass `process`: hostname, user, working directory, command line and rlimits.
//!
//! Decisions (README):
//! - Command line follows Docker, not the seed (seed bug 9): a service `entrypoint` replaces
//!   the image Entrypoint *and* drops the image Cmd; `args` without `entrypoint` keep the image
//!   Entrypoint and replace its Cmd (an explicit empty `args` list means "no arguments");
//!   neither gives the image Entrypoint + Cmd. An empty result is an error, never `/bin/sh`.
//! - rlimits: `RLIMIT_NOFILE 1024/1024` unless `ulimits` sets `nofile`; then the `ulimits`
//!   entries in name order. A missing soft or hard takes the other. `-1` means unlimited
//!   (RLIM_INFINITY, as Docker's `--ulimit memlock=-1`); both missing, any other negative
//!   value (the seed clamped them to 0) or soft > hard (the kernel refuses it) is an error.

use oci_spec::runtime::PosixRlimitType;

use super::defaults::{DEFAULT_NOFILE, RLIMIT_NAMES};
use super::user::resolve_user;
use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::render::Inputs;
use crate::service::UlimitSpec;
use crate::trace::Source;

pub fn apply(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    hostname(cx, d);
    user(cx, d)?;
    cwd(cx, d)?;
    args(cx, d)?;
    rlimits(cx, d)
}

fn hostname(cx: &Inputs<'_>, d: &mut Draft) {
    match &cx.options.hostname {
        Some(h) => {
            d.hostname = h.clone();
            d.record("hostname", Source::option("hostname"));
        }
        None => {
            d.hostname = cx.options.container_id.to_string();
            d.record("hostname", Source::option("container_id"));
        }
    }
}

fn user(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let source = match resolve_user(cx.image)? {
        Some(u) => {
            d.process.uid = u.uid;
            d.process.gid = u.gid;
            d.process.additional_gids = u.additional_gids;
            // The files come first so that the last entry (read for error fields) is `User`.
            for file in u.used_files {
                d.record("process.user", Source::image(file));
            }
            Source::image("User")
        }
        None => {
            d.process.uid = 0;
            d.process.gid = 0;
            Source::default("root_user")
        }
    };
    d.record("process.user", source);
    // CDI `additionalGids` (e.g. the group owning /dev/dri nodes) join the image's groups.
    for (gid, source) in d.gpu.additional_gids.clone() {
        if !d.process.additional_gids.contains(&gid) {
            d.process.additional_gids.push(gid);
            d.record("process.user.additionalGids", source);
        }
    }
    Ok(())
}

fn cwd(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let image_dir = cx
        .image
        .and_then(|i| i.config.working_dir.as_deref())
        .filter(|w| !w.is_empty());
    let (cwd, field, source) = if let Some(c) = &cx.options.cwd {
        (c.as_str(), "options.cwd".to_string(), Source::option("cwd"))
    } else if let Some(w) = &cx.service.spec.command.workdir {
        let field = cx.service.field("command.workdir");
        (w.as_str(), field.clone(), Source::input(field))
    } else if let Some(w) = image_dir {
        (
            w,
            "image.WorkingDir".to_string(),
            Source::image("WorkingDir"),
        )
    } else {
        ("/", String::new(), Source::default("cwd"))
    };
    if !cwd.starts_with('/') {
        return Err(Error::invalid(
            field,
            "an absolute path",
            format!("`{cwd}`"),
        ));
    }
    d.process.cwd = cwd.to_string();
    d.record("process.cwd", source);
    Ok(())
}

fn args(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let cmd = &cx.service.spec.command;
    let image = cx.image.map(|i| &i.config);
    let image_entrypoint = image.and_then(|c| c.entrypoint.clone()).unwrap_or_default();
    let image_cmd = image.and_then(|c| c.cmd.clone()).unwrap_or_default();
    let (args, sources, field) = if let Some(a) = &cx.options.args {
        (
            a.clone(),
            vec![Source::option("args")],
            "options.args".to_string(),
        )
    } else {
        let ep_field = cx.service.field("command.entrypoint");
        let args_field = cx.service.field("command.args");
        let (args, sources) = match (&cmd.entrypoint, &cmd.args) {
            // Docker: overriding the entrypoint also clears the image's Cmd.
            (Some(ep), args) => {
                let mut sources = vec![Source::input(ep_field)];
                if args.is_some() {
                    sources.push(Source::input(args_field));
                }
                (concat(ep, args.as_deref().unwrap_or_default()), sources)
            }
            (None, Some(args)) => (
                concat(&image_entrypoint, args),
                vec![Source::image("Entrypoint"), Source::input(args_field)],
            ),
            (None, None) => (
                concat(&image_entrypoint, &image_cmd),
                vec![Source::image("Entrypoint"), Source::image("Cmd")],
            ),
        };
        (args, sources, cx.service.field("command"))
    };
    if args.is_empty() {
        return Err(Error::invalid(
            field,
            "a non-empty command (an entrypoint or args, here or in the image config)",
            "an empty command line",
        ));
    }
    d.process.args = args;
    for s in sources {
        d.record("process.args", s);
    }
    Ok(())
}

fn concat(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().chain(b).cloned().collect()
}

fn rlimits(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let ulimits = &cx.service.spec.ulimits;
    if !ulimits.contains_key("nofile") {
        d.process.rlimits.push((
            PosixRlimitType::RlimitNofile,
            DEFAULT_NOFILE,
            DEFAULT_NOFILE,
        ));
        d.record(
            "process.rlimits.RLIMIT_NOFILE",
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
        d.process.rlimits.push((typ, soft, hard));
        d.record(format!("process.rlimits.{typ}"), Source::input(field));
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
    use crate::image::{Image, ImageConfig};
    use crate::passes::defaults::fixture::{fixture, Fixture};
    use crate::passes::user::USER_FIELD;

    fn with_image(mut f: Fixture, entrypoint: Option<&[&str]>, cmd: Option<&[&str]>) -> Fixture {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect();
        f.image = Some(Image {
            config: ImageConfig {
                entrypoint: entrypoint.map(v),
                cmd: cmd.map(v),
                working_dir: Some("/srv".into()),
                ..Default::default()
            },
            ..Default::default()
        });
        f
    }

    fn args_of(f: &Fixture) -> Vec<String> {
        f.run(apply).unwrap().process.args
    }

    #[test]
    fn hostname_defaults_to_container_id_and_option_overrides() {
        let mut f = fixture("");
        f.image = None;
        f.options.args = Some(vec!["x".into()]);
        let d = f.run(apply).unwrap();
        assert_eq!(d.hostname, "web-rep-0");
        assert_eq!(
            d.trace.last_for("hostname").unwrap().source,
            Source::option("container_id")
        );
        f.options.hostname = Some("h1".into());
        assert_eq!(f.run(apply).unwrap().hostname, "h1");
    }

    #[test]
    fn image_entrypoint_and_cmd_when_service_says_nothing() {
        let f = with_image(fixture(""), Some(&["/entry"]), Some(&["serve"]));
        assert_eq!(args_of(&f), ["/entry", "serve"]);
    }

    #[test]
    fn seed_bug_9_args_keep_image_entrypoint() {
        let f = with_image(
            fixture("    command: { args: [a, b] }\n"),
            Some(&["/entry"]),
            Some(&["serve"]),
        );
        assert_eq!(args_of(&f), ["/entry", "a", "b"]);
    }

    #[test]
    fn entrypoint_drops_image_cmd() {
        let f = with_image(
            fixture("    command: { entrypoint: [/bin/app] }\n"),
            Some(&["/entry"]),
            Some(&["serve"]),
        );
        assert_eq!(args_of(&f), ["/bin/app"]);
        let f = with_image(
            fixture("    command: { entrypoint: [/bin/app], args: [-v] }\n"),
            None,
            Some(&["x"]),
        );
        assert_eq!(args_of(&f), ["/bin/app", "-v"]);
    }

    #[test]
    fn option_args_override_everything() {
        let mut f = with_image(
            fixture("    command: { entrypoint: [/bin/app] }\n"),
            Some(&["/e"]),
            None,
        );
        f.options.args = Some(vec!["/bin/true".into()]);
        assert_eq!(args_of(&f), ["/bin/true"]);
    }

    #[test]
    fn seed_bug_9_empty_entrypoint_is_error() {
        let f = with_image(
            fixture("    command: { entrypoint: [] }\n"),
            Some(&["/entry"]),
            Some(&["serve"]),
        );
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.field(), Some("services.web.command"));
        // No image and no command at all: also an error, not `/bin/sh`.
        assert!(fixture("").run(apply).is_err());
    }

    #[test]
    fn cwd_precedence_and_absolute() {
        let f = with_image(fixture(""), Some(&["/e"]), None);
        assert_eq!(f.run(apply).unwrap().process.cwd, "/srv");
        let mut f = with_image(
            fixture("    command: { workdir: /app }\n"),
            Some(&["/e"]),
            None,
        );
        assert_eq!(f.run(apply).unwrap().process.cwd, "/app");
        f.options.cwd = Some("/opt".into());
        assert_eq!(f.run(apply).unwrap().process.cwd, "/opt");
        f.options.cwd = Some("rel".into());
        assert_eq!(f.run(apply).unwrap_err().field(), Some("options.cwd"));
        let mut f = fixture("");
        f.options.args = Some(vec!["x".into()]);
        assert_eq!(f.run(apply).unwrap().process.cwd, "/");
    }

    #[test]
    fn user_comes_from_image() {
        let mut f = with_image(fixture(""), Some(&["/e"]), None);
        if let Some(i) = f.image.as_mut() {
            i.config.user = Some("1000:1001".into());
        }
        let d = f.run(apply).unwrap();
        assert_eq!((d.process.uid, d.process.gid), (1000, 1001));
        let user_sources = |d: &Draft| {
            d.trace
                .sources_of("process.user")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(user_sources(&d), [Source::image("User")]);
        if let Some(i) = f.image.as_mut() {
            i.config.user = Some("app:video".into());
            i.passwd = Some("app:x:1000:1000::/home/app:/bin/sh\n".into());
            i.group = Some("video:x:44:app\n".into());
        }
        let d = f.run(apply).unwrap();
        assert_eq!((d.process.uid, d.process.gid), (1000, 44));
        assert_eq!(
            user_sources(&d),
            [
                Source::image("/etc/passwd"),
                Source::image("/etc/group"),
                Source::image("User")
            ]
        );
        if let Some(i) = f.image.as_mut() {
            i.passwd = None;
            i.group = None;
        }
        if let Some(i) = f.image.as_mut() {
            i.config.user = Some("nginx".into());
        }
        assert_eq!(f.run(apply).unwrap_err().field(), Some(USER_FIELD));
    }

    fn limits(body: &str) -> Result<Vec<(PosixRlimitType, u64, u64)>> {
        let mut f = fixture(body);
        f.options.args = Some(vec!["x".into()]);
        f.run(apply).map(|d| d.process.rlimits)
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
