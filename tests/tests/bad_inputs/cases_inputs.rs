//! Rows for the render options, the image config and whole requests.

use super::{case, err, invalid, Case, Input, Row};

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let opts: Vec<Row<ocigen_core::RenderOptions>> = vec![
        (
            "hostname ..",
            |o| o.hostname = Some("..".into()),
            "options.hostname",
        ),
        (
            "hostname -a",
            |o| o.hostname = Some("-a".into()),
            "options.hostname",
        ),
        (
            "hostname newline",
            |o| o.hostname = Some("a\nb".into()),
            "options.hostname",
        ),
        (
            "hostname 65 bytes",
            |o| o.hostname = Some("h".repeat(65)),
            "options.hostname",
        ),
        (
            "hostname empty",
            |o| o.hostname = Some(String::new()),
            "options.hostname",
        ),
        (
            "container service ../x",
            |o| o.container_id.service = "../x".into(),
            "options.container_id.service",
        ),
        (
            "container service upper",
            |o| o.container_id.service = "Web".into(),
            "options.container_id.service",
        ),
        (
            "container role with /",
            |o| o.container_id.role = "a/b".into(),
            "options.container_id.role",
        ),
        (
            "container role empty",
            |o| o.container_id.role = String::new(),
            "options.container_id.role",
        ),
        (
            "container id too long for a hostname",
            |o| o.container_id.service = "s".repeat(60),
            "options.container_id",
        ),
        (
            "cgroup_parent ..",
            |o| o.cgroup_parent = Some("/a/../b".into()),
            "options.cgroup_parent",
        ),
        (
            "cgroup_parent relative",
            |o| o.cgroup_parent = Some("zlayer".into()),
            "options.cgroup_parent",
        ),
        (
            "cgroup_parent newline",
            |o| o.cgroup_parent = Some("/z\nx".into()),
            "options.cgroup_parent",
        ),
        (
            "cgroup_parent systemd form",
            |o| o.cgroup_parent = Some("a.slice:b:c".into()),
            "options.cgroup_parent",
        ),
        (
            "volume ../../etc",
            |o| {
                o.volume_paths.insert("v".into(), "../../etc".into());
            },
            "options.volume_paths.v",
        ),
        (
            "volume relative",
            |o| {
                o.volume_paths.insert("v".into(), "vol".into());
            },
            "options.volume_paths.v",
        ),
        (
            "volume with ..",
            |o| {
                o.volume_paths.insert("v".into(), "/var/../etc".into());
            },
            "options.volume_paths.v",
        ),
        (
            "volume with NUL",
            |o| {
                o.volume_paths.insert("v".into(), "/v\0".into());
            },
            "options.volume_paths.v",
        ),
        (
            "volume empty",
            |o| {
                o.volume_paths.insert("v".into(), String::new());
            },
            "options.volume_paths.v",
        ),
        (
            "volume key newline",
            |o| {
                o.volume_paths.insert("a\nb".into(), "/v".into());
            },
            "options.volume_paths",
        ),
        (
            "api socket relative",
            |o| o.api_socket = Some("api.sock".into()),
            "options.api_socket",
        ),
        (
            "api socket ..",
            |o| o.api_socket = Some("/run/../etc/x".into()),
            "options.api_socket",
        ),
        (
            "api socket trailing /",
            |o| o.api_socket = Some("/run/z/".into()),
            "options.api_socket",
        ),
        (
            "bundle dir relative",
            |o| o.bundle_dir = Some("bundle".into()),
            "options.bundle_dir",
        ),
        (
            "bundle dir ..",
            |o| o.bundle_dir = Some("/b/../../etc".into()),
            "options.bundle_dir",
        ),
        (
            "rootfs ..",
            |o| o.rootfs = Some("../x".into()),
            "options.rootfs",
        ),
        (
            "rootfs absolute with ..",
            |o| o.rootfs = Some("/a/../b".into()),
            "options.rootfs",
        ),
        (
            "rootfs a//b",
            |o| o.rootfs = Some("a//b".into()),
            "options.rootfs",
        ),
        (
            "cwd relative",
            |o| o.cwd = Some("app".into()),
            "options.cwd",
        ),
        (
            "cwd /../..",
            |o| o.cwd = Some("/../..".into()),
            "options.cwd",
        ),
        ("cwd NUL", |o| o.cwd = Some("/a\0".into()), "options.cwd"),
        (
            "extra env name with =",
            |o| o.extra_env = vec![("A=B".into(), "x".into())],
            "options.extra_env[0]",
        ),
        (
            "extra env name empty",
            |o| o.extra_env = vec![(String::new(), "x".into())],
            "options.extra_env[0]",
        ),
        (
            "extra env name newline",
            |o| o.extra_env = vec![("A\n".into(), "x".into())],
            "options.extra_env[0]",
        ),
        (
            "extra env value NUL",
            |o| o.extra_env = vec![("A".into(), "x\0y".into())],
            "options.extra_env[0]",
        ),
        (
            "secret value NUL",
            |o| {
                o.secrets.insert("@a/b".into(), "s\0".into());
            },
            "options.secrets.@a/b",
        ),
        (
            "secret reference newline",
            |o| {
                o.secrets.insert("a\nb".into(), "s".into());
            },
            "options.secrets.a\\nb",
        ),
        (
            "args empty program",
            |o| o.args = Some(vec![String::new()]),
            "options.args[0]",
        ),
        (
            "args NUL",
            |o| o.args = Some(vec!["/bin/a".into(), "x\0".into()]),
            "options.args[1]",
        ),
    ];
    for (name, change, field) in opts {
        out.push(case(
            format!("options {name}"),
            Input::Options(change),
            invalid(field),
        ));
    }
    // Image config: the whole OCI image config or its `config` object, nothing else.
    for (name, text, code, field) in [
        (
            "docker inspect's Config",
            r#"{"Config": {"User": "app"}}"#,
            "E_PARSE",
            "Config",
        ),
        ("config a number", r#"{"config": 5}"#, "E_PARSE", "config"),
        (
            "config a list",
            r#"{"config": ["User"]}"#,
            "E_PARSE",
            "config",
        ),
        (
            "unknown key in config",
            r#"{"config": {"Usr": "app"}}"#,
            "E_PARSE",
            "config.Usr",
        ),
        (
            "unknown top-level key",
            r#"{"architecture": "amd64", "config": {}, "bogus": 1}"#,
            "E_PARSE",
            "bogus",
        ),
        (
            "unknown bare key",
            r#"{"User": "a", "Bogus": 1}"#,
            "E_PARSE",
            "Bogus",
        ),
        ("lower-case bare key", r#"{"user": "a"}"#, "E_PARSE", "user"),
        ("a list", r#"[{"User": "a"}]"#, "E_PARSE", ""),
        (
            "relative WorkingDir",
            r#"{"config": {"WorkingDir": "app"}}"#,
            "E_INVALID",
            "config.WorkingDir",
        ),
        (
            "WorkingDir with ..",
            r#"{"WorkingDir": "/a/../b"}"#,
            "E_INVALID",
            "WorkingDir",
        ),
        (
            "Env value NUL",
            r#"{"Env": ["A=\u0000"]}"#,
            "E_INVALID",
            "Env[0]",
        ),
        ("Cmd NUL", r#"{"Cmd": ["a\u0000"]}"#, "E_INVALID", "Cmd[0]"),
        (
            "Entrypoint NUL",
            r#"{"config": {"Entrypoint": ["/a\u0000"]}}"#,
            "E_INVALID",
            "config.Entrypoint[0]",
        ),
        ("User newline", r#"{"User": "a\nb"}"#, "E_INVALID", "User"),
        (
            "Env not a list",
            r#"{"config": {"Env": "x"}}"#,
            "E_PARSE",
            "config.Env",
        ),
        (
            "Env without =",
            r#"{"Env": ["NOEQUALS"]}"#,
            "E_INVALID",
            "image.Env[0]",
        ),
    ] {
        out.push(case(
            format!("image {name}"),
            Input::Image(text),
            err(code, field),
        ));
    }
    // Whole requests.
    for (name, text, code, field) in [
        (
            "unknown request key",
            r#"{"service_text": "a: 1", "snapshot_json": "{}", "bogus": 1}"#,
            "E_PARSE",
            "bogus",
        ),
        (
            "unknown option",
            r#"{"service_text": "a: 1", "snapshot_json": "{}", "options": {"container_id": {"service": "web"}, "bogus": 1}}"#,
            "E_PARSE",
            "options.bogus",
        ),
        (
            "unknown policy level",
            r#"{"service_text": "a: 1", "snapshot_json": "{}", "options": {"container_id": {"service": "web"}, "policy": "lax"}}"#,
            "E_PARSE",
            "options.policy",
        ),
        (
            "deny_warnings not a bool",
            r#"{"service_text": "a: 1", "snapshot_json": "{}", "options": {"container_id": {"service": "web"}, "deny_warnings": "yes"}}"#,
            "E_PARSE",
            "options.deny_warnings",
        ),
        (
            "duplicate key",
            r#"{"service_text": "a: 1", "service_text": "b: 1", "snapshot_json": "{}"}"#,
            "E_PARSE",
            "service_text",
        ),
        (
            "unknown preset",
            r#"{"service_text": "a: 1", "snapshot_json": "{}", "preset": "lxc"}"#,
            "E_PARSE",
            "preset",
        ),
    ] {
        out.push(case(
            format!("request {name}"),
            Input::Request(text),
            err(code, field),
        ));
    }
    out
}
