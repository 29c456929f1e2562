//! Pass `cgroups`: `linux.cgroupsPath` (seed §4), computed only: rendering never creates a
//! cgroup or moves a process (fixes seed §6 bug 8; the host adapter prepares the parent).
//!
//! The parent is chosen, first match wins:
//! 1. the service's `cgroup_parent`;
//! 2. the agent's `cgroup_parent` render option;
//! 3. the nested leaf `<own_path>/containers`, when the agent is not at the cgroup root
//!    (`snapshot.cgroup.own_path` is not `/`), by [`crate::cgroup_leaf::nested_parent`]: on
//!    v2 a trailing `/init` is stripped first (the agent moved itself into `<scope>/init`);
//!    on v1 and hybrid `own_path` is the memory controller's path and is used as is (runc's
//!    cgroupfs driver creates that same relative path in every v1 hierarchy it joins).
//!    On v2, once moved, the parent `<scope>/containers` is a sibling of the agent's cgroup:
//!    creating it needs the scope writable (`cgroup.parent_writable`), else an error naming
//!    the ways out. Not moved yet, the agent's own cgroup has processes and v2 will not enable
//!    controllers below it: warning W014 gives the one command that moves it (what
//!    `ocigen bundle --cgroup-leaf` runs; agents call `ocigen_host::cgroup_leaf` at start-up);
//! 4. no parent and no path when the agent may write the cgroup root (the runtime chooses);
//! 5. otherwise an error naming the three ways out.
//!
//! Rootless, a parent outside the parent of the agent's own cgroup (its delegated subtree)
//! gets warning W012.
//!
//! Then `cgroupsPath = <parent without trailing '/'>/<container id display>` (cgroupfs form).
//! An empty `cgroup_parent` counts as unset (seed). A parent with a `..` component or a `:`
//! (systemd `slice:prefix:name` form, which a cgroupfs leaf cannot be appended to) is refused.

use crate::cgroup_leaf::{leaf_command, nested_parent, unmoved_scope};
use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::rootless;
use crate::snapshot::CgroupLayout;
use crate::trace::{codes, Source};

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let Some((parent, source)) = parent(cx)? else {
        return Ok(());
    };
    // Rootless with no writable cgroup, a cgroupsPath makes runc fail at start (mkdir:
    // permission denied): leave it out, so runc keeps the container in the agent's cgroup.
    if !rootless::cgroup_writable(&cx.host) {
        unwritable(cx, d, &source)?;
        return Ok(());
    }
    if source == Source::fact("cgroup.own_path") {
        nested_v2(cx, d, &parent)?;
    }
    delegation_warning(cx, d, &parent, &source);
    let path = format!(
        "{}/{}",
        parent.trim_end_matches('/'),
        cx.options.container_id
    );
    d.set_cgroups_path(path, source);
    Ok(())
}

/// No cgroupsPath for a rootless agent that may write no cgroup. A parent the service or the
/// agent asked for explicitly cannot be honoured: W013 naming it (an error when strict).
fn unwritable(cx: &Context<'_>, d: &mut Draft, source: &Source) -> Result<()> {
    let field = match source {
        Source::Option { .. } => "options.cgroup_parent".to_string(),
        Source::Input { .. } => cx.service.field("cgroup_parent"),
        _ => return Ok(()),
    };
    let why = rootless::no_cgroup_reason(&cx.host);
    if cx.options.strict {
        return Err(Error::unsatisfiable(
            field,
            format!("this host cannot apply it: {why} (render option `strict`)"),
        ));
    }
    d.warn(
        codes::LIMIT_NOT_APPLIED,
        format!("`{field}` is left out, and with it linux.cgroupsPath: {why}"),
        Some(field),
    );
    Ok(())
}

/// The nested v2 leaf: W014 while the agent has not moved into `<scope>/init`; once it has,
/// the scope must be writable to hold `<scope>/containers`.
fn nested_v2(cx: &Context<'_>, d: &mut Draft, parent: &str) -> Result<()> {
    let cg = cx.host.cgroup();
    if cg.layout != CgroupLayout::V2 {
        return Ok(());
    }
    let field = cx.service.field("cgroup_parent");
    if let Some(scope) = unmoved_scope(cg.layout, &cg.own_path) {
        d.warn(
            codes::CGROUP_AGENT_NOT_IN_LEAF,
            format!(
                "cgroup v2: the agent itself is in {scope}, and v2 enables no controllers below a cgroup that has processes, \
                 so limits in {parent} would fail; move the agent into {scope}/init first \
                 (`ocigen bundle --cgroup-leaf`, or at agent start-up ocigen_host::cgroup_leaf), or run: {}",
                leaf_command(&scope)
            ),
            Some(field),
        );
        return Ok(());
    }
    if cx.host.unreadable("cgroup.parent_writable") {
        return Err(cx.host.missing("cgroup.parent_writable", &field));
    }
    if !cg.parent_writable {
        let scope = parent.strip_suffix("/containers").unwrap_or(parent);
        return Err(Error::unsatisfiable(
            field.clone(),
            format!(
                "the containers' parent {parent} cannot be created: the agent may not write {scope} (host fact cgroup.parent_writable); \
                 set {field}, pass the render option `cgroup_parent` (ocigen --cgroup-parent), or delegate {scope} to the agent"
            ),
        ));
    }
    Ok(())
}

/// Rootless, the runtime can create cgroups only in the subtree delegated to the agent's user,
/// taken here as the parent of the agent's own cgroup; warn (W012) when `parent` is elsewhere.
/// Nothing is said when the agent's own cgroup is unknown: this is advice, not a refusal.
fn delegation_warning(cx: &Context<'_>, d: &mut Draft, parent: &str, source: &Source) {
    let host = &cx.host;
    let own = host.cgroup().own_path.trim().trim_end_matches('/');
    if !host.rootless() || own.is_empty() || host.unreadable("cgroup.own_path") {
        return;
    }
    let delegated = own.rsplit_once('/').map_or("", |(up, _)| up);
    let parent = parent.trim_end_matches('/');
    let inside = delegated.is_empty()
        || parent == delegated
        || parent
            .strip_prefix(delegated)
            .is_some_and(|rest| rest.starts_with('/'));
    if inside {
        return;
    }
    let field = match source {
        Source::Option { .. } => "options.cgroup_parent".to_string(),
        _ => cx.service.field("cgroup_parent"),
    };
    d.warn(
        codes::CGROUP_OUTSIDE_DELEGATION,
        format!(
            "cgroup parent {parent} is outside {delegated}, the subtree delegated to this rootless agent \
             (the parent of its own cgroup {own}); a rootless runtime can only create cgroups there"
        ),
        Some(field),
    );
}

/// The parent cgroup and where it came from; `None` leaves the choice to the runtime.
fn parent(cx: &Context<'_>) -> Result<Option<(String, Source)>> {
    let service_field = cx.service.field("cgroup_parent");
    if let Some(p) = cx
        .service
        .spec
        .cgroup_parent
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        check_parent(p, &service_field)?;
        return Ok(Some((p.to_string(), Source::input(service_field))));
    }
    if let Some(p) = cx
        .options
        .cgroup_parent
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        check_parent(p, "options.cgroup_parent")?;
        return Ok(Some((p.to_string(), Source::option("cgroup_parent"))));
    }
    let host = &cx.host;
    let cg = host.cgroup();
    if host.unreadable("cgroup.own_path") {
        return Err(host.missing("cgroup.own_path", &service_field));
    }
    if let Some(leaf) = nested_parent(cg.layout, &cg.own_path) {
        return Ok(Some((leaf, Source::fact("cgroup.own_path"))));
    }
    if host.unreadable("cgroup.root_writable") {
        return Err(host.missing("cgroup.root_writable", &service_field));
    }
    if cg.root_writable {
        return Ok(None);
    }
    Err(Error::unsatisfiable(
        service_field.clone(),
        format!(
            "no writable cgroup parent for container {id}: the agent sits at the cgroup root and cannot write it; \
             set {service_field}, pass the render option `cgroup_parent` (ocigen --cgroup-parent), \
             or make the cgroup root writable for the agent",
            id = cx.options.container_id,
        ),
    ))
}

fn check_parent(p: &str, field: &str) -> Result<()> {
    if p.contains(':') || p.split('/').any(|c| c == "..") {
        return Err(Error::invalid(
            field,
            "a cgroupfs path like /zlayer or /system.slice/zlayer.service/containers (no `..`, no systemd `slice:prefix:name` form)",
            format!("{p:?}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{err_text, web, Fixture};
    use crate::snapshot::CgroupLayout;

    fn path(f: &Fixture) -> Option<String> {
        f.draft(apply).unwrap().cgroups_path.clone()
    }

    fn source(f: &Fixture) -> Option<Source> {
        f.draft(apply)
            .unwrap()
            .trace()
            .last_for("linux.cgroupsPath")
            .map(|e| e.source.clone())
    }

    /// Agent at the root of a v2 host whose root it cannot write.
    fn at_root(body: &str) -> Fixture {
        let mut f = web(body);
        f.snapshot.cgroup.own_path = "/".into();
        f
    }

    #[test]
    fn service_parent_wins() {
        let mut f = at_root("cgroup_parent: /zlayer/");
        f.options.cgroup_parent = Some("/agent".into());
        f.snapshot.cgroup.own_path = "/process_api/abc".into();
        assert_eq!(path(&f).as_deref(), Some("/zlayer/web-rep-0"));
        assert_eq!(
            source(&f),
            Some(Source::input("services.web.cgroup_parent"))
        );
    }

    #[test]
    fn option_parent_next() {
        let mut f = at_root("");
        f.options.cgroup_parent = Some("/agent".into());
        f.options.container_id.replica = 3;
        f.snapshot.cgroup.own_path = "/process_api/abc".into();
        assert_eq!(path(&f).as_deref(), Some("/agent/web-rep-3"));
        assert_eq!(source(&f), Some(Source::option("cgroup_parent")));
        // an empty service value counts as unset
        let mut f = at_root("cgroup_parent: \"\"");
        f.options.cgroup_parent = Some("/".into());
        assert_eq!(path(&f).as_deref(), Some("/web-rep-0"));
    }

    #[test]
    fn nested_leaf_from_own_path() {
        let mut f = at_root("");
        f.snapshot.cgroup.own_path = "/process_api/abc".into();
        assert_eq!(
            path(&f).as_deref(),
            Some("/process_api/abc/containers/web-rep-0")
        );
        assert_eq!(source(&f), Some(Source::fact("cgroup.own_path")));
        // v2: an agent already in <scope>/init puts containers beside it
        f.snapshot.cgroup.own_path = "/system.slice/zlayer.service/init".into();
        f.snapshot.cgroup.parent_writable = true;
        assert_eq!(
            path(&f).as_deref(),
            Some("/system.slice/zlayer.service/containers/web-rep-0")
        );
        // v1/hybrid: the memory controller's path, used as is
        f.snapshot.cgroup.layout = CgroupLayout::Hybrid;
        assert_eq!(
            path(&f).as_deref(),
            Some("/system.slice/zlayer.service/init/containers/web-rep-0")
        );
    }

    #[test]
    fn nested_v2_agent_not_in_its_leaf_is_warned_with_the_command() {
        let mut f = at_root("");
        f.snapshot.cgroup.own_path = "/process_api/abc".into();
        let d = f.draft(apply).unwrap();
        let w = &d.diagnostics()[0];
        assert_eq!(w.code, codes::CGROUP_AGENT_NOT_IN_LEAF);
        assert_eq!(w.field.as_deref(), Some("services.web.cgroup_parent"));
        assert!(
            w.message.contains("ocigen bundle --cgroup-leaf"),
            "{}",
            w.message
        );
        assert!(
            w.message
                .contains("mkdir -p /sys/fs/cgroup/process_api/abc/init"),
            "{}",
            w.message
        );
        // v1 and hybrid have no such rule; an agent in <scope>/init is fine.
        f.snapshot.cgroup.layout = CgroupLayout::Hybrid;
        assert!(f.draft(apply).unwrap().diagnostics().is_empty());
        f.snapshot.cgroup.layout = CgroupLayout::V2;
        f.snapshot.cgroup.own_path = "/process_api/abc/init".into();
        f.snapshot.cgroup.parent_writable = true;
        assert!(f.draft(apply).unwrap().diagnostics().is_empty());
        // ... unless the scope that holds the containers' parent is not writable.
        f.snapshot.cgroup.parent_writable = false;
        let e = err_text(f.draft(apply));
        assert!(
            e.contains("the containers' parent /process_api/abc/containers cannot be created"),
            "{e}"
        );
        assert!(e.contains("delegate /process_api/abc to the agent"), "{e}");
        // A parent the service or agent chose is theirs to prepare.
        f.options.cgroup_parent = Some("/agent".into());
        assert!(f.draft(apply).is_ok());
    }

    #[test]
    fn root_writable_leaves_path_unset() {
        let mut f = at_root("");
        f.snapshot.cgroup.root_writable = true;
        let d = f.draft(apply).unwrap();
        assert_eq!(d.cgroups_path, None);
        assert!(d.trace().last_for("linux.cgroupsPath").is_none());
    }

    #[test]
    fn neither_is_an_error_naming_three_fixes() {
        let e = err_text(at_root("").draft(apply));
        assert!(
            e.starts_with(
                "services.web.cgroup_parent: no writable cgroup parent for container web-rep-0"
            ),
            "{e}"
        );
        assert!(e.contains("set services.web.cgroup_parent"), "{e}");
        assert!(
            e.contains("pass the render option `cgroup_parent` (ocigen --cgroup-parent)"),
            "{e}"
        );
        assert!(e.contains("make the cgroup root writable"), "{e}");
        // an empty own_path (not nested) is the same case
        let mut f = at_root("");
        f.snapshot.cgroup.own_path.clear();
        assert!(err_text(f.draft(apply)).contains("no writable cgroup parent"));
    }

    #[test]
    fn bad_parents_are_refused() {
        // The file check refuses it first; the pass refuses it too, for services built in code.
        let mut f = at_root("");
        f.service.spec.cgroup_parent = Some("system.slice:zlayer:x".into());
        let e = err_text(f.draft(apply));
        assert!(
            e.starts_with("services.web.cgroup_parent: expected a cgroupfs path"),
            "{e}"
        );
        let mut f = at_root("");
        f.options.cgroup_parent = Some("/a/../b".into());
        assert!(
            err_text(f.draft(apply)).starts_with("options.cgroup_parent: expected a cgroupfs path")
        );
    }

    #[test]
    fn unreadable_own_path_is_a_missing_fact() {
        let mut f = at_root("");
        f.snapshot
            .unreadable
            .insert("cgroup.own_path".into(), "no /proc/self/cgroup".into());
        assert!(err_text(f.draft(apply)).contains("needs host fact `cgroup.own_path`"));
    }

    /// The warnings other than W014 (tested on its own).
    fn warnings(f: &Fixture) -> Vec<(String, Option<String>)> {
        f.draft(apply)
            .unwrap()
            .diagnostics()
            .iter()
            .filter(|x| x.code != codes::CGROUP_AGENT_NOT_IN_LEAF)
            .map(|x| (x.code.clone(), x.field.clone()))
            .collect()
    }

    /// A rootless agent in its user manager's delegated subtree.
    fn rootless(body: &str) -> Fixture {
        let mut f = web(body);
        f.snapshot.user.euid = 1000;
        f.snapshot.cgroup.own_path =
            "/user.slice/user-1000.slice/user@1000.service/app.slice/zlayer.service".into();
        // The user manager delegates app.slice: the runtime may create cgroups there.
        f.snapshot.cgroup.parent_writable = true;
        f
    }

    #[test]
    fn rootless_parent_outside_delegation_is_warned() {
        // The nested leaf is always inside.
        assert!(warnings(&rootless("")).is_empty());
        // A sibling of the agent's cgroup is inside too.
        let inside = "/user.slice/user-1000.slice/user@1000.service/app.slice/ctr";
        assert!(warnings(&rootless(&format!("cgroup_parent: {inside}"))).is_empty());
        assert_eq!(
            warnings(&rootless("cgroup_parent: /zlayer")),
            [(
                codes::CGROUP_OUTSIDE_DELEGATION.to_string(),
                Some("services.web.cgroup_parent".to_string())
            )]
        );
        // A name that merely starts like the delegated path is not inside it.
        let mut f = rootless("");
        f.options.cgroup_parent =
            Some("/user.slice/user-1000.slice/user@1000.service/app.slice-x".into());
        assert_eq!(
            warnings(&f),
            [(
                codes::CGROUP_OUTSIDE_DELEGATION.to_string(),
                Some("options.cgroup_parent".to_string())
            )]
        );
        // Rootful agents may write anywhere: no warning.
        let mut f = rootless("cgroup_parent: /zlayer");
        f.snapshot.user.euid = 0;
        assert!(warnings(&f).is_empty());
    }
}
