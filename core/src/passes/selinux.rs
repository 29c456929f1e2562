//! Pass `selinux`: `process.selinuxLabel` and `linux.mountLabel`, from `security_opt:
//! label=...`.
//!
//! Each `label=user:|role:|type:|level:` part replaces that part of the container-selinux
//! defaults (`system_u:system_r:container_t:s0` for the process); `filetype:` and `level:`
//! shape the mount label (`system_u:object_r:container_file_t:s0`). Docker and Podman also
//! pick a random pair of MCS categories per container; a render is deterministic, so none is
//! added: give `label=level:s0:c1,c2` to separate containers.
//!
//! Written only where the snapshot says the host runs SELinux (fact `lsm`), otherwise an
//! error naming the option and the fact. `label=disable` writes no label (and needs no fact);
//! `label=nested` (Podman) has no runtime-spec field and is noted (I004). Without `label`
//! options nothing is written.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::service::security_opt::LabelOpt;
use crate::trace::{codes, Source};

/// container-selinux's defaults (`lxc_contexts`): the process and file contexts.
const PROCESS: [&str; 4] = ["system_u", "system_r", "container_t", "s0"];
const FILE: [&str; 4] = ["system_u", "object_r", "container_file_t", "s0"];

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let opts = cx.security_opts()?;
    let labels: Vec<(&LabelOpt, &str)> = opts.labels().collect();
    if labels.iter().any(|(l, _)| **l == LabelOpt::Disable) {
        return Ok(());
    }
    if let Some((_, field)) = labels.iter().find(|(l, _)| **l == LabelOpt::Nested) {
        d.info(
            codes::FIELD_NOT_APPLIED,
            "`label=nested` is not applied: the runtime spec has no field for it",
            Some(field.to_string()),
        );
    }
    let parts: Vec<&(&LabelOpt, &str)> = labels
        .iter()
        .filter(|(l, _)| !matches!(l, LabelOpt::Nested))
        .collect();
    let Some((_, first)) = parts.first() else {
        return Ok(());
    };
    if !cx.host.lsm(first)?.selinux {
        return Err(Error::unsatisfiable(
            *first,
            "an SELinux label needs SELinux, and host fact `lsm.selinux` says this host does \
             not run it; remove the label options or render for an SELinux host",
        ));
    }
    let (mut process, mut file) = (PROCESS.map(String::from), FILE.map(String::from));
    let (mut process_src, mut file_src) = (Vec::new(), Vec::new());
    for (label, field) in &parts {
        // Which part of which label this option replaces: (process part, file part).
        let (in_process, in_file, value) = match label {
            LabelOpt::User(v) => (Some(0), None, v),
            LabelOpt::Role(v) => (Some(1), None, v),
            LabelOpt::Type(v) => (Some(2), None, v),
            LabelOpt::FileType(v) => (None, Some(2), v),
            LabelOpt::Level(v) => (Some(3), Some(3), v),
            LabelOpt::Disable | LabelOpt::Nested => continue,
        };
        if let Some(i) = in_process {
            process[i] = value.clone();
            process_src.push(Source::input(field.to_string()));
        }
        if let Some(i) = in_file {
            file[i] = value.clone();
            file_src.push(Source::input(field.to_string()));
        }
    }
    // The defaults first, then the options that replaced parts of them, then the fact that
    // allowed writing a label at all.
    let with_defaults = |name: &str, mut v: Vec<Source>| {
        v.insert(0, Source::default(name.to_string()));
        v.push(Source::fact("lsm"));
        v
    };
    d.set_selinux_label(
        process.join(":"),
        with_defaults("container_selinux_process_label", process_src),
    );
    d.set_mount_label(
        file.join(":"),
        with_defaults("container_selinux_file_label", file_src),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{fixture, Fixture};
    use crate::snapshot::LsmFacts;

    fn selinux_host(body: &str) -> Fixture {
        let mut f = fixture(body);
        f.snapshot.lsm = Some(LsmFacts {
            apparmor: false,
            selinux: true,
        });
        f
    }

    fn labels(f: &Fixture) -> (Option<String>, Option<String>) {
        let d = f.run(apply).unwrap();
        (d.selinux_label.clone(), d.mount_label.clone())
    }

    #[test]
    fn parts_replace_the_container_selinux_defaults() {
        let got = labels(&selinux_host(
            "    security_opt: [\"label=type:svirt_apache_t\", \"label=level:s0:c1,c2\"]\n",
        ));
        assert_eq!(
            got,
            (
                Some("system_u:system_r:svirt_apache_t:s0:c1,c2".into()),
                Some("system_u:object_r:container_file_t:s0:c1,c2".into())
            )
        );
        let got = labels(&selinux_host(
            "    security_opt: [\"label=filetype:my_file_t\"]\n",
        ));
        assert_eq!(got.1.as_deref(), Some("system_u:object_r:my_file_t:s0"));
        assert_eq!(labels(&selinux_host("")), (None, None));
        assert_eq!(
            labels(&selinux_host("    security_opt: [label=disable]\n")),
            (None, None)
        );
    }

    #[test]
    fn provenance_cites_defaults_options_and_the_fact() {
        let f = selinux_host("    security_opt: [\"label=user:u\", \"label=level:s1\"]\n");
        let d = f.run(apply).unwrap();
        let of = |t: &str| {
            d.trace()
                .sources_of(t)
                .map(|e| e.source.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of("process.selinuxLabel"),
            [
                Source::default("container_selinux_process_label"),
                Source::input("services.web.security_opt[0]"),
                Source::input("services.web.security_opt[1]"),
                Source::fact("lsm"),
            ]
        );
        assert_eq!(
            of("linux.mountLabel"),
            [
                Source::default("container_selinux_file_label"),
                Source::input("services.web.security_opt[1]"),
                Source::fact("lsm"),
            ]
        );
    }

    #[test]
    fn refused_without_selinux_and_nested_is_noted() {
        let mut f = selinux_host("    security_opt: [label=nested, \"label=role:r\"]\n");
        f.snapshot.lsm = Some(LsmFacts::default());
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.field(), Some("services.web.security_opt[1]"));
        assert!(err.to_string().contains("lsm.selinux"), "{err}");

        let d = selinux_host("    security_opt: [label=nested]\n")
            .run(apply)
            .unwrap();
        assert!(d.selinux_label.is_none());
        assert_eq!(d.diagnostics()[0].code, codes::FIELD_NOT_APPLIED);
        // label=disable needs no fact at all.
        let mut f = fixture("    security_opt: [label=disable]\n");
        f.snapshot.snapshot_version = 1;
        assert!(f.run(apply).is_ok());
    }
}
