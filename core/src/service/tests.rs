//! Unit tests of the service schema: error paths, aliases, folding, validation.

use super::*;
use crate::error::Error;

fn deployment(service_body: &str) -> String {
    let body: String = service_body.lines().map(|l| format!("    {l}\n")).collect();
    format!("version: v1\ndeployment: demo\nservices:\n  web:\n    image: {{ name: nginx:1.27 }}\n{body}")
}

fn parse_err(text: &str) -> Error {
    match parse_service_file("f.yaml", text) {
        Ok(parsed) => panic!("expected an error, parsed {parsed:?}"),
        Err(e) => e,
    }
}

/// (field, whole message) of an error.
fn field_and_text(e: &Error) -> (String, String) {
    (e.field().unwrap_or_default().to_string(), e.to_string())
}

fn web(text: &str) -> Service {
    let file = parse_service_file("f.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    file.service(Some("web")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn unknown_key_at_each_depth_names_full_path() {
    let cases = [
        (
            "version: v1\ndeployment: demo\nservices: {}\nextra: 1\n",
            "",
            "extra",
        ),
        (
            &deployment("volumes: []") as &str,
            "services.web",
            "volumes",
        ),
        (
            &deployment("resources: { cpu: 1, gpu: { count: 1, colour: red } }"),
            "services.web.resources.gpu",
            "colour",
        ),
        (
            &deployment("health:\n  check: { type: http, url: /h, path: /x }"),
            "services.web.health.check",
            "path",
        ),
        (
            &deployment(
                "endpoints:\n  - { name: a, protocol: http, port: 80, expose: public, tls: true }",
            ),
            "services.web.endpoints[0]",
            "tls",
        ),
        (
            &deployment("storage:\n  - { type: tmpfs, target: /t, sise: 1Mi }"),
            "services.web.storage[0]",
            "sise",
        ),
        (
            &deployment("scale: { mode: fixed, replicas: 2, min: 1 }"),
            "services.web.scale",
            "min",
        ),
        (
            &deployment("init:\n  steps:\n    - { id: a, uses: init.exec, when: now }"),
            "services.web.init.steps[0]",
            "when",
        ),
    ];
    for (text, parent, key) in cases {
        let (field, msg) = field_and_text(&parse_err(text));
        let want = if parent.is_empty() {
            key.to_string()
        } else {
            format!("{parent}.{key}")
        };
        assert_eq!(field, want, "{text}\n{msg}");
        assert!(
            msg.contains(&format!("`{key}`")),
            "{msg} should name `{key}`"
        );
    }
}

#[test]
fn unknown_key_path_ends_with_the_key() {
    let (field, _) = field_and_text(&parse_err(&deployment(
        "resources: { cpu: 1, gpu: { colour: red } }",
    )));
    assert_eq!(field, "services.web.resources.gpu.colour");
    let (field, _) = field_and_text(&parse_err(&deployment(
        "health:\n  check: { type: http, url: /h, path: /x }",
    )));
    assert_eq!(field, "services.web.health.check.path");
}

#[test]
fn bad_enum_value_names_field_and_variants() {
    let (field, msg) = field_and_text(&parse_err(&deployment(
        "health:\n  check: { type: exec, command: [a] }",
    )));
    assert!(field.starts_with("services.web.health.check"), "{field}");
    assert!(msg.contains("exec") && msg.contains("command"), "{msg}");
}

#[test]
fn cap_add_is_an_alias_of_capabilities() {
    let svc = web(&deployment("cap_add: [NET_ADMIN]\ncap_drop: [MKNOD]"));
    assert_eq!(svc.spec.capabilities, vec!["NET_ADMIN".to_string()]);
    assert_eq!(svc.spec.cap_drop, vec!["MKNOD".to_string()]);
}

#[test]
fn aliases_parse_and_are_found_in_the_text() {
    // crate::locate::KEY_ALIASES mirrors the serde aliases of the service types.
    for (name, alias) in crate::locate::KEY_ALIASES {
        let body = match *name {
            "capabilities" => format!("{alias}: [NET_ADMIN]"),
            _ => format!("{alias}: {{}}"),
        };
        let text = deployment(&body);
        web(&text);
        let at = crate::locate::locate(&text, &format!("services.web.{name}"));
        assert_eq!(at.map(|p| p.line), Some(6), "{alias}");
    }
}

#[test]
fn host_network_folds_both_spellings() {
    assert!(web(&deployment("network_mode: host")).host_network());
    assert!(web(&deployment("host_network: true")).host_network());
    assert!(!web(&deployment("network_mode: bridge")).host_network());
    assert!(!web(&deployment("host_network: false")).host_network());
    assert!(!web(&deployment("dns: [1.1.1.1]")).host_network());
}

#[test]
fn network_mode_forms() {
    let mode = |body: &str| web(&deployment(body)).spec.network_mode;
    assert_eq!(mode("network_mode: none"), Some(NetworkMode::None));
    assert_eq!(
        mode("network_mode: \"bridge:lan\""),
        Some(NetworkMode::Other("bridge:lan".into()))
    );
    assert_eq!(
        mode("network_mode: { bridge: { name: lan } }"),
        Some(NetworkMode::Other("bridge:lan".into()))
    );
    assert_eq!(
        mode("network_mode: { container: { id: abc } }"),
        Some(NetworkMode::Other("container:abc".into()))
    );
    assert_eq!(
        mode("network_mode: { bridge: {} }"),
        Some(NetworkMode::Bridge)
    );
    for bad in [
        "network_mode: overlay",
        "network_mode: \"container:\"",
        "network_mode: { bridge: { nam: x } }",
    ] {
        let (field, msg) = field_and_text(&parse_err(&deployment(bad)));
        assert_eq!(field, "services.web.network_mode", "{bad}: {msg}");
    }
}

#[test]
fn tmpfs_mode_forms_parse() {
    let svc = web(&deployment(
        "storage:\n  - { type: tmpfs, target: /a, mode: 0o1777 }\n  - { type: tmpfs, target: /b, mode: \"1777\" }\n  - { type: tmpfs, target: /c, mode: 1777 }\n  - { type: tmpfs, target: /d }",
    ));
    let modes: Vec<Option<u32>> = svc
        .spec
        .storage
        .iter()
        .map(|s| match s {
            StorageSpec::Tmpfs { mode, .. } => mode.map(OctalMode::bits),
            other => panic!("not tmpfs: {other:?}"),
        })
        .collect();
    // YAML 1.2 octal `0o1777` arrives as the number 1023; all three mean 0o1777.
    assert_eq!(modes, vec![Some(0o1777), Some(0o1777), Some(0o1777), None]);
}

#[test]
fn bare_service_spec_parses_with_empty_prefix() {
    let file = parse_service_file(
        "svc.yaml",
        "image: { name: busybox }\ncommand: { args: [sh] }\n",
    )
    .unwrap();
    assert!(matches!(file, ServiceFile::Bare(_)));
    assert!(file.service_names().is_empty());
    let svc = file.service(Some("job")).unwrap();
    assert_eq!((svc.name.as_str(), svc.prefix.as_str()), ("job", ""));
    assert_eq!(svc.field("resources.memory"), "resources.memory");
    assert_eq!(svc.spec.command.args, Some(vec!["sh".to_string()]));
    // The default name, and validation without prefix.
    assert_eq!(file.service(None).unwrap().name, "service");
    let (field, _) = field_and_text(&parse_err(
        "image: { name: busybox }\nresources: { memory: 1GB }\n",
    ));
    assert_eq!(field, "resources.memory");
}

#[test]
fn service_not_found_lists_names() {
    let text = "version: v1\ndeployment: demo\nservices:\n  api: { image: { name: a } }\n  db: { image: { name: b } }\n";
    let file = parse_service_file("f.yaml", text).unwrap();
    assert_eq!(
        file.service_names(),
        vec!["api".to_string(), "db".to_string()]
    );
    let msg = file.service(Some("web")).unwrap_err().to_string();
    assert!(
        msg.contains("`api`") && msg.contains("`db`") && msg.contains("web"),
        "{msg}"
    );
    let msg = file.service(None).unwrap_err().to_string();
    assert!(msg.contains("`api`") && msg.contains("`db`"), "{msg}");
    assert_eq!(
        file.service(Some("db")).unwrap().field("env"),
        "services.db.env"
    );
}

#[test]
fn multi_document_yaml_is_rejected() {
    let text = "version: v1\ndeployment: demo\nservices: {}\n---\nversion: v1\ndeployment: other\n";
    let msg = parse_err(text).to_string();
    assert!(
        msg.starts_with("f.yaml:5:1: a second YAML document"),
        "{msg}"
    );
    assert!(
        !msg.contains("from_str_multiple"),
        "library hint leaked: {msg}"
    );
}

#[test]
fn legacy_command_list_is_refused_with_a_hint_and_map_paths_survive() {
    let (field, msg) = field_and_text(&parse_err(&deployment("command: [redis-server, --save]")));
    assert_eq!(field, "services.web.command", "{msg}");
    assert!(msg.contains("command: { args: [...] }"), "{msg}");
    let (field, _) = field_and_text(&parse_err(&deployment("command: { args: [[nested]] }")));
    assert_eq!(field, "services.web.command.args[0]");
    let (field, _) = field_and_text(&parse_err(&deployment("command: { argv: [a] }")));
    assert_eq!(field, "services.web.command.argv");
    let svc = web(&deployment(
        "command: { entrypoint: [/bin/sh], args: [-c, \"true\"], workdir: /srv }",
    ));
    assert_eq!(
        svc.spec.command.entrypoint,
        Some(vec!["/bin/sh".to_string()])
    );
    assert_eq!(svc.spec.command.workdir.as_deref(), Some("/srv"));
}

#[test]
fn env_values_must_be_strings() {
    let (field, msg) = field_and_text(&parse_err(&deployment("env: { PORT: 8080 }")));
    assert_eq!(field, "services.web.env.PORT", "{msg}");
    let svc = web(&deployment("env: { PORT: \"8080\", SECRET: \"$S:token\" }"));
    assert_eq!(
        svc.spec.env.get("PORT"),
        Some(&EnvValue::Literal("8080".into()))
    );
    assert_eq!(
        svc.spec.env.get("SECRET"),
        Some(&EnvValue::Secret("token".into()))
    );
}

#[test]
fn durations_parse_and_bad_ones_name_the_field() {
    let svc = web(&deployment(
        "health:\n  timeout: 1m\n  check: { type: tcp, port: 80 }",
    ));
    let health = svc.spec.health.unwrap_or_else(|| panic!("health"));
    assert_eq!(health.timeout.map(|d| d.as_duration().as_secs()), Some(60));
    let (field, _) = field_and_text(&parse_err(&deployment("stop_grace_period: 10")));
    assert_eq!(field, "services.web.stop_grace_period");
    let (field, _) = field_and_text(&parse_err(&deployment("stop_grace_period: 10 parsecs")));
    assert_eq!(field, "services.web.stop_grace_period");
}

#[test]
fn every_extra_service_key_is_accepted() {
    let svc = web(&deployment(
        "user: \"1000:1000\"\nhostname: box\nread_only_root_fs: true\nsysctls: { net.core.somaxconn: \"1024\" }\ntty: true\n\
extra_hosts: [\"db:10.0.0.2\"]\nsecurity_opt: [no-new-privileges:true]\npid_mode: host\nipc_mode: private\n\
userns_mode: host\nextra_groups: [video]\nlabels: { team: a }\nstop_signal: SIGINT\nstop_grace_period: 30s\n\
resources: { cpu: 0.5, memory: 64Mi, pids_limit: 100, cpuset: \"0-1\", cpu_shares: 512, memory_swap: 1Gi, memory_reservation: 32Mi, memory_swappiness: 10, oom_score_adj: -5, oom_kill_disable: false, blkio_weight: 300 }\n\
port_mappings: [{ container_port: 80, host_port: 8080, protocol: tcp, host_ip: 127.0.0.1 }]\nexpose: [\"3000\"]\n\
replica_groups: [{ role: primary, count: 1, affinity: { pin: \"id=2\" } }]\nlifecycle: { delete_on_exit: true }\n\
isolation: hyperv\nplatform: { os: linux, arch: amd64 }\nservice_type: wasm_http\nwasm: { max_fuel: 10, idle_timeout: 5m }\n\
logs: { destination: memory }\nrestart_policy: { kind: on_failure, max_attempts: 3 }\ninit_container: true\n\
stdin_open: true\noverlay: { mode: dedicated }\nnode_mode: exclusive\nnode_selector: { labels: { gpu: \"yes\" } }\n\
affinity: pack\nulimits: { nofile: { soft: 1024, hard: 2048 } }\ncgroup_parent: /ocigen",
    ));
    let s = &svc.spec;
    assert_eq!(s.user.as_deref(), Some("1000:1000"));
    assert_eq!(s.resources.cpu_shares, Some(512));
    assert_eq!(s.resources.pids_limit, Some(100));
    assert_eq!(s.ulimits.get("nofile").and_then(|u| u.hard), Some(2048));
    assert_eq!(s.affinity, Some(GroupAffinity::Pack));
    assert_eq!(s.service_type, ServiceType::WasmHttp);
    assert_eq!(
        s.stop_grace_period.map(|d| d.as_duration().as_secs()),
        Some(30)
    );
}

#[test]
fn validation_errors_name_field_expected_and_got() {
    let cases = [
        (
            "resources: { memory: 12.5Q }",
            "services.web.resources.memory",
            "512Mi",
        ),
        (
            "resources: { memory: 0Mi }",
            "services.web.resources.memory",
            "above 0",
        ),
        (
            "resources: { cpu: 0 }",
            "services.web.resources.cpu",
            "at least 0.01",
        ),
        (
            "endpoints: [{ name: a, protocol: tcp, port: 0 }]",
            "services.web.endpoints[0].port",
            "1 to 65535",
        ),
        (
            "endpoints: [{ name: a, protocol: tcp, port: 1 }, { name: a, protocol: udp, port: 2 }]",
            "services.web.endpoints[1].name",
            "unique",
        ),
        (
            "scale: { mode: adaptive, min: 5, max: 2 }",
            "services.web.scale.min",
            "at most",
        ),
        ("rtype: cron", "services.web.schedule", "cron schedule"),
        (
            "rtype: cron\nschedule: \"0 3 * * *\"",
            "services.web.schedule",
            "6 or 7 fields",
        ),
        (
            "schedule: \"0 0 3 * * *\"",
            "services.web.schedule",
            "rtype",
        ),
        (
            "depends: [{ service: db }]",
            "services.web.depends[0].service",
            "`web`",
        ),
        (
            "resources: { gpu: { scheduling: fastest } }",
            "services.web.resources.gpu.scheduling",
            "gang",
        ),
        (
            "replica_groups: [{ role: Primary, count: 1 }]",
            "services.web.replica_groups[0].role",
            "DNS label",
        ),
    ];
    for (body, field, needle) in cases {
        let err = parse_err(&deployment(body));
        let (got_field, msg) = field_and_text(&err);
        assert_eq!(got_field, field, "{body}: {msg}");
        assert!(
            msg.contains(needle),
            "{body}: {msg} should contain {needle}"
        );
        assert_eq!(err.code(), "E_INVALID", "{body}");
    }
    assert!(
        parse_service_file("f", &deployment("rtype: cron\nschedule: \"0 0 3 * * * *\"")).is_ok()
    );
    assert!(parse_service_file("f", &deployment("rtype: cron\nschedule: \"@daily\"")).is_ok());
}

#[test]
fn deployment_level_checks() {
    let bad_version = "version: v2\ndeployment: demo\nservices: {}\n";
    assert_eq!(field_and_text(&parse_err(bad_version)).0, "version");
    for name in ["ab", "-abc", "has_underscore", &"x".repeat(64)] {
        let text = format!("version: v1\ndeployment: \"{name}\"\nservices: {{}}\n");
        assert_eq!(field_and_text(&parse_err(&text)).0, "deployment", "{name}");
    }
    let ok = "version: v1\ndeployment: a-1\nservices: {}\nexternals:\n  nas: { backends: [\"10.0.0.5:80\"] }\n\
tunnels:\n  t: { from: a, to: b, local_port: 1, remote_port: 2 }\napi: { enabled: false }\n";
    assert!(parse_service_file("f", ok).is_ok());
    let no_backend = "version: v1\ndeployment: abc\nexternals:\n  nas: { backends: [] }\n";
    assert_eq!(
        field_and_text(&parse_err(no_backend)).0,
        "externals.nas.backends"
    );
}
