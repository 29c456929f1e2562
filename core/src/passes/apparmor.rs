//! Pass `apparmor`: `process.apparmorProfile`, from `security_opt: apparmor=<profile>`.
//!
//! Written only on a host whose snapshot says it runs AppArmor (fact `lsm`): runc refuses a
//! profile on a host without it, so the render fails early, naming the option and the fact.
//! No profile is written unless asked: the engines load their default profile
//! (`docker-default`, `containers-default-*`) into the kernel themselves, which a render
//! cannot do, so naming one here could point at a profile the host never loaded.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let opts = cx.security_opts()?;
    let Some((profile, field)) = opts.apparmor() else {
        return Ok(());
    };
    if !cx.host.lsm(field)?.apparmor {
        return Err(Error::unsatisfiable(
            field,
            format!(
                "apparmor={profile} needs AppArmor, and host fact `lsm.apparmor` says this host \
                 does not run it; remove the option or render for an AppArmor host"
            ),
        ));
    }
    d.set_apparmor_profile(
        profile.to_string(),
        vec![Source::input(field.to_string()), Source::fact("lsm")],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::fixture;
    use crate::snapshot::LsmFacts;

    const OPT: &str = "    security_opt: [apparmor=zlayer-web]\n";

    #[test]
    fn written_on_an_apparmor_host_only() {
        let mut f = fixture(OPT);
        f.snapshot.lsm = Some(LsmFacts {
            apparmor: true,
            selinux: false,
        });
        let d = f.run(apply).unwrap();
        assert_eq!(d.apparmor_profile.as_deref(), Some("zlayer-web"));
        assert_eq!(
            d.trace()
                .sources_of("process.apparmorProfile")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>(),
            [
                Source::input("services.web.security_opt[0]"),
                Source::fact("lsm")
            ]
        );
        assert_eq!(fixture("").run(apply).unwrap().apparmor_profile, None);

        f.snapshot.lsm = Some(LsmFacts::default());
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.field(), Some("services.web.security_opt[0]"));
        assert!(err.to_string().contains("lsm.apparmor"), "{err}");
    }

    #[test]
    fn a_snapshot_without_the_fact_says_which_and_how_to_get_it() {
        let mut f = fixture(OPT);
        f.snapshot.snapshot_version = 1;
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.code(), "E_MISSING_FACT");
        let msg = err.to_string();
        assert!(msg.contains("`lsm`") && msg.contains("version 1"), "{msg}");
        assert!(msg.contains("ocigen probe --for"), "{msg}");
    }
}
