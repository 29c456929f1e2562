//! Pass `process`: `process.terminal`, `process.oomScoreAdj`, `process.cwd` and `process.args`.
//!
//! - `process.terminal` is the service's `tty` (default false). With a terminal, runc wants
//!   a console socket from whoever starts the container (`runc run` in the foreground makes
//!   one itself); that is the agent's to provide.
//! - `process.oomScoreAdj` is `resources.oom_score_adj` (-1000..1000). Lowering it below the
//!   agent's own needs `CAP_SYS_RESOURCE`, so a negative value on a host whose bounding set
//!   lacks it, or from a rootless agent, is an error here rather than a failed start.
//! - cwd: the render option `cwd`, else the service's `command.workdir`, else the image's
//!   `WorkingDir`, else `/`; it must be absolute.
//! - The command line follows Docker, not the seed (seed bug 9): a service `entrypoint`
//!   replaces the image Entrypoint *and* drops the image Cmd; `args` without `entrypoint` keep
//!   the image Entrypoint and replace its Cmd (an explicit empty `args` list means "no
//!   arguments"); neither gives the image Entrypoint + Cmd. An empty result is an error,
//!   never `/bin/sh`. The render option `args` replaces all of it.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    if cx.service.spec.tty {
        d.set_terminal(true, Source::input(cx.service.field("tty")));
    } else {
        d.set_terminal(false, Source::default("no_terminal"));
    }
    oom_score_adj(cx, d)?;
    cwd(cx, d)?;
    args(cx, d)
}

/// The kernel's range for `/proc/<pid>/oom_score_adj`.
const OOM_SCORE_ADJ: std::ops::RangeInclusive<i32> = -1000..=1000;

fn oom_score_adj(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let Some(adj) = cx.service.spec.resources.oom_score_adj else {
        return Ok(());
    };
    let field = cx.service.field("resources.oom_score_adj");
    if !OOM_SCORE_ADJ.contains(&adj) {
        return Err(Error::invalid(
            field,
            "a number from -1000 to 1000",
            adj.to_string(),
        ));
    }
    if adj < 0 {
        let host = &cx.host;
        let why = if host.rootless() {
            Some(format!(
                "the agent is rootless (host fact user.euid = {})",
                host.user().euid
            ))
        } else if !host
            .bounding_capabilities()
            .iter()
            .any(|c| c == "CAP_SYS_RESOURCE")
        {
            Some(
                "the host's bounding set (host fact bounding_capabilities) lacks CAP_SYS_RESOURCE"
                    .to_string(),
            )
        } else {
            None
        };
        if let Some(why) = why {
            return Err(Error::unsatisfiable(
                field,
                format!("a negative oom_score_adj ({adj}) needs CAP_SYS_RESOURCE to set, and {why}; use 0 or more"),
            ));
        }
    }
    d.set_oom_score_adj(adj, Source::input(field));
    Ok(())
}

fn cwd(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
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
    d.set_cwd(cwd.to_string(), source);
    Ok(())
}

fn args(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
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
    d.set_args(args, sources);
    Ok(())
}

fn concat(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().chain(b).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{fixture, with_image, Fixture};

    fn args_of(f: &Fixture) -> Vec<String> {
        f.run(apply).unwrap().process.args.clone()
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
    fn tty_gives_a_terminal() {
        let f = with_image(fixture("    tty: true\n"), Some(&["/e"]), None);
        let d = f.run(apply).unwrap();
        assert!(d.process.terminal);
        assert_eq!(
            d.trace().last_for("process.terminal").map(|e| &e.source),
            Some(&Source::input("services.web.tty"))
        );
        let f = with_image(fixture(""), Some(&["/e"]), None);
        assert!(!f.run(apply).unwrap().process.terminal);
    }

    #[test]
    fn oom_score_adj_range_and_capability() {
        let body = |adj: i32| format!("    resources: {{ oom_score_adj: {adj} }}\n");
        let mut f = with_image(fixture(&body(500)), Some(&["/e"]), None);
        assert_eq!(f.run(apply).unwrap().process.oom_score_adj, Some(500));
        let e = with_image(fixture(&body(1001)), Some(&["/e"]), None)
            .run(apply)
            .unwrap_err();
        assert_eq!(e.field(), Some("services.web.resources.oom_score_adj"));
        // Negative: needs CAP_SYS_RESOURCE in the bounding set, and root.
        f = with_image(fixture(&body(-500)), Some(&["/e"]), None);
        let e = f.run(apply).unwrap_err().to_string();
        assert!(e.contains("lacks CAP_SYS_RESOURCE"), "{e}");
        f.snapshot.bounding_capabilities = vec!["CAP_SYS_RESOURCE".into()];
        assert_eq!(f.run(apply).unwrap().process.oom_score_adj, Some(-500));
        f.snapshot.user.euid = 1000;
        let e = f.run(apply).unwrap_err().to_string();
        assert!(e.contains("rootless (host fact user.euid = 1000)"), "{e}");
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
}
