//! Security invariants (issue 14) as properties over generated services, generated snapshots
//! and generated CDI specs, hostile values included. Whatever the inputs, a render either
//! fails with a coded error naming a field, or its config.json keeps every invariant below.
//! docs/security.md lists them.

mod gen;

use std::collections::BTreeSet;

use gen::{assemble, parts, scenario, Scenario, HOSTILE};
use ocigen_core::render_request;
use ocigen_core::validate::validate_config;
use ocigen_core::PolicyLevel;
use proptest::prelude::*;
use serde_json::{json, Value};

fn render(s: &Scenario) -> Value {
    serde_json::from_str(&render_request(&s.request)).expect("envelope JSON")
}

/// Whether `p` is an absolute path in normal form (no `.`, `..` or empty components).
fn clean_absolute(p: &str) -> bool {
    p == "/"
        || p.strip_prefix('/')
            .is_some_and(|rest| rest.split('/').all(|c| !matches!(c, "" | "." | "..")))
}

/// The snapshot's device nodes as (type, major, minor).
fn snapshot_nodes(s: &Scenario) -> BTreeSet<(String, i64, i64)> {
    let v: Value = serde_json::from_str(&s.request.snapshot_json).expect("json");
    v["devices"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, f)| f["state"] == "node")
        .filter_map(|(_, f)| {
            Some((
                f["type"].as_str()?.to_string(),
                f["major"].as_i64()?,
                f["minor"].as_i64()?,
            ))
        })
        .collect()
}

fn arr<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn codes(v: &Value) -> Vec<&str> {
    arr(v, "/diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect()
}

/// Run `check` on the config of a render that succeeded; a failed one must carry a code.
fn on_config(
    s: &Scenario,
    check: impl FnOnce(&Value, &Value) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let v = render(s);
    if v["ok"] == true {
        check(&v["config"], &v)
    } else {
        prop_assert!(
            v["error"]["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("E_")),
            "{}",
            v
        );
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// 1. Device rules allow only non-negative numbers, each equal to a snapshot node (or
    ///    one of the standard character devices every container gets).
    #[test]
    fn device_rules_only_for_snapshot_nodes(s in scenario()) {
        let nodes = snapshot_nodes(&s);
        let standard = [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2)];
        on_config(&s, |c, _| {
            for r in arr(c, "/linux/resources/devices").iter().filter(|r| r["allow"] == true) {
                let (Some(major), typ) = (r["major"].as_i64(), r["type"].as_str().unwrap_or("a")) else { continue };
                prop_assert!(major >= 0, "negative major: {}", r);
                match r["minor"].as_i64() {
                    Some(minor) => {
                        prop_assert!(minor >= 0, "negative minor: {}", r);
                        prop_assert!(standard.contains(&(major, minor)) || nodes.contains(&(typ.to_string(), major, minor)), "rule not a snapshot node: {}", r);
                    }
                    None => prop_assert_eq!((typ, major), ("c", 136), "a wildcard minor beyond /dev/pts: {}", r),
                }
            }
            Ok(())
        })?;
    }

    /// 2. Every device node in the config is a snapshot node and (rootful, unprivileged) has
    ///    its own exact allow rule.
    #[test]
    fn every_node_has_its_exact_rule(s in scenario()) {
        let nodes = snapshot_nodes(&s);
        on_config(&s, |c, _| {
            let rules = arr(c, "/linux/resources/devices");
            for n in arr(c, "/linux/devices") {
                let key = (n["type"].as_str().unwrap_or("").to_string(), n["major"].as_i64().unwrap_or(-1), n["minor"].as_i64().unwrap_or(-1));
                prop_assert!(nodes.contains(&key), "node not on the host: {}", n);
                if !s.rootless && !s.privileged {
                    prop_assert!(rules.iter().any(|r| r["allow"] == true && r["type"] == n["type"] && r["major"] == n["major"] && r["minor"] == n["minor"]), "no exact rule for {}", n);
                }
            }
            Ok(())
        })?;
    }

    /// 3. A snapshot with a device number outside the kernel's ranges never renders.
    #[test]
    fn hostile_device_numbers_never_render(s in scenario()) {
        let v = render(&s);
        if s.hostile_numbers {
            prop_assert_eq!(&v["ok"], &json!(false));
            prop_assert!(v["error"]["field"].as_str().is_some_and(|f| f.starts_with("devices./dev/fuse") || f.starts_with("services")), "{}", v["error"]);
        }
    }

    /// 4. No mount destination is relative or holds `.`, `..` or an empty component; every
    ///    bind source is absolute and normal too.
    #[test]
    fn mount_paths_are_absolute_and_normal(s in scenario()) {
        on_config(&s, |c, _| {
            for m in arr(c, "/mounts") {
                let dest = m["destination"].as_str().unwrap_or("");
                prop_assert!(clean_absolute(dest), "destination {}", dest);
                let bind = m["type"] == "bind" || arr(m, "/options").iter().any(|o| o == "rbind" || o == "bind");
                // Without a bundle dir, resolv.conf is relative to the bundle by design.
                let src = m["source"].as_str().unwrap_or("");
                if bind && src != "resolv.conf" {
                    prop_assert!(clean_absolute(src), "bind source {}", src);
                }
            }
            Ok(())
        })?;
    }

    /// 5. A loader variable from a CDI spec never reaches a container without P007.
    #[test]
    fn cdi_loader_variables_are_reported(s in scenario()) {
        on_config(&s, |c, v| {
            let env = arr(c, "/process/env");
            let hook_env = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
                .iter().flat_map(|st| arr(c, &format!("/hooks/{st}"))).flat_map(|h| arr(h, "/env")).collect::<Vec<_>>();
            // The CDI pool's loader values are unlike the service's own (`LD_PRELOAD: /x.so`).
            let from_cdi = env.iter().chain(hook_env).filter_map(Value::as_str)
                .any(|e| ["LD_PRELOAD=/tmp", "LD_LIBRARY_PATH=/opt", "LD_AUDIT="].iter().any(|p| e.starts_with(p)));
            if from_cdi {
                prop_assert!(codes(v).contains(&"P007_CDI_LOADER_ENV"), "loader variable from CDI without P007: {:?}", codes(v));
            }
            Ok(())
        })?;
    }

    /// 6. The hostname is an RFC 1123 name of at most 64 bytes.
    #[test]
    fn hostname_never_escapes(s in scenario()) {
        on_config(&s, |c, _| {
            let h = c["hostname"].as_str().unwrap_or("");
            prop_assert!(!h.is_empty() && h.len() <= 64, "hostname {}", h);
            prop_assert!(h.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')), "hostname {}", h);
            Ok(())
        })?;
    }

    /// 7. cgroupsPath, when set, is absolute and normal and ends with the container's leaf.
    #[test]
    fn cgroups_path_never_escapes(s in scenario()) {
        on_config(&s, |c, _| {
            if let Some(p) = c["linux"]["cgroupsPath"].as_str() {
                prop_assert!(clean_absolute(p), "cgroupsPath {}", p);
                let leaf = p.rsplit('/').next().unwrap_or("");
                prop_assert!(leaf.ends_with(&format!("-rep-{}", s.request.options.as_ref().map_or(1, |o| o.container_id.replica))), "leaf {}", leaf);
            }
            Ok(())
        })?;
    }

    /// 8. CAP_SYS_ADMIN only when asked for or privileged.
    #[test]
    fn sys_admin_only_when_asked(s in scenario()) {
        on_config(&s, |c, _| {
            let has = arr(c, "/process/capabilities/bounding").iter().any(|x| x == "CAP_SYS_ADMIN");
            if has {
                prop_assert!(s.privileged || s.cap_add.contains(&"SYS_ADMIN"), "CAP_SYS_ADMIN unasked");
            }
            Ok(())
        })?;
    }

    /// 9. Masked paths unless privileged or systempaths=unconfined.
    #[test]
    fn masked_paths_unless_privileged_or_unconfined(s in scenario()) {
        on_config(&s, |c, _| {
            let masked = arr(c, "/linux/maskedPaths").len();
            prop_assert_eq!(masked == 0, s.privileged || s.systempaths_unconfined, "masked {}", masked);
            Ok(())
        })?;
    }

    /// 10. A seccomp profile unless privileged or seccomp=unconfined.
    #[test]
    fn seccomp_unless_privileged_or_unconfined(s in scenario()) {
        on_config(&s, |c, _| {
            let has = c["linux"].get("seccomp").is_some();
            prop_assert_eq!(has, !s.privileged && !s.seccomp_unconfined);
            Ok(())
        })?;
    }

    /// 11. Every render output passes ocigen's own config validator.
    #[test]
    fn output_passes_validate(s in scenario()) {
        on_config(&s, |c, _| {
            let problems = validate_config(c);
            prop_assert!(problems.is_empty(), "{:?}", problems);
            Ok(())
        })?;
    }

    /// 12. The second render gives the same bytes.
    #[test]
    fn second_render_same_bytes(s in scenario()) {
        prop_assert_eq!(render_request(&s.request), render_request(&s.request));
    }

    /// 13. Env entries are `NAME=value` with a name free of `=` and control characters and
    ///     no NUL anywhere; the program is not empty.
    #[test]
    fn env_and_args_are_well_formed(s in scenario()) {
        on_config(&s, |c, _| {
            for e in arr(c, "/process/env").iter().filter_map(Value::as_str) {
                let (name, _) = e.split_once('=').unwrap_or(("", ""));
                prop_assert!(!name.is_empty() && !name.chars().any(char::is_control) && !e.contains('\0'), "env {:?}", e);
            }
            let args = arr(c, "/process/args");
            prop_assert!(args.first().and_then(Value::as_str).is_some_and(|a| !a.is_empty()), "args {:?}", args);
            Ok(())
        })?;
    }

    /// 14. Every hook path is absolute and normal (a hook runs on the host).
    #[test]
    fn hook_paths_are_absolute(s in scenario()) {
        on_config(&s, |c, _| {
            for hooks in c["hooks"].as_object().into_iter().flatten().map(|(_, h)| h) {
                for h in hooks.as_array().into_iter().flatten() {
                    let p = h["path"].as_str().unwrap_or("");
                    prop_assert!(clean_absolute(p), "hook path {}", p);
                }
            }
            Ok(())
        })?;
    }

    /// 15. Privileged and shared host namespaces never pass unreported (P008, P009).
    #[test]
    fn privileged_and_host_namespaces_are_reported(s in scenario()) {
        on_config(&s, |c, v| {
            if s.privileged {
                prop_assert!(codes(v).contains(&"P008_PRIVILEGED"));
            }
            let ns: Vec<&str> = arr(c, "/linux/namespaces").iter().filter_map(|n| n["type"].as_str()).collect();
            if !ns.contains(&"network") {
                prop_assert!(codes(v).contains(&"P009_HOST_NAMESPACE"));
            }
            Ok(())
        })?;
    }

    /// 16. Rootless: user namespace with id maps, and no device cgroup rules.
    #[test]
    fn rootless_gets_a_user_namespace_and_no_device_rules(s in scenario()) {
        on_config(&s, |c, _| {
            let ns: Vec<&str> = arr(c, "/linux/namespaces").iter().filter_map(|n| n["type"].as_str()).collect();
            prop_assert_eq!(ns.contains(&"user"), s.rootless);
            if s.rootless {
                prop_assert!(!arr(c, "/linux/uidMappings").is_empty());
                prop_assert!(arr(c, "/linux/resources/devices").is_empty());
            }
            Ok(())
        })?;
    }

    /// 17. Under `baseline`, a render that succeeds carries no finding of a baseline rule;
    ///     under `restricted`, none of any rule.
    #[test]
    fn policy_levels_refuse_what_they_name(s in scenario(), level in prop::sample::select(vec![PolicyLevel::Baseline, PolicyLevel::Restricted])) {
        let mut s = s;
        if let Some(o) = s.request.options.as_mut() { o.policy = level; }
        let v = render(&s);
        if v["ok"] == true {
            for code in codes(&v).into_iter().filter(|c| c.starts_with('P')) {
                let rule = ocigen_core::policy::rules::RULES.iter().find(|r| r.name == code).expect("known rule");
                prop_assert!(rule.level > level, "{} passed under {:?}", code, level);
            }
        } else {
            prop_assert!(v["error"]["code"].as_str().is_some_and(|c| c.starts_with("E_")));
        }
    }

    /// 18. /sys is read-only unless privileged.
    #[test]
    fn sys_read_only_unless_privileged(s in scenario()) {
        on_config(&s, |c, _| {
            for m in arr(c, "/mounts").iter().filter(|m| m["destination"] == "/sys") {
                let ro = arr(m, "/options").iter().any(|o| o == "ro");
                prop_assert_eq!(ro, !s.privileged);
            }
            Ok(())
        })?;
    }
}

/// The generator is useful: most generated scenarios render (so the invariants above see
/// real configs), and every hostile change is refused.
#[test]
fn most_scenarios_render_and_every_hostile_change_is_refused() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut ok = 0;
    let total = 200;
    for _ in 0..total {
        let s = parts().new_tree(&mut runner).expect("tree").current();
        let v = render(&assemble(s, None));
        if v["ok"] == true {
            ok += 1;
        }
    }
    assert!(
        ok * 2 >= total,
        "only {ok} of {total} clean scenarios render"
    );
    for (h, change) in HOSTILE.iter().enumerate() {
        let mut refused = 0;
        for _ in 0..8 {
            let mut p = parts().new_tree(&mut runner).expect("tree").current();
            // The CDI changes only matter when the spec is used.
            if h >= 14 {
                p.gpu = true;
                p.cdi_present = true;
                p.strict = true;
            }
            let v = render(&assemble(p, Some(h)));
            if v["ok"] == false {
                refused += 1;
            }
        }
        assert_eq!(refused, 8, "hostile change `{change}` rendered");
    }
}
