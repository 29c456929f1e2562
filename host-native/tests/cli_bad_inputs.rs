//! Bad inputs at the command line, one table row each: the exit code (1 input, 2 usage,
//! 3 host) and the file, field or flag the message must name. Covers oversized and special
//! files for every input, bad snapshots, image files, `$E:`/`$S:` references, flags, bundle
//! paths and `ocigen validate`.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ocigen");

const SERVICE: &str = "version: v1\ndeployment: demo\nservices:\n  web:\n    image: {name: busybox}\n    command: {entrypoint: [/bin/sh]}\n";

/// A service file `name` in `dir`: the plain service plus `extra` lines under it.
fn service(dir: &Path, name: &str, extra: &str) {
    fs::write(dir.join(name), format!("{SERVICE}{extra}")).unwrap();
}

/// A config.json `name` in `dir`: a valid 1.2.0 config with `patch` merged into its top level.
fn config(dir: &Path, name: &str, patch: serde_json::Value) {
    let mut c = serde_json::json!({"ociVersion": "1.2.0", "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}}});
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    fs::write(dir.join(name), c.to_string()).unwrap();
}

/// Every file the table refers to, in one directory.
fn setup(dir: &Path) {
    let snap =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snapshots/nogpu-v2-root.json");
    fs::copy(&snap, dir.join("snap.json")).unwrap();
    fs::copy(snap.with_file_name("v1-root.json"), dir.join("v1.json")).unwrap();
    let snap_text = fs::read_to_string(&snap).unwrap();
    service(dir, "svc.yaml", "");
    service(dir, "big.yaml", &"# padding\n".repeat(900_000));
    service(dir, "unknown-key.yaml", "    resorces: {}\n");
    fs::write(dir.join("syntax.yaml"), "services: [\n").unwrap();
    service(dir, "s-three-parts.yaml", "    env: {A: \"$S:a/b/c\"}\n");
    service(dir, "s-colon.yaml", "    env: {A: \"$S:name:x\"}\n");
    service(dir, "s-empty.yaml", "    env: {A: \"$S:\"}\n");
    service(dir, "s-slash.yaml", "    env: {A: \"$S:/x\"}\n");
    service(dir, "e-empty.yaml", "    env: {A: \"$E:\"}\n");
    service(
        dir,
        "e-secret.yaml",
        "    env: {DB: \"$E:OCIGEN_SECRET_DB_PASSWORD\"}\n",
    );
    service(
        dir,
        "e-secrets-dir.yaml",
        "    env: {D: \"$E:OCIGEN_SECRETS_DIR\"}\n",
    );
    service(dir, "s-ok.yaml", "    env: {DB: \"$S:db\"}\n");
    service(dir, "ts-rel.yaml", "    resources: {gpu: {count: 1, sharing: time-slice, time_slicing_config_path: ts.yaml}}\n");
    service(
        dir,
        "mps-rel.yaml",
        "    resources: {gpu: {count: 1, sharing: mps, mps_pipe_dir: pipes}}\n",
    );
    service(
        dir,
        "apparmor.yaml",
        "    security_opt: [\"apparmor=docker-default\"]\n",
    );
    service(
        dir,
        "seccomp-zero.yaml",
        "    security_opt: [seccomp=/dev/zero]\n",
    );
    service(
        dir,
        "seccomp-dir.yaml",
        "    security_opt: [\"seccomp=.\"]\n",
    );
    fs::write(dir.join("not-json.json"), "{nope").unwrap();
    fs::write(dir.join("array.json"), "[]").unwrap();
    fs::write(dir.join("empty.json"), "").unwrap();
    fs::write(dir.join("latin1.txt"), b"root:x:0:0:\xe9:/root:/bin/sh\n").unwrap();
    fs::write(
        dir.join("snap-v99.json"),
        snap_text.replacen("\"snapshot_version\": 2", "\"snapshot_version\": 99", 1),
    )
    .unwrap();
    fs::write(
        dir.join("snap-dup.json"),
        snap_text.replacen('{', "{\"kernel\": {},", 1),
    )
    .unwrap();
    fs::write(
        dir.join("snap-neg.json"),
        snap_text.replacen("\"euid\": 0", "\"euid\": -1", 1),
    )
    .unwrap();
    fs::write(
        dir.join("image-shape.json"),
        r#"{"config": {"User": 7}, "os": "linux"}"#,
    )
    .unwrap();
    config(
        dir,
        "c-rel-mount.json",
        serde_json::json!({"mounts": [{"destination": "proc"}]}),
    );
    config(
        dir,
        "c-dotdot-mount.json",
        serde_json::json!({"mounts": [{"destination": "/usr/../../etc"}]}),
    );
    config(
        dir,
        "c-neg-major.json",
        serde_json::json!({"linux": {"devices": [{"path": "/dev/x", "type": "c", "major": -1, "minor": 229}]}}),
    );
    config(
        dir,
        "c-big-minor.json",
        serde_json::json!({"linux": {"devices": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 1048576}]}}),
    );
    config(
        dir,
        "c-rule-neg.json",
        serde_json::json!({"linux": {"resources": {"devices": [{"allow": true, "type": "c", "major": -1, "access": "rwm"}]}}}),
    );
    config(
        dir,
        "c-version.json",
        serde_json::json!({"ociVersion": "7.0.0"}),
    );
    config(
        dir,
        "c-no-version.json",
        serde_json::json!({"ociVersion": null}),
    );
    config(
        dir,
        "c-env.json",
        serde_json::json!({"process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}, "env": ["NOEQUALS"]}}),
    );
    config(
        dir,
        "c-hook.json",
        serde_json::json!({"hooks": {"prestart": [{"path": "bin/hook"}]}}),
    );
    config(
        dir,
        "c-dup-ns.json",
        serde_json::json!({"linux": {"namespaces": [{"type": "pid"}, {"type": "pid"}]}}),
    );
    config(
        dir,
        "c-dup-dest.json",
        serde_json::json!({"mounts": [{"destination": "/a"}, {"destination": "/a"}]}),
    );
    config(
        dir,
        "c-idmap.json",
        serde_json::json!({"linux": {"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}}),
    );
    config(
        dir,
        "c-hugepage.json",
        serde_json::json!({"linux": {"resources": {"hugepageLimits": [{"pageSize": "64kB", "limit": 1}]}}}),
    );
    config(
        dir,
        "c-hostname.json",
        serde_json::json!({"hostname": "web", "linux": {"namespaces": [{"type": "pid"}]}}),
    );
    config(
        dir,
        "c-cap.json",
        serde_json::json!({"process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}, "capabilities": {"bounding": ["chown"]}}}),
    );
    config(
        dir,
        "c-uid-type.json",
        serde_json::json!({"process": {"cwd": "/", "args": ["sh"], "user": {"uid": "root", "gid": 0}}}),
    );
    nix::unistd::mkfifo(
        &dir.join("fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    fs::create_dir_all(dir.join("rootfs/inner")).unwrap();
    fs::create_dir_all(dir.join("outdir/rootfs")).unwrap();
    fs::write(dir.join("a-file"), "x").unwrap();
    symlink(dir.join("outdir"), dir.join("out-link")).unwrap();
    fs::create_dir_all(dir.join("secrets/demo")).unwrap();
    symlink("/dev/zero", dir.join("secrets/demo/db")).unwrap();
}

/// `(name, arguments, exit code, texts the message must contain)`. In arguments, `@` stands
/// for the case directory.
#[rustfmt::skip]
const CASES: &[(&str, &str, i32, &[&str])] = &[
    // Controls: the files the rows below spoil are fine as they are.
    ("control render", "render @/svc.yaml --probe @/snap.json", 0, &[]),
    ("control limit raised", "--max-input-size 16MiB render @/big.yaml --probe @/snap.json", 0, &[]),
    // Oversized and special files, for every input.
    ("service /dev/zero", "render /dev/zero --probe @/snap.json", 1, &["/dev/zero", "input size limit of 8 MiB", "--max-input-size"]),
    ("snapshot /dev/zero", "render @/svc.yaml --probe /dev/zero", 1, &["/dev/zero", "8 MiB"]),
    ("image config /dev/zero", "render @/svc.yaml --probe @/snap.json --image-config /dev/zero", 1, &["/dev/zero", "limit"]),
    ("passwd /dev/zero", "render @/svc.yaml --probe @/snap.json --passwd /dev/zero", 1, &["/dev/zero", "limit"]),
    ("group /dev/zero", "render @/svc.yaml --probe @/snap.json --group /dev/zero", 1, &["/dev/zero", "limit"]),
    ("validate /dev/zero", "validate /dev/zero", 1, &["/dev/zero", "limit"]),
    ("requirements /dev/zero", "requirements /dev/zero", 1, &["/dev/zero", "limit"]),
    ("probe --for /dev/zero", "probe --for /dev/zero", 1, &["/dev/zero", "limit"]),
    ("explain /dev/zero", "explain /dev/zero --probe @/snap.json", 1, &["/dev/zero", "limit"]),
    ("bundle /dev/zero", "bundle /dev/zero --probe @/snap.json --rootfs @/rootfs --out @/b1", 1, &["/dev/zero", "limit"]),
    ("9 MiB service", "render @/big.yaml --probe @/snap.json", 1, &["big.yaml", "8 MiB"]),
    ("limit lowered", "--max-input-size 1KiB render @/svc.yaml --probe @/snap.json", 1, &["snap.json", "1 KiB"]),
    ("limit after the command", "render @/svc.yaml --probe @/snap.json --max-input-size 100", 1, &["svc.yaml", "100 bytes"]),
    ("seccomp profile /dev/zero", "render @/seccomp-zero.yaml --probe @/snap.json", 1, &["seccomp=/dev/zero", "limit"]),
    ("seccomp profile a directory", "render @/seccomp-dir.yaml --probe @/snap.json", 1, &["seccomp=.", "is a directory"]),
    ("secret file /dev/zero", "render @/s-ok.yaml --probe @/snap.json --secrets-dir @/secrets", 3, &["$S:db", "secrets/demo/db", "limit"]),
    ("FIFO without writer", "validate @/fifo", 1, &["fifo", "FIFO with no writer"]),
    ("FIFO as snapshot", "render @/svc.yaml --probe @/fifo", 1, &["fifo", "FIFO"]),
    ("directory as config", "validate @", 1, &["is a directory"]),
    ("missing service", "render @/nope.yaml --probe @/snap.json", 1, &["cannot read", "nope.yaml"]),
    ("missing snapshot", "render @/svc.yaml --probe @/nope.json", 1, &["cannot read", "nope.json"]),
    ("size limit zero", "--max-input-size 0 validate @/c-env.json", 2, &["--max-input-size"]),
    ("size limit unit", "--max-input-size 8XB validate @/c-env.json", 2, &["--max-input-size", "unit"]),
    // Bad snapshots and image files.
    ("snapshot not JSON", "render @/svc.yaml --probe @/not-json.json", 1, &["not-json.json:1:2"]),
    ("snapshot an array", "render @/svc.yaml --probe @/array.json", 1, &["array.json"]),
    ("snapshot empty", "render @/svc.yaml --probe @/empty.json", 1, &["empty.json"]),
    ("snapshot version 99", "render @/svc.yaml --probe @/snap-v99.json", 1, &["snap-v99.json", "snapshot_version"]),
    ("snapshot duplicate key", "render @/svc.yaml --probe @/snap-dup.json", 1, &["snap-dup.json", "kernel", "twice"]),
    ("snapshot negative uid", "render @/svc.yaml --probe @/snap-neg.json", 1, &["snap-neg.json", "user.euid"]),
    ("snapshot lacks a fact", "render @/apparmor.yaml --probe @/v1.json", 3, &["apparmor.yaml:7:", "needs host fact `lsm`", "ocigen probe --for"]),
    ("image config not JSON", "render @/svc.yaml --probe @/snap.json --image-config @/not-json.json", 1, &["not-json.json"]),
    ("image config wrong type", "render @/svc.yaml --probe @/snap.json --image-config @/image-shape.json", 1, &["image-shape.json:1:", "config.User"]),
    ("passwd not UTF-8", "render @/svc.yaml --probe @/snap.json --passwd @/latin1.txt", 1, &["latin1.txt", "UTF-8"]),
    // Service files and their references.
    ("YAML syntax", "render @/syntax.yaml --probe @/snap.json", 1, &["syntax.yaml:"]),
    ("unknown key", "requirements @/unknown-key.yaml", 1, &["services.web.resorces", "resources"]),
    ("$S: three parts", "render @/s-three-parts.yaml --probe @/snap.json", 1, &["s-three-parts.yaml:7:", "services.web.env.A", "name/field"]),
    ("$S: colon without scope", "render @/s-colon.yaml --probe @/snap.json", 1, &["services.web.env.A", "project:env/name"]),
    ("$S: empty", "render @/s-empty.yaml --probe @/snap.json", 1, &["services.web.env.A", "secret reference"]),
    ("$S: leading slash", "requirements @/s-slash.yaml", 1, &["services.web.env.A", "starts with `/`"]),
    ("$E: empty", "render @/e-empty.yaml --probe @/snap.json", 1, &["services.web.env.A", "variable name"]),
    ("time-slice config relative", "render @/ts-rel.yaml --probe @/snap.json", 1, &["services.web.resources.gpu.time_slicing_config_path", "absolute"]),
    ("MPS pipe dir relative", "requirements @/mps-rel.yaml", 1, &["services.web.resources.gpu.mps_pipe_dir", "absolute"]),
    ("probe of a secret variable", "probe --for @/e-secret.yaml", 1, &["services.web.env.DB", "$S:db_password"]),
    ("probe of the secrets dir", "probe --for @/e-secrets-dir.yaml", 1, &["services.web.env.D", "OCIGEN_SECRETS_DIR", "$S:"]),
    ("live render of a secret variable", "render @/e-secret.yaml", 1, &["services.web.env.DB", "$S:db_password"]),
    ("unknown service", "render @/svc.yaml --probe @/snap.json --service nope", 1, &["nope", "web"]),
    ("missing secret", "render @/s-ok.yaml --probe @/snap.json --secrets-dir @/nope", 3, &["$S:db", "OCIGEN_SECRET_DB"]),
    // Flags.
    ("volume relative", "render @/svc.yaml --probe @/snap.json --volume data=../../etc", 2, &["--volume", "absolute"]),
    ("volume with ..", "render @/svc.yaml --probe @/snap.json --volume data=/srv/../etc", 2, &["--volume", ".."]),
    ("volume without key", "render @/svc.yaml --probe @/snap.json --volume =/srv", 2, &["--volume", "KEY=VALUE"]),
    ("env without =", "render @/svc.yaml --probe @/snap.json --env NOEQUALS", 2, &["--env"]),
    ("unknown preset", "render @/svc.yaml --probe @/snap.json --preset crio", 2, &["--preset"]),
    ("negative replica", "render @/svc.yaml --probe @/snap.json --replica -1", 2, &["-1"]),
    ("unknown schema", "validate @/c-env.json --schema 9.9", 2, &["--schema"]),
    ("output directory missing", "render @/svc.yaml --probe @/snap.json -o @/no/such/dir/out.json", 3, &["no/such/dir"]),
    // Bundles.
    ("rootfs /", "bundle @/svc.yaml --probe @/snap.json --rootfs / --out @/b2", 1, &["bundle /", "host's root"]),
    ("rootfs equals out", "bundle @/svc.yaml --probe @/snap.json --rootfs @/rootfs --out @/rootfs", 1, &["rootfs", "also the rootfs"]),
    ("rootfs inside out", "bundle @/svc.yaml --probe @/snap.json --rootfs @/outdir/rootfs --out @/outdir", 1, &["outdir", "contains the rootfs"]),
    ("out inside rootfs", "bundle @/svc.yaml --probe @/snap.json --rootfs @/rootfs --out @/rootfs/inner/b", 1, &["rootfs/inner/b", "inside the rootfs"]),
    ("out inside rootfs via ..", "bundle @/svc.yaml --probe @/snap.json --rootfs @/rootfs --out @/rootfs/new/../b3", 1, &["rootfs/b3", "inside the rootfs"]),
    ("rootfs missing", "bundle @/svc.yaml --probe @/snap.json --rootfs @/nope --out @/b4", 1, &["rootfs", "nope"]),
    ("rootfs a file", "bundle @/svc.yaml --probe @/snap.json --rootfs @/a-file --out @/b5", 1, &["a-file", "not a directory"]),
    ("out a file", "bundle @/svc.yaml --probe @/snap.json --rootfs @/rootfs --out @/a-file", 1, &["a-file", "not a directory"]),
    ("out a symlink", "bundle @/svc.yaml --probe @/snap.json --rootfs @/rootfs --out @/out-link", 1, &["out-link", "symbolic link"]),
    // validate.
    ("config not JSON", "validate @/not-json.json", 1, &["not-json.json:1:2", "invalid JSON"]),
    ("relative mount", "validate @/c-rel-mount.json", 1, &["c-rel-mount.json:1:", "mounts[0].destination", "absolute"]),
    ("mount with ..", "validate @/c-dotdot-mount.json", 1, &["mounts[0].destination", "normalised"]),
    ("negative major", "validate @/c-neg-major.json", 1, &["linux.devices[0].major", "negative"]),
    ("minor out of range", "validate @/c-big-minor.json", 1, &["linux.devices[0].minor", "1048575"]),
    ("negative cgroup rule", "validate @/c-rule-neg.json", 1, &["linux.resources.devices[0].major"]),
    ("unknown ociVersion", "validate @/c-version.json", 1, &["ociVersion", "unsupported"]),
    ("no ociVersion", "validate @/c-no-version.json", 1, &["ociVersion", "missing"]),
    ("env without = in config", "validate @/c-env.json", 1, &["process.env[0]", "NAME=value"]),
    ("relative hook", "validate @/c-hook.json", 1, &["hooks.prestart[0].path"]),
    ("namespace twice", "validate @/c-dup-ns.json", 1, &["linux.namespaces[1].type", "twice"]),
    ("destination twice", "validate @/c-dup-dest.json", 1, &["mounts[1].destination", "twice"]),
    ("id map without userns", "validate @/c-idmap.json", 1, &["linux.uidMappings", "user namespace"]),
    ("hugepage size", "validate @/c-hugepage.json", 1, &["hugepageLimits[0].pageSize", "v1.2.1"]),
    ("hostname without uts", "validate @/c-hostname.json", 1, &["hostname", "uts"]),
    ("capability spelling", "validate @/c-cap.json", 1, &["process.capabilities.bounding[0]", "CAP_"]),
    ("uid type", "validate @/c-uid-type.json", 1, &["process.user.uid", "integer"]),
];

#[test]
fn every_bad_input_is_refused_with_its_code_and_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let mut failures = Vec::new();
    for (name, args, want, texts) in CASES {
        let args: Vec<String> = args
            .split(' ')
            .map(|a| a.replace('@', &dir.to_string_lossy()))
            .collect();
        let o = Command::new(BIN)
            .args(&args)
            .env_remove("OCIGEN_SECRETS_DIR")
            .env("OCIGEN_SECRET_DB_PASSWORD", "hunter2")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let missing: Vec<&&str> = texts.iter().filter(|t| !err.contains(**t)).collect();
        if o.status.code() != Some(*want) || !missing.is_empty() {
            failures.push(format!(
                "{name}: exit {:?} (want {want}), missing {missing:?}\n  {err}",
                o.status.code()
            ));
        }
        // A secret's value never reaches any output.
        assert!(
            !err.contains("hunter2") && !String::from_utf8_lossy(&o.stdout).contains("hunter2")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    assert!(CASES.len() >= 50);
}
