//! The rootless suite: an unprivileged user probes, bundles and runs its own containers with
//! its own runc, as a rootless agent would. The test process runs as root only to set up the
//! case folder and to drop to the user (`runuser -u <user> --`); every ocigen and runc command
//! runs as that user (`OCIGEN_ROOTLESS_USER`, default `ocigen-rootless`, which
//! scripts/setup.sh creates; Debian's useradd gives it subuid/subgid ranges).
//!
//! Asserted from inside each container: /proc/self/uid_map and gid_map show the two ranges
//! (container 0 -> the user, 1.. -> its subordinate range), `id` as rendered (the image user
//! 1000:1000 included), /sys read-only; on the host: files written to a bind-mounted folder
//! are owned by the user (container root) or subuid start + 999 (container uid 1000); a limit
//! no writable cgroup can take gives W013 and the container still runs.
//!
//! runc hands the container's stdio to the container's root (the user), so it must be pipes
//! the user owns: the user's own shell makes them (`true | runc ... | cat`), never the pipes
//! or /dev/null of this root process (runc fails with "fchown fd N: operation not permitted").

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The user, its ids and subordinate ranges, and the tools.
struct Rootless {
    user: String,
    uid: u32,
    gid: u32,
    subuid: (u32, u32),
    subgid: (u32, u32),
    runuser: PathBuf,
    runc: PathBuf,
    busybox: PathBuf,
}

fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true") | Ok("1"))
}

/// What the suite needs, or a loud skip (a failure under CI=true).
fn rootless() -> Option<Rootless> {
    match setup() {
        Ok(r) => Some(r),
        Err(why) if in_ci() => panic!("rootless suite cannot run under CI=true: {why}"),
        Err(why) => {
            eprintln!("\n!!!!!!!! SKIPPED: rootless suite: {why} (set CI=true to make this a failure) !!!!!!!!\n");
            None
        }
    }
}

fn setup() -> Result<Rootless, String> {
    if !nix::unistd::geteuid().is_root() {
        return Err("not running as root (needed to drop to the rootless user)".into());
    }
    let tool = |name: &str| {
        ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(name))
            .find(|p| p.is_file())
            .ok_or(format!("{name} not found (scripts/setup.sh installs it)"))
    };
    let runuser = tool("runuser")?;
    let runc = tool("runc")?;
    let busybox = tool("busybox")?;
    tool("newuidmap")?;
    tool("newgidmap")?;
    let user = std::env::var("OCIGEN_ROOTLESS_USER").unwrap_or_else(|_| "ocigen-rootless".into());
    let entry = nix::unistd::User::from_name(&user)
        .ok()
        .flatten()
        .ok_or(format!(
            "user {user} does not exist (scripts/setup.sh creates it)"
        ))?;
    let range = |file: &str| -> Result<(u32, u32), String> {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        text.lines()
            .filter_map(|l| {
                let mut f = l.split(':');
                let owner = f.next()?;
                let start = f.next()?.parse().ok()?;
                let count = f.next()?.parse().ok()?;
                (owner == user || owner == entry.uid.to_string()).then_some((start, count))
            })
            .next()
            .ok_or(format!("{user} has no range in {file}"))
    };
    Ok(Rootless {
        subuid: range("/etc/subuid")?,
        subgid: range("/etc/subgid")?,
        uid: entry.uid.as_raw(),
        gid: entry.gid.as_raw(),
        user,
        runuser,
        runc,
        busybox,
    })
}

/// What the check script prints inside the container.
const CHECK: &str = r#"while read a b c; do echo "uid_map=$a $b $c"; done < /proc/self/uid_map
while read a b c; do echo "gid_map=$a $b $c"; done < /proc/self/gid_map
echo "id=$(id -u):$(id -g)"
echo "sys=$(awk '$2 == "/sys" {print $4; exit}' /proc/self/mounts)"
for d in "$@"; do touch "$d/by-$(id -u)" && echo "wrote=$d/by-$(id -u)"; done
echo done=1
"#;

const APPLETS: &[&str] = &["sh", "awk", "cat", "id", "touch", "echo"];

/// One service in its own folder, owned by the user: rootfs, service file, snapshot, bundle,
/// runc state.
struct Case<'a> {
    r: &'a Rootless,
    dir: tempfile::TempDir,
    name: String,
}

impl<'a> Case<'a> {
    fn new(r: &'a Rootless, name: &str, body: &str) -> Case<'a> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("ocigen-rootless-{name}-"))
            .tempdir_in("/tmp")
            .expect("temp dir");
        let case = Case {
            r,
            dir,
            name: name.into(),
        };
        let root = case.path("rootfs");
        for d in ["bin", "proc", "sys", "dev", "etc", "tmp", "data"] {
            std::fs::create_dir_all(root.join(d)).expect("rootfs dir");
        }
        std::fs::copy(&r.busybox, root.join("bin/busybox")).expect("busybox");
        for a in APPLETS {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(a)).expect("applet");
        }
        std::fs::write(root.join("check.sh"), CHECK).expect("check.sh");
        std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
        std::fs::write(root.join("etc/group"), "root:x:0:\n").unwrap();
        // The user runs ocigen: a copy it can reach (the target dir may not be).
        std::fs::copy(env!("CARGO_BIN_EXE_ocigen"), case.path("ocigen")).expect("ocigen copy");
        let text = format!(
            "version: v1\ndeployment: rootless\nservices:\n  {name}:\n    image: {{name: busybox}}\n{}",
            body.replace("@DIR@", &case.dir.path().display().to_string())
        );
        std::fs::write(case.path("service.yaml"), text).expect("service file");
        case
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A host folder for a bind mount, writable by every container id (uid 1000 included).
    fn host_dir(&self, rel: &str) -> PathBuf {
        let d = self.path(rel);
        std::fs::create_dir_all(&d).expect("host dir");
        std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .expect("chmod");
        d
    }

    /// Hand the folder to the user (the tempdir is root's and 0700).
    fn chown(&self) {
        let st = Command::new("chown")
            .arg("-R")
            .arg(format!("{}:{}", self.r.uid, self.r.gid))
            .arg(self.dir.path())
            .status()
            .expect("chown");
        assert!(st.success(), "chown -R failed");
    }

    /// `script` run by `sh -c` as the user, in the case folder, with a clean environment.
    fn as_user(&self, script: &str) -> Output {
        Command::new(&self.r.runuser)
            .args(["-u", &self.r.user, "--", "env", "-i"])
            .arg("PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin")
            .arg(format!("HOME={}", self.dir.path().display()))
            .args(["sh", "-c", &format!("cd \"$HOME\" && {script}")])
            .output()
            .expect("runuser")
    }

    /// As the user: probe, bundle; the bundle's stderr (diagnostics) and config.json.
    fn bundle(&self) -> Result<(String, serde_json::Value), String> {
        self.chown();
        let out = self.as_user("./ocigen probe --for service.yaml -o snapshot.json");
        assert!(
            out.status.success(),
            "{}: probe failed: {}",
            self.name,
            text(&out.stderr)
        );
        let out = self.as_user(
            "./ocigen bundle service.yaml --probe snapshot.json --rootfs rootfs --out bundle",
        );
        let err = text(&out.stderr);
        if !out.status.success() {
            return Err(err);
        }
        let config = std::fs::read_to_string(self.path("bundle/config.json")).expect("config");
        Ok((
            err,
            serde_json::from_str(&config).expect("config.json is JSON"),
        ))
    }

    /// As the user: `runc --root state run`; the check script's `key=value` lines.
    fn run(&self) -> Vec<(String, String)> {
        let id = format!("rl-{}-{}", self.name, std::process::id());
        let runc = self.r.runc.display();
        let out = self.as_user(&format!(
            "mkdir -p state && true | {runc} --root state run --bundle bundle {id} 2>runc.err | cat; \
             rc=$?; {runc} --root state delete -f {id} >/dev/null 2>&1; exit $rc"
        ));
        let stdout = text(&out.stdout);
        let runc_err = std::fs::read_to_string(self.path("runc.err")).unwrap_or_default();
        let facts: Vec<(String, String)> = stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(
            facts.iter().any(|(k, _)| k == "done"),
            "{}: the container did not finish\nstdout:\n{stdout}\nrunc:\n{runc_err}{}",
            self.name,
            text(&out.stderr)
        );
        facts
    }

    /// The checks every rootless container must pass: both id maps, `id`, /sys read-only.
    fn check_common(&self, facts: &[(String, String)], id: &str) {
        let r = self.r;
        let want = |kind: &str, own: u32, (start, count): (u32, u32)| {
            vec![format!("0 {own} 1"), format!("1 {start} {count}")]
                .into_iter()
                .map(|v| (kind.to_string(), v))
                .collect::<Vec<_>>()
        };
        let got = |kind: &str| {
            facts
                .iter()
                .filter(|(k, _)| k == kind)
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            got("uid_map"),
            want("uid_map", r.uid, r.subuid),
            "{}",
            self.name
        );
        assert_eq!(
            got("gid_map"),
            want("gid_map", r.gid, r.subgid),
            "{}",
            self.name
        );
        assert_eq!(value(facts, "id"), id, "{}", self.name);
        let sys = value(facts, "sys");
        assert!(
            sys.split(',').any(|o| o == "ro"),
            "{}: /sys is not read-only: {sys}",
            self.name
        );
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn value<'f>(facts: &'f [(String, String)], key: &str) -> &'f str {
    facts
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key}= line in {facts:?}"))
}

fn owner(path: &Path) -> (u32, u32) {
    let m = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (m.uid(), m.gid())
}

/// Whether the snapshot says some cgroup is writable with `controller` (v2 delegation).
fn can_limit(config_snapshot: &Path, controller: &str) -> bool {
    let snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(config_snapshot).unwrap()).unwrap();
    let cg = &snap["cgroup"];
    cg["layout"] == "v2"
        && (cg["parent_writable"] == true || cg["root_writable"] == true)
        && cg["controllers"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c == controller))
}

const ENTRY: &str = "    command: {entrypoint: [/bin/sh, /check.sh]}\n";

#[test]
fn plain_service_runs_in_its_user_namespace() {
    let Some(r) = rootless() else { return };
    let case = Case::new(&r, "plain", ENTRY);
    let (_, config) = case.bundle().expect("bundle");
    // A network namespace of its own: sysfs is mounted (read-only), not bound.
    let sys = config["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["destination"] == "/sys");
    assert_eq!(sys.unwrap()["type"], "sysfs", "{config}");
    let facts = case.run();
    case.check_common(&facts, "0:0");
}

#[test]
fn memory_limit_the_host_cannot_apply_is_a_diagnostic() {
    let Some(r) = rootless() else { return };
    let body = format!("    resources: {{memory: 64Mi, pids_limit: 64}}\n{ENTRY}");
    let case = Case::new(&r, "memory", &body);
    let (diagnostics, config) = case.bundle().expect("bundle");
    let limited = can_limit(&case.path("snapshot.json"), "memory");
    let resources = &config["linux"]["resources"];
    if limited {
        assert_eq!(resources["memory"]["limit"], 64 << 20, "{config}");
    } else {
        assert!(
            diagnostics.contains("W013") && diagnostics.contains("resources.memory"),
            "no W013 naming resources.memory: {diagnostics}"
        );
        assert!(resources.get("memory").is_none(), "{config}");
        assert!(config["linux"].get("cgroupsPath").is_none(), "{config}");
    }
    // Strict mode refuses what it would drop.
    if !limited {
        let out = case.as_user(
            "./ocigen bundle service.yaml --probe snapshot.json --rootfs rootfs --out strict --strict",
        );
        assert!(!out.status.success(), "strict bundle succeeded");
        assert!(
            text(&out.stderr).contains("resources.memory"),
            "{}",
            text(&out.stderr)
        );
    }
    let facts = case.run();
    case.check_common(&facts, "0:0");
}

#[test]
fn container_root_writes_a_bind_mount_as_the_user() {
    let Some(r) = rootless() else { return };
    let body = "    storage:\n      - {type: bind, source: \"@DIR@/shared\", target: /data}\n    command: {entrypoint: [/bin/sh, /check.sh, /data]}\n";
    let case = Case::new(&r, "bind", body);
    case.host_dir("shared");
    case.bundle().expect("bundle");
    let facts = case.run();
    case.check_common(&facts, "0:0");
    assert_eq!(value(&facts, "wrote"), "/data/by-0");
    assert_eq!(owner(&case.path("shared/by-0")), (r.uid, r.gid));
}

#[test]
fn image_user_1000_writes_as_subuid_start_plus_999() {
    let Some(r) = rootless() else { return };
    let body = "    user: \"1000:1000\"\n    storage:\n      - {type: bind, source: \"@DIR@/shared\", target: /data}\n    command: {entrypoint: [/bin/sh, /check.sh, /data]}\n";
    let case = Case::new(&r, "user", body);
    case.host_dir("shared");
    let (_, config) = case.bundle().expect("bundle");
    assert_eq!(config["process"]["user"]["uid"], 1000, "{config}");
    let facts = case.run();
    case.check_common(&facts, "1000:1000");
    assert_eq!(
        owner(&case.path("shared/by-1000")),
        (r.subuid.0 + 999, r.subgid.0 + 999)
    );
}

#[test]
fn host_network_gets_sys_as_a_read_only_bind() {
    let Some(r) = rootless() else { return };
    let body = format!("    network_mode: host\n{ENTRY}");
    let case = Case::new(&r, "hostnet", &body);
    let (_, config) = case.bundle().expect("bundle");
    // The kernel refuses sysfs to a user namespace that does not own the network namespace.
    let sys = config["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["destination"] == "/sys");
    let sys = sys.expect("a /sys mount");
    assert_eq!(sys["type"], "bind", "{sys}");
    assert!(
        sys["options"].as_array().unwrap().iter().any(|o| o == "ro"),
        "{sys}"
    );
    let facts = case.run();
    case.check_common(&facts, "0:0");
}

#[test]
fn image_user_outside_the_range_is_an_error_naming_both() {
    let Some(r) = rootless() else { return };
    let outside = r.subuid.1 + 10;
    let body = format!("    user: \"{outside}:0\"\n{ENTRY}");
    let case = Case::new(&r, "outside", &body);
    let err = case
        .bundle()
        .expect_err("an unmapped image user must be refused");
    assert!(err.contains(&outside.to_string()), "{err}");
    assert!(
        err.contains(&r.subuid.0.to_string()) || err.contains("subuid"),
        "{err}"
    );
}
