//! Pass `seccomp`: `linux.seccomp`.
//!
//! The profile is the preset's default (Docker's, Podman's; containerd's CRI uses moby's), or
//! the user's file from `security_opt: seccomp=<file>`, resolved the way the preset's engine
//! resolves it: for the host's `kernel.arch` and `kernel.release` and the capability set the
//! `capabilities` pass rendered (so it runs after that pass). The result is the plain
//! runtime-spec profile `docker run` / `podman run` would hand runc for this container here.
//!
//! No profile at all when the service is privileged (Docker and Podman run privileged
//! containers unconfined) or asks for `seccomp=unconfined`. A profile option that privileged
//! overrides is noted (I004), not dropped silently.
//!
//! Provenance: `linux.seccomp` cites the profile (the preset default or the `security_opt`
//! entry) and the `kernel` fact; each `linux.seccomp.syscalls[i]` cites the profile rule group
//! it came from, with the conditions that selected it.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::seccomp::{self, Profile};
use crate::service::security_opt::SeccompOpt;
use crate::trace::{codes, Source};

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let opts = cx.security_opts()?;
    let preset = cx.options.preset;
    let chosen = opts.seccomp();
    if cx.service.spec.privileged {
        if let Some((opt, field)) = chosen.filter(|(o, _)| **o != SeccompOpt::Unconfined) {
            let shown = match opt {
                SeccompOpt::Profile(file) => format!("seccomp={file}"),
                _ => "seccomp=builtin".to_string(),
            };
            d.info(
                codes::FIELD_NOT_APPLIED,
                format!(
                    "`{shown}` is not applied: a privileged container runs without a seccomp \
                     profile, as under Docker and Podman"
                ),
                Some(field.to_string()),
            );
        }
        return Ok(());
    }
    // The preset's own profile resolves through seccomp::resolve, which keeps recent results
    // (the same for every container with the same capabilities on the same kernel); a user's
    // file is resolved each time.
    let (profile, cited): (Option<Profile>, Source) = match chosen {
        Some((SeccompOpt::Unconfined, _)) => return Ok(()),
        None => (
            None,
            Source::default(preset.default_name("seccomp_profile")),
        ),
        Some((SeccompOpt::Builtin, field)) => (None, Source::input(field.to_string())),
        Some((SeccompOpt::Profile(file), field)) => (
            Some(user_profile(cx, file, field)?),
            Source::input(field.to_string()),
        ),
    };
    let kernel = cx.host.kernel();
    let caps = &d.process.capabilities;
    let engine = preset.seccomp();
    let resolved = match profile {
        None => seccomp::resolve(engine, &kernel.arch, caps, &kernel.release)?,
        Some(p) => seccomp::resolve_profile(p, engine, &kernel.arch, caps, &kernel.release)?,
    };
    let rules = resolved
        .origins
        .into_iter()
        .map(|o| Source::SeccompRule {
            preset: preset.name().into(),
            profile: o.profile.into(),
            rule: o.index,
            conditions: o.conditions.into(),
        })
        .collect();
    d.set_seccomp(resolved.seccomp, vec![cited, Source::fact("kernel")], rules);
    Ok(())
}

/// The user's profile file, whose text the render options carry (the host read it).
fn user_profile(cx: &Context<'_>, file: &str, field: &str) -> Result<Profile> {
    let text = cx.options.seccomp_profiles.get(file).ok_or_else(|| {
        Error::unsatisfiable(
            field,
            format!(
                "seccomp profile file {file} was not supplied: the host reads it and passes \
                 its text in the render option `seccomp_profiles` (`ocigen render` does this)"
            ),
        )
    })?;
    seccomp::parse_profile(file, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::capabilities;
    use crate::passes::fixture::{fixture, Fixture};
    use crate::preset::Preset;
    use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction};

    fn host(body: &str) -> Fixture {
        let mut f = fixture(body);
        f.snapshot.kernel.arch = "x86_64".into();
        f.snapshot.kernel.release = "6.8.0-45-generic".into();
        f.snapshot.bounding_capabilities = crate::defaults::DEFAULT_CAPABILITIES
            .iter()
            .chain(&["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"])
            .map(|c| c.to_string())
            .collect();
        f
    }

    /// Capabilities, then seccomp, as the render runs them.
    fn run(f: &Fixture) -> Result<Draft> {
        let d = f.run(capabilities::apply)?;
        f.run_on(apply, d)
    }

    fn profile(f: &Fixture) -> Option<LinuxSeccomp> {
        run(f).unwrap().seccomp.clone()
    }

    fn allows(s: &LinuxSeccomp, name: &str) -> bool {
        s.syscalls().iter().flatten().any(|r| {
            r.action() == LinuxSeccompAction::ScmpActAllow
                && r.args().is_none()
                && r.names().iter().any(|n| n == name)
        })
    }

    #[test]
    fn default_is_the_presets_profile_resolved_for_the_container() {
        let s = profile(&host("")).expect("a profile");
        assert_eq!(s.default_action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(s.default_errno_ret(), Some(1));
        assert!(allows(&s, "read"));
        // No CAP_SYS_ADMIN: mount stays denied; with it, the admin group is added.
        assert!(!allows(&s, "mount"));
        let s = profile(&host("    cap_add: [SYS_ADMIN]\n")).unwrap();
        assert!(allows(&s, "mount"));

        let mut f = host("");
        f.options.preset = Preset::Podman;
        let s = profile(&f).unwrap();
        assert_eq!(s.default_errno_ret(), Some(38), "Podman's ENOSYS");
    }

    #[test]
    fn privileged_and_unconfined_get_none() {
        assert_eq!(profile(&host("    privileged: true\n")), None);
        assert_eq!(
            profile(&host("    security_opt: [seccomp=unconfined]\n")),
            None
        );
        let d = run(&host(
            "    privileged: true\n    security_opt: [seccomp=builtin]\n",
        ))
        .unwrap();
        assert!(d.seccomp.is_none());
        assert_eq!(d.diagnostics()[0].code, codes::FIELD_NOT_APPLIED);
        assert_eq!(
            d.diagnostics()[0].field.as_deref(),
            Some("services.web.security_opt[0]")
        );
    }

    #[test]
    fn each_rule_cites_its_profile_group() {
        let d = run(&host("")).unwrap();
        let t = d.trace();
        assert_eq!(
            t.sources_of("linux.seccomp")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>(),
            [
                Source::default("docker_seccomp_profile"),
                Source::fact("kernel")
            ]
        );
        let n = d
            .seccomp
            .as_ref()
            .unwrap()
            .syscalls()
            .as_ref()
            .unwrap()
            .len();
        for i in 0..n {
            assert!(t
                .last_for(&format!("linux.seccomp.syscalls[{i}]"))
                .is_some());
        }
        match &t.last_for("linux.seccomp.syscalls[0]").unwrap().source {
            Source::SeccompRule {
                preset,
                profile,
                rule,
                conditions,
            } => {
                assert_eq!(
                    (&**preset, &**profile, *rule),
                    ("docker", "docker-default", 0)
                );
                assert!(conditions.is_empty());
            }
            other => panic!("{other:?}"),
        }
        let shown = t
            .last_for(&format!("linux.seccomp.syscalls[{}]", n - 1))
            .unwrap()
            .source
            .to_string();
        assert!(
            shown.starts_with("seccomp profile docker-default rule "),
            "{shown}"
        );
        assert!(shown.ends_with("[preset docker]"), "{shown}");
    }

    #[test]
    fn a_profile_file_is_parsed_from_the_options_and_errors_name_it() {
        let mut f = host("    security_opt: [\"seccomp=prof/strict.json\"]\n");
        let err = run(&f).unwrap_err();
        assert_eq!(err.field(), Some("services.web.security_opt[0]"));
        assert!(err.to_string().contains("prof/strict.json"), "{err}");

        f.options.seccomp_profiles.insert(
            "prof/strict.json".into(),
            r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}"#.into(),
        );
        let d = run(&f).unwrap();
        let s = d.seccomp.as_ref().unwrap();
        assert!(allows(s, "write") && !allows(s, "open"));
        assert_eq!(
            d.trace()
                .last_for("linux.seccomp.syscalls[0]")
                .unwrap()
                .source,
            Source::SeccompRule {
                preset: "docker".into(),
                profile: "prof/strict.json".into(),
                rule: 0,
                conditions: "".into()
            }
        );

        f.options.seccomp_profiles.insert(
            "prof/strict.json".into(),
            r#"{"defaultAction":"SCMP_ACT_NOPE"}"#.into(),
        );
        let err = run(&f).unwrap_err();
        assert!(err.to_string().contains("prof/strict.json"), "{err}");
    }

    #[test]
    fn an_unknown_architecture_is_an_error_naming_the_fact() {
        let mut f = host("");
        f.snapshot.kernel.arch = "sparc64".into();
        let err = run(&f).unwrap_err();
        assert_eq!(err.field(), Some("kernel.arch"));
    }
}
