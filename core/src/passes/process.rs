//! Pass `process`: hostname, user, working directory, command line, rlimits and
//! `root.readonly`; it ends by noting the service keys no pass applies (see
//! [`super::unapplied`]).
//!
//! Decisions (README):
//! - Hostname: render option `hostname`, else the service's `hostname`, else the container
//!   id's display form. A given hostname must be 1-64 characters of ASCII letters, digits,
//!   `-` and `.`, not starting with `-` (the error names the field it came from).
//! - User: the service's `user` (Docker `--user`: `name|uid[:group|gid]`) overrides the image
//!   `User`; either is resolved through the image's /etc/passwd and /etc/group (see
//!   [`super::user`]) and errors name the field it came from (`services.x.user` or
//!   `image.User`). An empty service `user` is an error, not "no user". Neither: 0:0.
//! - `read_only_root_fs: true` sets `root.readonly`.
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
use super::unapplied::note_unapplied;
use super::user::{resolve_user, USER_FIELD};
use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::render::Inputs;
use crate::service::UlimitSpec;
use crate::trace::Source;

pub fn apply(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    hostname(cx, d)?;
    user(cx, d)?;
    cwd(cx, d)?;
    args(cx, d)?;
    rlimits(cx, d)?;
    if cx.service.spec.read_only_root_fs {
        d.root_readonly = true;
        d.record(
            "root.readonly",
            Source::input(cx.service.field("read_only_root_fs")),
        );
    }
    note_unapplied(cx, d);
    Ok(())
}

fn hostname(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let (name, source) = if let Some(h) = &cx.options.hostname {
        check_hostname(h, "options.hostname")?;
        (h.clone(), Source::option("hostname"))
    } else if let Some(h) = &cx.service.spec.hostname {
        let field = cx.service.field("hostname");
        check_hostname(h, &field)?;
        (h.clone(), Source::input(field))
    } else {
        (
            cx.options.container_id.to_string(),
            Source::option("container_id"),
        )
    };
    d.hostname = name;
    d.record("hostname", source);
    Ok(())
}

/// 1-64 ASCII letters, digits, `-` and `.`, not starting with `-` (runc passes it to
/// sethostname, and a leading `-` reads as an option to tools that print it).
fn check_hostname(name: &str, field: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "a hostname of 1-64 letters, digits, `-` and `.`, not starting with `-`",
            format!("`{name}`"),
        ))
    }
}

fn user(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    // The service's `user` overrides the image's `User`, as `docker run --user` does.
    let (spec, field, spec_source) = match &cx.service.spec.user {
        Some(u) => {
            let field = cx.service.field("user");
            if u.trim().is_empty() {
                return Err(Error::invalid(
                    field,
                    "`name`, `uid`, `name:group` or `uid:gid`",
                    "an empty string",
                ));
            }
            (u.as_str(), field.clone(), Source::input(field))
        }
        None => (
            cx.image
                .and_then(|i| i.config.user.as_deref())
                .unwrap_or(""),
            USER_FIELD.to_string(),
            Source::image("User"),
        ),
    };
    let source = match resolve_user(spec, &field, cx.image)? {
        Some(u) => {
            d.process.uid = u.uid;
            d.process.gid = u.gid;
            d.process.additional_gids = u.additional_gids;
            // The files come first so that the last entry (namespaces reads it to name the
            // field in its errors) is the user spec's own field.
            for file in u.used_files {
                d.record("process.user", Source::image(file));
            }
            spec_source
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

    /// A fixture with a command and an image carrying `image_user` and passwd/group text.
    fn user_fixture(body: &str, image_user: Option<&str>) -> Fixture {
        let mut f = with_image(fixture(body), Some(&["/e"]), None);
        if let Some(i) = f.image.as_mut() {
            i.config.user = image_user.map(String::from);
            i.passwd = Some("app:x:1000:1000::/home/app:/bin/sh\nimg:x:7:7::/:/bin/sh\n".into());
            i.group = Some("video:x:44:app\nstaff:x:50:\n".into());
        }
        f
    }

    fn ids(f: &Fixture) -> Result<(u32, u32, Vec<u32>)> {
        f.run(apply)
            .map(|d| (d.process.uid, d.process.gid, d.process.additional_gids))
    }

    #[test]
    fn service_user_resolves_and_overrides_image_user() {
        let img = Some("img");
        assert_eq!(ids(&user_fixture("", img)).unwrap(), (7, 7, vec![]));
        let by_name = user_fixture("    user: app\n", img);
        assert_eq!(ids(&by_name).unwrap(), (1000, 1000, vec![44]));
        let numeric = user_fixture("    user: \"4242\"\n", img);
        assert_eq!(ids(&numeric).unwrap(), (4242, 0, vec![]));
        let with_group = user_fixture("    user: \"app:staff\"\n", img);
        assert_eq!(ids(&with_group).unwrap(), (1000, 50, vec![]));
        // Without any image, numeric ids still work.
        let mut no_image = fixture("    user: \"5:6\"\n");
        no_image.options.args = Some(vec!["x".into()]);
        assert_eq!(ids(&no_image).unwrap(), (5, 6, vec![]));
        // The last `process.user` entry names the service field (namespaces reads it).
        let d = by_name.run(apply).unwrap();
        assert_eq!(
            d.trace.last_for("process.user").unwrap().source,
            Source::input("services.web.user")
        );
    }

    #[test]
    fn service_user_errors_name_the_service_field() {
        for body in [
            "    user: ghost\n",
            "    user: \"app:nogroup\"\n",
            "    user: \"\"\n",
        ] {
            let err = ids(&user_fixture(body, Some("img"))).unwrap_err();
            assert_eq!(err.field(), Some("services.web.user"), "{body}");
        }
        let err = ids(&user_fixture("    user: ghost\n", None)).unwrap_err();
        assert!(err.to_string().contains("ghost"), "{err}");
    }

    #[test]
    fn hostname_precedence_option_then_service_then_id() {
        let mut f = with_image(fixture("    hostname: box.local\n"), Some(&["/e"]), None);
        let d = f.run(apply).unwrap();
        assert_eq!(d.hostname, "box.local");
        assert_eq!(
            d.trace.last_for("hostname").unwrap().source,
            Source::input("services.web.hostname")
        );
        f.options.hostname = Some("opt".into());
        assert_eq!(f.run(apply).unwrap().hostname, "opt");
    }

    #[test]
    fn hostname_is_validated() {
        let long = "a".repeat(65);
        for bad in ["-box", "under_score", "sp ace", long.as_str()] {
            let f = with_image(
                fixture(&format!("    hostname: \"{bad}\"\n")),
                Some(&["/e"]),
                None,
            );
            let err = f.run(apply).unwrap_err();
            assert_eq!(err.field(), Some("services.web.hostname"), "{bad}");
        }
        let mut f = with_image(fixture(""), Some(&["/e"]), None);
        f.options.hostname = Some(String::new());
        assert_eq!(f.run(apply).unwrap_err().field(), Some("options.hostname"));
        f.options.hostname = Some("a".repeat(64));
        assert!(f.run(apply).is_ok());
    }

    #[test]
    fn read_only_root_fs_sets_root_readonly() {
        let f = with_image(
            fixture("    read_only_root_fs: true\n"),
            Some(&["/e"]),
            None,
        );
        let d = f.run(apply).unwrap();
        assert!(d.root_readonly);
        assert_eq!(
            d.trace.last_for("root.readonly").unwrap().source,
            Source::input("services.web.read_only_root_fs")
        );
        let d = with_image(fixture(""), Some(&["/e"]), None)
            .run(apply)
            .unwrap();
        assert!(!d.root_readonly);
        assert!(d.trace.last_for("root.readonly").is_none());
    }

    #[test]
    fn unapplied_keys_are_noted_by_the_pass() {
        let f = with_image(fixture("    tty: true\n"), Some(&["/e"]), None);
        let d = f.run(apply).unwrap();
        let fields: Vec<_> = d.diagnostics.iter().map(|x| x.field.as_deref()).collect();
        assert_eq!(fields, [Some("services.web.tty")]);
        assert_eq!(
            d.diagnostics[0].code,
            crate::trace::codes::FIELD_NOT_APPLIED
        );
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
