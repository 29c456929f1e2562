//! Tests of the `resource_extras` pass.

use super::*;
use crate::passes::fixture::{err_text, web, Fixture};
use crate::snapshot::{CgroupFacts, CpusetFacts};

/// A v1 host with every controller, 4 CPUs, and a memory limit already set by `resources`.
fn host(body: &str) -> Fixture {
    let mut f = web(body);
    f.snapshot.cgroup = CgroupFacts {
        layout: CgroupLayout::Hybrid,
        own_path: "/".into(),
        root_writable: true,
        parent_writable: true,
        controllers: ["blkio", "cpu", "cpuset", "memory", "pids"]
            .map(String::from)
            .to_vec(),
    };
    f.snapshot.cpuset = Some(CpusetFacts {
        cpus: "0-3".into(),
        mems: "0".into(),
    });
    f
}

fn run(f: &Fixture) -> Result<Draft> {
    let mut d = Draft::default();
    if let Some(size) = &f.service.spec.resources.memory {
        d.set_memory_limit(
            size.as_i64(),
            Source::input("services.web.resources.memory"),
        );
    }
    f.run_on(apply, d)
}

const ALL: &str = "resources: { memory: 1Gi, cpu_shares: 512, cpuset: \"1-2\", memory_swap: 2Gi, \
memory_reservation: 512Mi, memory_swappiness: 10, oom_kill_disable: true, blkio_weight: 300 }";

#[test]
fn every_setting_lands_on_v1_with_its_source() {
    let d = run(&host(ALL)).unwrap();
    let r = &d.resources;
    assert_eq!(r.cpu_shares, Some(512));
    assert_eq!(r.cpus.as_deref(), Some("1-2"));
    assert_eq!(r.memory_swap, Some(2 << 30));
    assert_eq!(r.memory_reservation, Some(512 << 20));
    assert_eq!(r.memory_swappiness, Some(10));
    assert_eq!(r.disable_oom_killer, Some(true));
    assert_eq!(r.blkio_weight, Some(300));
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let sources =
        |t: &str| -> Vec<Source> { d.trace().sources_of(t).map(|e| e.source.clone()).collect() };
    assert_eq!(
        sources("linux.resources.cpu.cpus"),
        [
            Source::input("services.web.resources.cpuset"),
            Source::fact("cpuset")
        ]
    );
    assert_eq!(
        sources("linux.resources.blockIO.weight"),
        [Source::input("services.web.resources.blkio_weight")]
    );
}

#[test]
fn v2_leaves_out_v1_only_settings_with_w013_or_fails_when_strict() {
    let mut f = host(ALL);
    f.snapshot.cgroup.layout = CgroupLayout::V2;
    f.snapshot.cgroup.controllers = ["cpu", "cpuset", "io", "memory", "pids"]
        .map(String::from)
        .to_vec();
    let d = run(&f).unwrap();
    assert_eq!(d.resources.memory_swappiness, None);
    assert_eq!(d.resources.disable_oom_killer, None);
    assert_eq!(d.resources.blkio_weight, Some(300), "io controller on v2");
    let warned: Vec<_> = d
        .diagnostics()
        .iter()
        .map(|x| (x.code.as_str(), x.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        warned,
        [
            (
                codes::LIMIT_NOT_APPLIED,
                "services.web.resources.memory_swappiness".to_string()
            ),
            (
                codes::LIMIT_NOT_APPLIED,
                "services.web.resources.oom_kill_disable".to_string()
            ),
        ]
    );
    assert!(d.diagnostics()[0]
        .message
        .contains("cgroup v2 has no such setting"));
    f.options.strict = true;
    let e = err_text(run(&f));
    assert!(
        e.starts_with("services.web.resources.memory_swappiness: cannot be satisfied")
            || e.contains("render option `strict`"),
        "{e}"
    );
}

#[test]
fn a_controller_the_agent_lacks_is_named() {
    let mut f = host("resources: { cpuset: \"0\", cpu_shares: 100 }");
    f.snapshot.cgroup.controllers = vec!["memory".into()];
    let d = run(&f).unwrap();
    assert_eq!(
        (d.resources.cpus.clone(), d.resources.cpu_shares),
        (None, None)
    );
    let msgs: Vec<&str> = d.diagnostics().iter().map(|x| x.message.as_str()).collect();
    assert!(
        msgs[0].contains("`cpu` controller is not available"),
        "{msgs:?}"
    );
    assert!(msgs[1].contains("`cpuset` controller"), "{msgs:?}");
    assert!(msgs[1].contains("cgroup.controllers: memory"), "{msgs:?}");
}

#[test]
fn cpuset_is_checked_against_online_cpus() {
    let e = err_text(run(&host("resources: { cpuset: \"2-5\" }")));
    assert!(
        e.contains("CPU 4 is not online on this host (host fact cpuset.cpus: 0-3)"),
        "{e}"
    );
    for bad in ["", "a", "3-1", "1,,2"] {
        let e = err_text(run(&host(&format!("resources: {{ cpuset: \"{bad}\" }}"))));
        assert!(e.contains("expected a CPU list like `0-3,8`"), "{bad}: {e}");
    }
    // A snapshot without the fact (version 1) names it and how to get it.
    let mut f = host("resources: { cpuset: \"0\" }");
    f.snapshot.cpuset = None;
    f.snapshot.snapshot_version = 1;
    let e = err_text(run(&f));
    assert!(e.contains("needs host fact `cpuset`"), "{e}");
    assert!(e.contains("predates it"), "{e}");
    // Online sets with holes.
    assert_eq!(outside(&[(0, 9)], &[(0, 3), (4, 7), (9, 9)]), Some(8));
    assert_eq!(outside(&[(4, 7), (9, 9)], &[(0, 7), (9, 9)]), None);
}

#[test]
fn value_checks_follow_docker() {
    for (body, want) in [
        ("resources: { cpu_shares: 1 }", "from 2 to 262144"),
        (
            "resources: { memory_swap: 1Gi }",
            "`services.web.resources.memory` as well",
        ),
        (
            "resources: { memory: 1Gi, memory_swap: 512Mi }",
            "at least `services.web.resources.memory`",
        ),
        (
            "resources: { memory: 1Gi, memory_reservation: 2Gi }",
            "at most `services.web.resources.memory`",
        ),
        ("resources: { memory_swappiness: 101 }", "from 0 to 100"),
        ("resources: { blkio_weight: 5 }", "from 10 to 1000"),
    ] {
        let e = err_text(run(&host(body)));
        assert!(e.contains(want), "{body}: {e}");
    }
    let d = run(&host(
        "resources: { memory: 1Gi, memory_swap: \"-1\", oom_kill_disable: false }",
    ))
    .unwrap();
    assert_eq!(d.resources.memory_swap, Some(-1));
    assert_eq!(d.resources.disable_oom_killer, None);
}
