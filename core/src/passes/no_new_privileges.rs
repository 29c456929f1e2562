//! Pass `no_new_privileges`: `process.noNewPrivileges`.
//!
//! On unless the service is privileged or requests capabilities (as the seed): a process
//! that was granted extra capabilities may need to gain privileges through setuid or file
//! capabilities. The trace cites whichever of those fields is present, or the default when
//! neither is. `cap_drop` alone does not turn it off, so it is never cited.
//!
//! `security_opt: no-new-privileges[=true|false]` overrides that rule either way, and is
//! then the only source cited. The rule is ocigen's for every preset (Docker and Podman
//! default to off, containerd's base spec to on): it is stricter than both engines where it
//! can be, and a service moving between presets keeps its setting.

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    if let Some((on, field)) = cx.security_opts()?.no_new_privileges() {
        d.set_no_new_privileges(on, Source::input(field.to_string()));
        return Ok(());
    }
    let spec = &cx.service.spec;
    let on = !spec.privileged && spec.capabilities.is_empty();
    let mut cited: Vec<Source> = [
        ("privileged", spec.privileged),
        ("capabilities", !spec.capabilities.is_empty()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(name, _)| Source::input(cx.service.field(name)))
    .collect();
    if cited.is_empty() {
        cited.push(Source::default("no_new_privileges"));
    }
    d.set_no_new_privileges(on, cited);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::fixture;

    #[test]
    fn on_unless_privileged_or_capabilities_requested() {
        let on = |body: &str| fixture(body).run(apply).unwrap().process.no_new_privileges;
        assert!(on(""));
        assert!(on("    cap_drop: [MKNOD]\n"));
        assert!(!on("    cap_add: [net_admin]\n"));
        assert!(!on("    privileged: true\n"));
    }

    #[test]
    fn security_opt_overrides_either_way() {
        let nnp = |body: &str| {
            let d = fixture(body).run(apply).unwrap();
            let cited: Vec<Source> = d
                .trace()
                .sources_of("process.noNewPrivileges")
                .map(|e| e.source.clone())
                .collect();
            (d.process.no_new_privileges, cited)
        };
        let at = |i: usize| vec![Source::input(format!("services.web.security_opt[{i}]"))];
        assert_eq!(
            nnp("    privileged: true
    security_opt: [no-new-privileges]
"),
            (true, at(0))
        );
        assert_eq!(
            nnp("    security_opt: [apparmor=x, \"no-new-privileges:false\"]
"),
            (false, at(1))
        );
        let err = fixture(
            "    security_opt: [no-new-privs]
",
        )
        .run(apply)
        .unwrap_err();
        assert_eq!(err.field(), Some("services.web.security_opt[0]"));
    }

    #[test]
    fn no_new_privileges_cites_what_it_derives_from() {
        let nnp = |body: &str| {
            let d = fixture(body).run(apply).unwrap();
            d.trace()
                .sources_of("process.noNewPrivileges")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(nnp(""), [Source::default("no_new_privileges")]);
        assert_eq!(
            nnp("    cap_add: [NET_ADMIN]\n"),
            [Source::input("services.web.capabilities")]
        );
        assert_eq!(
            nnp("    privileged: true\n"),
            [Source::input("services.web.privileged")]
        );
        assert_eq!(
            nnp("    privileged: true\n    capabilities: [NET_ADMIN]\n"),
            [
                Source::input("services.web.privileged"),
                Source::input("services.web.capabilities")
            ]
        );
        // cap_drop alone does not turn noNewPrivileges off, so it is not cited.
        assert_eq!(
            nnp("    cap_drop: [MKNOD]\n"),
            [Source::default("no_new_privileges")]
        );
    }
}
