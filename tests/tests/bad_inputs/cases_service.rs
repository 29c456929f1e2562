//! Rows for the service file: names, hostnames, cgroup paths, device paths, mount paths,
//! working directory, env, arguments, sizes, GPU paths, YAML 1.2 booleans.

use super::{case, err, invalid, svc, Case, Input};

fn file_with_service_key(key: &str) -> Input {
    Input::File(format!(
        "version: v1\ndeployment: corpus\nservices:\n  {key}:\n    image: {{name: x}}\n    command: {{entrypoint: [/bin/app]}}\n"
    ))
}

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    // Names: a service key becomes the hostname and the cgroup leaf.
    for (i, key) in [
        "\"../../../evil\"",
        "Web",
        "we_b",
        "\"-web\"",
        "web-",
        "\"a\\nb\"",
        "\"a\\u0007b\"",
        &"a".repeat(64),
        "a.b",
        "\"\"",
        "\"wéb\"",
        "\"web/x\"",
        "\"w eb\"",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            format!("service name {i}: {key}"),
            file_with_service_key(key),
            invalid("services"),
        ));
    }
    // Hostnames (RFC 1123, 64 bytes).
    let long = format!("hostname: {}", "a".repeat(65));
    let long_label = format!("hostname: {}.b", "a".repeat(64));
    for (i, line) in [
        "hostname: \"..\"",
        "hostname: \".\"",
        "hostname: a..b",
        "hostname: \"-a\"",
        "hostname: a-",
        "hostname: a_b",
        "hostname: \"a b\"",
        long.as_str(),
        "hostname: a.",
        "hostname: .a",
        "hostname: \"a\\nb\"",
        long_label.as_str(),
        "hostname: \"\"",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            format!("hostname {i}: {line}"),
            svc(line),
            invalid("services.web.hostname"),
        ));
    }
    // cgroup parents.
    for (i, p) in [
        "../x",
        "/a/../b",
        "relative",
        "/a//b",
        "/a/./b",
        "system.slice:zlayer:x",
        "\"/a\\nb\"",
        "/..",
        "\"/a\\u0000\"",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            format!("cgroup_parent {i}: {p}"),
            svc(&format!("cgroup_parent: {p}")),
            invalid("services.web.cgroup_parent"),
        ));
    }
    // Device paths: under /dev, normalised.
    for (i, p) in [
        "/dev/../dev/null",
        "dev/fuse",
        "/etc/passwd",
        "/dev",
        "/dev/",
        "/dev//null",
        "/dev/./null",
        "\"/dev/nu\\nll\"",
        "/dev/../../etc/shadow",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            format!("device path {i}: {p}"),
            svc(&format!("devices: [{{path: {p}}}]")),
            invalid("services.web.devices[0].path"),
        ));
    }
    // Mount targets and sources.
    for (i, t) in [
        "/a/../etc",
        "rel",
        "/a/",
        "//a",
        "/a/./b",
        "\"/a\\u0000b\"",
        "\"/a\\nb\"",
        "..",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            format!("tmpfs target {i}: {t}"),
            svc(&format!("storage: [{{type: tmpfs, target: {t}}}]")),
            invalid("services.web.storage[0].target"),
        ));
    }
    for (i, s) in ["../../etc", "rel", "/a/../b", "/etc/", "\"/a\\tb\""]
        .iter()
        .enumerate()
    {
        out.push(case(
            format!("bind source {i}: {s}"),
            svc(&format!(
                "storage: [{{type: bind, source: {s}, target: /data}}]"
            )),
            invalid("services.web.storage[0].source"),
        ));
    }
    out.push(case(
        "bind target relative",
        svc("storage: [{type: bind, source: /srv, target: data}]"),
        invalid("services.web.storage[0].target"),
    ));
    out.push(case(
        "named volume name empty",
        svc("storage: [{type: named, name: \"\", target: /data}]"),
        invalid("services.web.storage[0].name"),
    ));
    out.push(case(
        "named volume name with newline",
        svc("storage: [{type: named, name: \"a\\nb\", target: /data}]"),
        invalid("services.web.storage[0].name"),
    ));
    out.push(case(
        "s3 bucket empty",
        svc("storage: [{type: s3, bucket: \"\", target: /data}]"),
        invalid("services.web.storage[0].bucket"),
    ));
    out.push(case(
        "anonymous target with ..",
        svc("storage: [{type: anonymous, target: /var/../etc}]"),
        invalid("services.web.storage[0].target"),
    ));
    // Working directory.
    for (i, w) in ["/../..", "rel", "/a/", "/a/../b", "\"/a\\u0000\""]
        .iter()
        .enumerate()
    {
        out.push(case(
            format!("workdir {i}: {w}"),
            svc(&format!(
                "command: {{entrypoint: [/bin/app], workdir: {w}}}"
            )),
            invalid("services.web.command.workdir"),
        ));
    }
    // Env names and values.
    for (i, (line, field)) in [
        ("env: {\"A=B\": x}", "services.web.env.A=B"),
        ("env: {\"\": x}", "services.web.env."),
        ("env: {\"A\\nB\": x}", "services.web.env.A\\nB"),
        ("env: {A: \"a\\u0000b\"}", "services.web.env.A"),
        ("env: {A: \"$E:B=C\"}", "services.web.env.A"),
        ("env: {A: \"$E:B\\nC\"}", "services.web.env.A"),
        ("env: {A: \"$S:a\\nb\"}", "services.web.env.A"),
        ("env: {A: \"$E:\"}", "services.web.env.A"),
    ]
    .iter()
    .enumerate()
    {
        out.push(case(format!("env {i}: {line}"), svc(line), invalid(field)));
    }
    // Arguments.
    for (i, (line, field)) in [
        (
            "command: {entrypoint: [\"\"]}",
            "services.web.command.entrypoint[0]",
        ),
        (
            "command: {entrypoint: [\"\", x]}",
            "services.web.command.entrypoint[0]",
        ),
        (
            "command: {entrypoint: [\"/bin/a\\u0000\"]}",
            "services.web.command.entrypoint[0]",
        ),
        (
            "command: {entrypoint: [/bin/a], args: [x, \"a\\u0000\"]}",
            "services.web.command.args[1]",
        ),
        ("command: {args: [\"\"]}", "services.web.command"),
        ("command: {entrypoint: []}", "services.web.command"),
    ]
    .iter()
    .enumerate()
    {
        out.push(case(format!("args {i}: {line}"), svc(line), invalid(field)));
    }
    // Memory: at least 6 MiB (Docker's minimum).
    for m in ["\"1\"", "1Ki", "\"6291455\"", "5Mi", "1M"] {
        out.push(case(
            format!("memory {m}"),
            svc(&format!("resources: {{memory: {m}}}")),
            invalid("services.web.resources.memory"),
        ));
    }
    for (key, p) in [
        ("mps_pipe_dir", "rel/pipe"),
        ("mps_log_dir", "/a/../b"),
        ("time_slicing_config_path", "ts.yaml"),
    ] {
        let field: &'static str = match key {
            "mps_pipe_dir" => "services.web.resources.gpu.mps_pipe_dir",
            "mps_log_dir" => "services.web.resources.gpu.mps_log_dir",
            _ => "services.web.resources.gpu.time_slicing_config_path",
        };
        out.push(case(
            format!("gpu {key} {p}"),
            svc(&format!("resources: {{gpu: {{count: 1, {key}: {p}}}}}")),
            invalid(field),
        ));
    }
    out.push(case(
        "gpu count beyond any host",
        svc("resources: {gpu: {count: 4000000000}}"),
        invalid("services.web.resources.gpu.count"),
    ));
    out.push(case(
        "user empty",
        svc("user: \"\""),
        invalid("services.web.user"),
    ));
    out.push(case(
        "user with newline",
        svc("user: \"a\\nb\""),
        invalid("services.web.user"),
    ));
    out.push(case(
        "image name with NUL",
        Input::File("version: v1\ndeployment: corpus\nservices:\n  web:\n    image: {name: \"x\\u0000\"}\n    command: {entrypoint: [/bin/app]}\n".into()),
        invalid("services.web.image.name"),
    ));
    // YAML 1.2 core schema: yes/on/no/off/y are strings, so a boolean key refuses them.
    for (i, (line, field)) in [
        ("privileged: yes", "services.web.privileged"),
        ("privileged: on", "services.web.privileged"),
        ("privileged: no", "services.web.privileged"),
        ("privileged: off", "services.web.privileged"),
        ("privileged: y", "services.web.privileged"),
        ("read_only_root_fs: yes", "services.web.read_only_root_fs"),
        ("host_network: on", "services.web.host_network"),
        (
            "devices: [{path: /dev/fuse, mknod: yes}]",
            "services.web.devices[0].mknod",
        ),
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            format!("yaml 1.1 boolean {i}: {line}"),
            svc(line),
            err("E_PARSE", field),
        ));
    }
    out
}
