//! Pass `namespaces`: `linux.namespaces` and, rootless, `linux.uidMappings`/`gidMappings`
//! (seed §1.5 step 10).
//!
//! - uts and mount always (UTS is kept with the host network, as the seed does, so the
//!   hostname stays the container's own).
//! - pid, ipc and network follow the service's modes ([`crate::ns_modes`], Docker's meanings):
//!   a private namespace by default, none for `host`, and for `container:<id>` that
//!   container's namespace, joined by the path the agent passes in the render option
//!   `container_namespaces.<id>.<type>` (an error naming the option when absent).
//!   `network_mode: none` is a private namespace like the default: runc brings up only `lo`,
//!   and the agent attaches no network to it.
//! - `userns_mode`: `host` (Docker's one value) keeps the host's user namespace, which a
//!   rootful container has anyway; rootless it cannot work and is an error naming the field
//!   and the agent's uid.
//! - rootless (agent euid != 0): user and cgroup too, and id maps:
//!   container 0 -> the agent's euid/egid (size 1), container 1.. -> the first subuid/subgid
//!   range of the agent's user. That is exactly what runc needs for rootless (host-facts,
//!   host 2). Rootful containers share the host cgroup namespace, as the seed. A rootless
//!   container cannot mount /proc or mqueue in the host's pid or ipc namespace, nor join
//!   another container's namespaces without its user namespace: those are errors.
//!
//! Fixes seed §6 bug 7: an image user (uid, gid or an additional gid) outside the mapped range
//! is an error here, naming the field it came from, instead of a container that fails to start.
//! A subid file the probe could not read is a missing fact, never "no range".

use oci_spec::runtime::{LinuxIdMapping, LinuxIdMappingBuilder, LinuxNamespaceType};

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::field::namespace_name;
use crate::inputs::{Context, Host, IdKind};
use crate::ns_modes::{self, Mode, Share};
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let defaults = Source::default("default_namespaces");
    let rootless = cx.host.rootless();
    let modes = [
        (LinuxNamespaceType::Pid, ns_modes::pid(cx)?),
        (LinuxNamespaceType::Ipc, ns_modes::ipc(cx)?),
    ];
    for (typ, mode) in &modes {
        namespace(cx, d, *typ, mode, rootless)?;
    }
    d.add_namespace(LinuxNamespaceType::Uts, defaults.clone());
    d.add_namespace(LinuxNamespaceType::Mount, defaults);
    let network = ns_modes::network(cx)?;
    namespace(cx, d, LinuxNamespaceType::Network, &network, rootless)?;
    userns_mode(cx, rootless)?;
    if rootless {
        let why = Source::fact("user.euid");
        d.add_namespace(LinuxNamespaceType::User, why.clone());
        d.add_namespace(LinuxNamespaceType::Cgroup, why);
        id_mappings(cx, d)?;
    }
    Ok(())
}

/// Create, skip (host) or join one namespace as `mode` says.
fn namespace(
    cx: &Context<'_>,
    d: &mut Draft,
    typ: LinuxNamespaceType,
    mode: &Mode,
    rootless: bool,
) -> Result<()> {
    let name = namespace_name(typ);
    let field = mode.field.clone().unwrap_or_default();
    let mut sources = vec![mode
        .source
        .clone()
        .unwrap_or_else(|| Source::default("default_namespaces"))];
    match &mode.share {
        Share::Private => d.add_namespace(typ, sources),
        // The host network works rootless (runc keeps /sys as is); /proc and mqueue do not.
        Share::Host if rootless && typ != LinuxNamespaceType::Network => {
            return Err(rootless_error(
                cx,
                &field,
                format!("the host's {name} namespace"),
            ))
        }
        Share::Host => {}
        Share::Container(id) => {
            if rootless {
                return Err(rootless_error(
                    cx,
                    &field,
                    format!("container `{id}`'s {name} namespace (it lives in that container's user namespace)"),
                ));
            }
            let path = ns_modes::joined_path(cx, id, name, &field)?.to_string();
            sources.push(Source::option(format!("container_namespaces.{id}.{name}")));
            d.join_namespace(typ, path, sources);
        }
    }
    Ok(())
}

fn rootless_error(cx: &Context<'_>, field: &str, what: String) -> Error {
    Error::unsatisfiable(
        field,
        format!(
            "a rootless agent (host fact user.euid = {}) cannot give its container {what}: run the agent as root or leave the mode unset",
            cx.host.user().euid
        ),
    )
}

/// `userns_mode`: `host` or unset; rootless, `host` is impossible (runc needs a user namespace).
fn userns_mode(cx: &Context<'_>, rootless: bool) -> Result<()> {
    let Some(text) = cx
        .service
        .spec
        .userns_mode
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return Ok(());
    };
    let field = cx.service.field("userns_mode");
    if text != "host" {
        return Err(Error::invalid(
            field,
            "`host` (Docker's only --userns value)",
            format!("`{text}`"),
        ));
    }
    if rootless {
        return Err(rootless_error(
            cx,
            &field,
            "the host's user namespace".into(),
        ));
    }
    Ok(())
}

fn id_name(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Uid => "uid",
        IdKind::Gid => "gid",
    }
}

fn agent_id(host: &Host<'_>, kind: IdKind) -> u32 {
    match kind {
        IdKind::Uid => host.user().euid,
        IdKind::Gid => host.user().egid,
    }
}

fn id_mappings(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let uid_field = user_field(d, "process.user.uid");
    let gid_field = user_field(d, "process.user.gid");
    let uids = mappings(&cx.host, IdKind::Uid, &uid_field)?;
    let gids = mappings(&cx.host, IdKind::Gid, &gid_field)?;
    check_mapped(&cx.host, IdKind::Uid, d.process.uid, &uids, &uid_field)?;
    check_mapped(&cx.host, IdKind::Gid, d.process.gid, &gids, &gid_field)?;
    let extra_field = user_field(d, "process.user.additionalGids");
    for gid in &d.process.additional_gids {
        check_mapped(&cx.host, IdKind::Gid, *gid, &gids, &extra_field)?;
    }
    d.set_id_mappings(uids, Source::fact("subuid"), gids, Source::fact("subgid"));
    Ok(())
}

/// Container 0 -> agent id, then container 1.. -> the first subordinate range (if any).
fn mappings(host: &Host<'_>, kind: IdKind, field: &str) -> Result<Vec<LinuxIdMapping>> {
    let mut maps = vec![id_map(0, agent_id(host, kind), 1)?];
    // Without newuidmap/newgidmap (when the probe recorded it) runc can write only the map of
    // the user's own id: container id 0 alone exists, and the range check below says so.
    let tools = host.user().id_map_tools;
    let helper = tools.map(|t| match kind {
        IdKind::Uid => t.newuidmap,
        IdKind::Gid => t.newgidmap,
    });
    if helper == Some(false) {
        return Ok(maps);
    }
    // An unreadable subid file is a missing fact (the range may well exist): `subids` says so.
    // No range for the agent's user: only container id 0 exists.
    if let Some(r) = host.subids(kind, field)?.first().filter(|r| r.count > 0) {
        maps.push(id_map(1, r.start, r.count)?);
    }
    Ok(maps)
}

fn id_map(container_id: u32, host_id: u32, size: u32) -> Result<LinuxIdMapping> {
    Ok(LinuxIdMappingBuilder::default()
        .container_id(container_id)
        .host_id(host_id)
        .size(size)
        .build()?)
}

fn check_mapped(
    host: &Host<'_>,
    kind: IdKind,
    id: u32,
    maps: &[LinuxIdMapping],
    field: &str,
) -> Result<()> {
    let covered = maps.iter().any(|m| {
        let start = u64::from(m.container_id());
        (start..start + u64::from(m.size())).contains(&u64::from(id))
    });
    if covered {
        return Ok(());
    }
    let mapped = maps
        .iter()
        .map(|m| match m.size() {
            1 => m.container_id().to_string(),
            n => format!(
                "{}-{}",
                m.container_id(),
                u64::from(m.container_id()) + u64::from(n) - 1
            ),
        })
        .collect::<Vec<_>>()
        .join(" and ");
    let user = host
        .user()
        .name
        .clone()
        .unwrap_or_else(|| agent_id(host, kind).to_string());
    Err(Error::unsatisfiable(
        field,
        format!(
            "the container runs as {name} {id}, but this rootless agent (euid {euid}) maps only container {name}s {mapped}; \
             give user {user} a range of at least {need} ids in /etc/{fact} and re-probe, or run the image as a mapped {name}",
            name = id_name(kind),
            euid = host.user().euid,
            need = u64::from(id),
            fact = kind.fact(),
        ),
    ))
}

/// The input field the process user came from, for error messages: the field the `user`
/// pass kept with the ids (a service field, or `image.User`), else the output field `target`.
fn user_field(d: &Draft, target: &str) -> String {
    match &d.process.user_origin {
        Some(Source::Input { field }) => field.to_string(),
        Some(Source::Image { field }) => format!("image.{field}"),
        _ => target.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{err_text, web};
    use crate::snapshot::SubIdRange;

    fn names(d: &Draft) -> Vec<LinuxNamespaceType> {
        d.namespaces.clone()
    }

    fn range(start: u32, count: u32) -> Vec<SubIdRange> {
        vec![SubIdRange {
            owner: "alice".into(),
            start,
            count,
        }]
    }

    /// A rootless agent (uid 1000) with the usual 65536-id ranges.
    fn rootless(body: &str) -> crate::passes::fixture::Fixture {
        let mut f = web(body);
        f.snapshot.user.euid = 1000;
        f.snapshot.user.egid = 1001;
        f.snapshot.user.name = Some("alice".into());
        f.snapshot.subuid = range(100_000, 65_536);
        f.snapshot.subgid = range(200_000, 65_536);
        f
    }

    fn map(d: &[LinuxIdMapping]) -> Vec<(u32, u32, u32)> {
        d.iter()
            .map(|m| (m.container_id(), m.host_id(), m.size()))
            .collect()
    }

    #[test]
    fn rootful_defaults_include_network_not_user() {
        use LinuxNamespaceType::*;
        let d = web("").draft(apply).unwrap();
        assert_eq!(names(&d), vec![Pid, Ipc, Uts, Mount, Network]);
        assert!(d.uid_mappings.is_empty());
        assert_eq!(
            d.trace()
                .last_for("linux.namespaces.network")
                .map(|e| &e.source),
            Some(&Source::default("default_namespaces"))
        );
    }

    #[test]
    fn host_network_from_service_or_option() {
        use LinuxNamespaceType::*;
        for body in ["host_network: true", "network_mode: host"] {
            let d = web(body).draft(apply).unwrap();
            assert_eq!(names(&d), vec![Pid, Ipc, Uts, Mount], "{body}");
        }
        let mut f = web("");
        f.options.host_network = true;
        assert!(!f.draft(apply).unwrap().namespaces.contains(&Network));
    }

    fn paths(d: &Draft) -> Vec<(LinuxNamespaceType, String)> {
        d.namespace_paths.clone()
    }

    #[test]
    fn pid_and_ipc_host_leave_their_namespace_out() {
        use LinuxNamespaceType::*;
        let d = web("pid_mode: host\nipc_mode: host").draft(apply).unwrap();
        assert_eq!(names(&d), vec![Uts, Mount, Network]);
        let d = web("network_mode: none\nipc_mode: none")
            .draft(apply)
            .unwrap();
        assert_eq!(names(&d), vec![Pid, Ipc, Uts, Mount, Network]);
        // The mode chose the namespace, so it is cited.
        assert_eq!(
            d.trace()
                .last_for("linux.namespaces.network")
                .map(|e| &e.source),
            Some(&Source::input("services.web.network_mode"))
        );
    }

    #[test]
    fn container_modes_join_by_the_agents_paths() {
        use LinuxNamespaceType::*;
        let mut f = web("network_mode: container:db\npid_mode: container:db");
        let e = err_text(f.draft(apply));
        assert!(
            e.starts_with("services.web.pid_mode: cannot be satisfied")
                || e.contains("render option `container_namespaces.db.pid`"),
            "{e}"
        );
        assert!(e.contains("/proc/<its pid>/ns/pid"), "{e}");
        let ns = f
            .options
            .container_namespaces
            .entry("db".into())
            .or_default();
        ns.insert("pid".into(), "/proc/42/ns/pid".into());
        ns.insert("network".into(), "/proc/42/ns/net".into());
        let d = f.draft(apply).unwrap();
        assert_eq!(names(&d), vec![Pid, Ipc, Uts, Mount, Network]);
        assert_eq!(
            paths(&d),
            vec![
                (Pid, "/proc/42/ns/pid".to_string()),
                (Network, "/proc/42/ns/net".to_string())
            ]
        );
        assert_eq!(
            d.trace()
                .sources_of("linux.namespaces.network")
                .map(|e| e.source.clone())
                .collect::<Vec<_>>(),
            [
                Source::input("services.web.network_mode"),
                Source::option("container_namespaces.db.network")
            ]
        );
        f.options
            .container_namespaces
            .get_mut("db")
            .map(|m| m.insert("pid".into(), "proc/42".into()));
        assert!(err_text(f.draft(apply)).starts_with("options.container_namespaces.db.pid:"));
    }

    #[test]
    fn rootless_cannot_share_host_pid_ipc_or_user_namespaces() {
        for (body, field) in [
            ("pid_mode: host", "services.web.pid_mode"),
            ("ipc_mode: host", "services.web.ipc_mode"),
            ("userns_mode: host", "services.web.userns_mode"),
            ("ipc_mode: container:db", "services.web.ipc_mode"),
        ] {
            let e = err_text(rootless(body).draft(apply));
            assert!(e.starts_with(field), "{body}: {e}");
            assert!(e.contains("host fact user.euid = 1000"), "{body}: {e}");
        }
        // The host network is fine rootless; so is userns_mode: host rootful.
        assert!(rootless("network_mode: host").draft(apply).is_ok());
        assert!(web("userns_mode: host").draft(apply).is_ok());
        let e = err_text(web("userns_mode: keep-id").draft(apply));
        assert!(
            e.starts_with("services.web.userns_mode: expected `host`"),
            "{e}"
        );
    }

    #[test]
    fn rootless_adds_user_cgroup_and_maps() {
        use LinuxNamespaceType::*;
        let d = rootless("").draft(apply).unwrap();
        assert_eq!(names(&d), vec![Pid, Ipc, Uts, Mount, Network, User, Cgroup]);
        assert_eq!(
            map(&d.uid_mappings),
            vec![(0, 1000, 1), (1, 100_000, 65_536)]
        );
        assert_eq!(
            map(&d.gid_mappings),
            vec![(0, 1001, 1), (1, 200_000, 65_536)]
        );
        assert_eq!(
            d.trace()
                .last_for("linux.namespaces.user")
                .map(|e| &e.source),
            Some(&Source::fact("user.euid"))
        );
        assert_eq!(
            d.trace().last_for("linux.uidMappings").map(|e| &e.source),
            Some(&Source::fact("subuid"))
        );
    }

    /// The user pass's origin for the default user: errors then name the output field.
    fn root() -> Source {
        Source::default("root_user")
    }

    #[test]
    fn rootless_user_inside_range_is_fine() {
        let f = rootless("");
        let mut d = Draft::default();
        d.set_user(65_536, 101, vec![], vec![], root()); // the last mapped id
        f.run_in(apply, &mut d).unwrap();
    }

    #[test]
    fn seed_bug_7_user_outside_subuid_range() {
        let f = rootless("");
        let mut d = Draft::default();
        d.set_user(70_000, 0, vec![], vec![], Source::image("User"));
        let e = err_text(f.run_in(apply, &mut d).map(|_| d));
        assert!(
            e.starts_with("image.User: the container runs as uid 70000"),
            "{e}"
        );
        assert!(e.contains("maps only container uids 0 and 1-65536"), "{e}");
        assert!(
            e.contains("give user alice a range of at least 70000 ids in /etc/subuid"),
            "{e}"
        );
    }

    #[test]
    fn seed_bug_7_no_subuid_maps_only_root() {
        let mut f = rootless("");
        f.snapshot.subuid.clear();
        f.snapshot.subgid.clear();
        let d = f.draft(apply).unwrap();
        assert_eq!(map(&d.uid_mappings), vec![(0, 1000, 1)]);
        // ... so any other user is refused up front.
        let mut d = Draft::default();
        d.set_user(1, 0, vec![], vec![], root());
        let e = err_text(f.run_in(apply, &mut d).map(|_| d));
        assert!(
            e.starts_with("process.user.uid: the container runs as uid 1"),
            "{e}"
        );
        assert!(e.contains("maps only container uids 0;"), "{e}");
    }

    #[test]
    fn gid_and_additional_gids_are_checked() {
        let f = rootless("");
        let mut d = Draft::default();
        d.set_user(0, 70_000, vec![], vec![], root());
        assert!(err_text(f.run_in(apply, &mut d).map(|_| d)).contains("runs as gid 70000"));
        let mut d = Draft::default();
        d.set_user(0, 0, vec![5, 100_000], vec![], root());
        let e = err_text(f.run_in(apply, &mut d).map(|_| d));
        assert!(
            e.starts_with("process.user.additionalGids: the container runs as gid 100000"),
            "{e}"
        );
    }

    #[test]
    fn unreadable_subuid_is_a_missing_fact() {
        let mut f = rootless("");
        f.snapshot.subuid.clear();
        f.snapshot
            .unreadable
            .insert("subuid".into(), "permission denied".into());
        let e = err_text(f.draft(apply));
        assert!(e.contains("needs host fact `subuid`"), "{e}");
        assert!(e.contains("permission denied"), "{e}");
    }
}
