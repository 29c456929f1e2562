//! Harness for the real-runtime suite (`tests/runc.rs`): builds a busybox rootfs, runs
//! `ocigen bundle` on a fixture, starts the bundle with `runc run`, and parses the `key=value`
//! lines that `probe.sh` prints from inside the container.
//!
//! Every case owns a temp dir (rootfs copy, bundle, runc state root), so cases run in parallel;
//! the container id is unique per process and case, since it also names the container's cgroup.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a container may run before it is killed and the case fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// The busybox applets the probe script and the tests call, linked to `bin/busybox`.
const APPLETS: &[&str] = &[
    "sh", "awk", "cat", "env", "grep", "head", "hostname", "id", "ls", "mkdir", "mknod",
    "readlink", "sed", "sleep", "stat", "tr", "true", "unshare", "wc",
];

const PROBE: &str = include_str!("probe.sh");

/// The host tools the suite needs, or why it cannot run.
pub struct Tools {
    pub runc: PathBuf,
    busybox: PathBuf,
}

/// The one skip policy: without root, runc or busybox the suite cannot prove anything. Under
/// CI (`CI=true`) that is a failure; elsewhere it is a loud skip, so a developer laptop without
/// runc still runs the rest of the workspace's tests.
pub fn tools() -> Option<Tools> {
    let found = (|| {
        if !nix::unistd::geteuid().is_root() {
            return Err("not running as root (runc needs root here)".to_string());
        }
        let runc = find_tool("runc").ok_or("runc not found on PATH or in /usr/sbin")?;
        let busybox =
            find_tool("busybox").ok_or("busybox not found (apt install busybox-static)")?;
        Ok(Tools { runc, busybox })
    })();
    match found {
        Ok(t) => Some(t),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("runc suite cannot run under CI=true: {why}")
        }
        Err(why) => {
            eprintln!("\n*** SKIPPED: runc suite: {why} ***\n");
            None
        }
    }
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// One fixture service, rendered into a bundle and run.
pub struct Case {
    tools: Tools,
    tmp: tempfile::TempDir,
    fixture: String,
    subst: Vec<(String, String)>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    pub id: String,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl Case {
    /// A case for `tests/runc/<fixture>.yaml`, or `None` when the suite is skipped.
    pub fn new(fixture: &str) -> Option<Case> {
        let tools = tools()?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!("ocigen-runc-{fixture}-"))
            .tempdir()
            .expect("temp dir");
        // The replica number makes `<service>-rep-<N>` (the cgroup leaf) unique per process and
        // case; pids fit in 22 bits, so pid * 100 + seq stays within u32.
        let replica = std::process::id() * 100 + SEQ.fetch_add(1, Ordering::Relaxed) % 100;
        let case = Case {
            tools,
            fixture: fixture.to_string(),
            subst: Vec::new(),
            args: vec!["--replica".into(), replica.to_string()],
            envs: Vec::new(),
            id: format!("{fixture}-rep-{replica}"),
            tmp,
        };
        case.build_rootfs();
        Some(case)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn rootfs(&self) -> PathBuf {
        self.path("rootfs")
    }

    /// A fresh host directory under the case's temp dir.
    pub fn host_dir(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).expect("host dir");
        dir
    }

    /// Replace `@KEY@` in the fixture text with `value`.
    pub fn subst(mut self, key: &str, value: impl AsRef<Path>) -> Self {
        let value = value.as_ref().display().to_string();
        self.subst.push((format!("@{key}@"), value));
        self
    }

    /// An extra `ocigen bundle` argument.
    pub fn arg(mut self, arg: impl AsRef<Path>) -> Self {
        self.args.push(arg.as_ref().display().to_string());
        self
    }

    /// An environment variable of the `ocigen` process (for `$E:NAME`).
    pub fn ocigen_env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// A file under the rootfs (for the image's /etc/passwd and device nodes).
    pub fn write_rootfs(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.rootfs().join(rel);
        std::fs::write(&path, text).expect("write rootfs file");
        path
    }

    fn build_rootfs(&self) {
        let root = self.rootfs();
        for dir in ["bin", "proc", "sys", "dev", "etc", "tmp", "nodes"] {
            std::fs::create_dir_all(root.join(dir)).expect("rootfs dir");
        }
        std::fs::copy(&self.tools.busybox, root.join("bin/busybox")).expect("copy busybox");
        for applet in APPLETS {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).expect("applet");
        }
        std::fs::write(root.join("probe.sh"), PROBE).expect("probe.sh");
        self.write_rootfs("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        self.write_rootfs("etc/group", "root:x:0:\n");
    }

    /// Write the bundle with `ocigen bundle` and return its config.json.
    pub fn bundle(&self) -> serde_json::Value {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/runc")
            .join(format!("{}.yaml", self.fixture));
        let mut text = std::fs::read_to_string(&src).expect("fixture");
        for (key, value) in &self.subst {
            text = text.replace(key, value);
        }
        assert!(
            !text.contains("@"),
            "{}: unreplaced placeholder:\n{text}",
            src.display()
        );
        let service = self.path("service.yaml");
        std::fs::write(&service, text).expect("service file");
        let out = Command::new(env!("CARGO_BIN_EXE_ocigen"))
            .arg("bundle")
            .arg(&service)
            .arg("--rootfs")
            .arg(self.rootfs())
            .arg("--out")
            .arg(self.path("bundle"))
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run ocigen");
        assert!(
            out.status.success(),
            "ocigen bundle {} failed: {}",
            self.fixture,
            String::from_utf8_lossy(&out.stderr)
        );
        let config = std::fs::read_to_string(self.path("bundle/config.json")).expect("config.json");
        serde_json::from_str(&config).expect("config.json is JSON")
    }

    fn runc(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.tools.runc);
        c.arg("--root").arg(self.host_dir("runc-state")).args(args);
        c
    }

    /// Bundle and `runc create` the container without starting it: its init process holds
    /// its namespaces (for another case to join) and `runc state` shows it. Deleted on drop.
    pub fn create(&self) -> Created<'_> {
        self.bundle();
        // The container's init keeps runc's stdio: a pipe here would never reach EOF.
        let log = self.path("create.err");
        let status = self
            .runc(&["create", "--bundle"])
            .arg(self.path("bundle"))
            .arg(&self.id)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("create.err"))
            .status()
            .expect("runc create");
        let created = Created { case: self };
        assert!(
            status.success(),
            "{}: runc create failed: {}",
            self.id,
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        created
    }

    /// Bundle, run the container to completion and return what the probe printed.
    pub fn run(&self) -> Facts {
        let config = self.bundle();
        let runc = |args: &[&str]| self.runc(args);
        let bundle = self.path("bundle");
        let mut child = runc(&["run", "--bundle"])
            .arg(&bundle)
            .arg(&self.id)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn runc");
        // Drain both pipes on threads so a chatty container cannot block on a full pipe.
        let drain = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = r.read_to_string(&mut s);
                s
            })
        };
        let out = drain(Box::new(child.stdout.take().expect("stdout")));
        let err = drain(Box::new(child.stderr.take().expect("stderr")));
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait runc") {
                break Some(status);
            }
            if start.elapsed() > RUN_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // Always delete: a killed or failed container leaves state and a cgroup behind.
        let _ = runc(&["delete", "-f", &self.id]).output();
        let facts = Facts::parse(
            out.join().unwrap_or_default(),
            err.join().unwrap_or_default(),
            config,
        );
        match status {
            None => panic!(
                "{}: runc run timed out after {RUN_TIMEOUT:?}\n{facts}",
                self.id
            ),
            Some(s) if !s.success() => panic!("{}: runc run failed ({s})\n{facts}", self.id),
            Some(_) => {}
        }
        assert_eq!(facts.get("probe"), "done", "probe did not finish\n{facts}");
        facts
    }
}

impl Case {
    /// Like [`Case::run`] for a container with `process.terminal`: started detached with a
    /// console socket, as an agent starts one; the pty master runc sends over the socket is
    /// read until the container's side closes, and is what the probe printed.
    pub fn run_with_console(&self) -> Facts {
        use std::os::unix::net::UnixListener;
        let config = self.bundle();
        let socket = self.path("console.sock");
        let listener = UnixListener::bind(&socket).expect("console socket");
        let log = self.path("run.err");
        let status = self
            .runc(&["run", "--detach", "--console-socket"])
            .arg(&socket)
            .arg("--bundle")
            .arg(self.path("bundle"))
            .arg(&self.id)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("run.err"))
            .status()
            .expect("runc run --detach");
        let stderr = std::fs::read_to_string(&log).unwrap_or_default();
        if !status.success() {
            let _ = self.runc(&["delete", "-f", &self.id]).output();
            panic!("{}: runc run --detach failed ({status}): {stderr}", self.id);
        }
        let (stream, _) = listener
            .accept()
            .expect("runc connects to the console socket");
        let mut master = receive_fd(&stream);
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            // EIO once the container's side of the pty is closed: the end of its output.
            let mut buf = [0u8; 4096];
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            String::from_utf8_lossy(&out).into_owned()
        });
        let start = Instant::now();
        while !reader.is_finished() && start.elapsed() < RUN_TIMEOUT {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.runc(&["delete", "-f", &self.id]).output();
        let stdout = reader.join().unwrap_or_default();
        let facts = Facts::parse(stdout, stderr, config);
        assert_eq!(facts.get("probe"), "done", "probe did not finish\n{facts}");
        facts
    }
}

/// The one file descriptor sent with SCM_RIGHTS on `stream` (runc's console master).
fn receive_fd(stream: &std::os::unix::net::UnixStream) -> std::fs::File {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    use std::os::fd::{AsRawFd, FromRawFd};
    let mut data = [0u8; 256];
    let mut iov = [std::io::IoSliceMut::new(&mut data)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = recvmsg::<()>(
        stream.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::empty(),
    )
    .expect("recvmsg on the console socket");
    let fd = msg
        .cmsgs()
        .expect("control messages")
        .find_map(|c| match c {
            ControlMessageOwned::ScmRights(fds) => fds.first().copied(),
            _ => None,
        })
        .expect("runc sent a file descriptor");
    // SAFETY: the kernel just installed `fd` in this process for us, and nothing else owns it.
    unsafe { std::fs::File::from_raw_fd(fd) }
}

/// A created (not started) container, deleted when dropped.
pub struct Created<'a> {
    case: &'a Case,
}

impl Created<'_> {
    /// `runc state` of the container, as JSON.
    pub fn state(&self) -> serde_json::Value {
        let out = self
            .case
            .runc(&["state", &self.case.id])
            .output()
            .expect("runc state");
        assert!(
            out.status.success(),
            "runc state: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("runc state is JSON")
    }

    /// The host pid of the container's init process.
    pub fn pid(&self) -> u64 {
        self.state()["pid"].as_u64().expect("state has a pid")
    }
}

impl Drop for Created<'_> {
    fn drop(&mut self) {
        let _ = self.case.runc(&["delete", "-f", &self.case.id]).output();
    }
}

/// A device node created on the host for one case, removed when dropped.
pub struct HostNode(pub PathBuf);

impl HostNode {
    pub fn char(path: PathBuf, major: u64, minor: u64) -> HostNode {
        use nix::sys::stat::{makedev, mknod, Mode, SFlag};
        let _ = std::fs::remove_file(&path);
        mknod(
            &path,
            SFlag::S_IFCHR,
            Mode::from_bits_truncate(0o666),
            makedev(major, minor),
        )
        .unwrap_or_else(|e| panic!("mknod {}: {e}", path.display()));
        HostNode(path)
    }
}

impl Drop for HostNode {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What the probe printed, with the config it ran and runc's stderr for failure messages.
pub struct Facts {
    map: BTreeMap<String, String>,
    stdout: String,
    stderr: String,
    config: serde_json::Value,
}

impl Facts {
    fn parse(stdout: String, stderr: String, config: serde_json::Value) -> Facts {
        // A container with a terminal writes through a pty, which ends lines with \r\n.
        let map = stdout
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Facts {
            map,
            stdout,
            stderr,
            config,
        }
    }

    pub fn opt(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// A fact the probe must have printed.
    pub fn get(&self, key: &str) -> &str {
        self.opt(key)
            .unwrap_or_else(|| panic!("probe printed no `{key}`\n{self}"))
    }

    pub fn env(&self, name: &str) -> Option<&str> {
        self.opt(&format!("env.{name}"))
    }

    /// A capability set from /proc/self/status (`CapEff`, `CapBnd`...) as a bit mask.
    pub fn caps(&self, set: &str) -> u64 {
        u64::from_str_radix(self.get(set), 16).unwrap_or_else(|e| panic!("{set}: {e}\n{self}"))
    }

    /// `(fstype, options)` of the mount on `target`.
    pub fn mount(&self, target: &str) -> (&str, Vec<&str>) {
        let v = self.get(&format!("mount.{target}"));
        let (ty, opts) = v.split_once(' ').unwrap_or((v, ""));
        (ty, opts.split(',').collect())
    }

    /// The memory limit in bytes, `None` for no limit, on cgroup v1 or v2.
    pub fn memory_limit(&self) -> Option<u64> {
        let v = self.get("memory");
        // v1 writes "no limit" as the largest page-aligned i64.
        (v != "max" && v != "9223372036854771712").then(|| v.parse().expect("memory limit"))
    }

    /// `(quota, period)` in µs, `None` quota for no limit, on cgroup v1 (`-1 P`) or v2 (`max P`).
    pub fn cpu_quota(&self) -> (Option<u64>, u64) {
        let v = self.get("cpu");
        let (q, p) = v
            .split_once(' ')
            .unwrap_or_else(|| panic!("cpu `{v}`\n{self}"));
        let period = p.parse().expect("cpu period");
        (
            q.parse::<i64>().ok().filter(|q| *q >= 0).map(|q| q as u64),
            period,
        )
    }

    /// The error text of a failed `w:`/`r:`/`d:` check, `None` when it succeeded.
    pub fn check_err(&self, check: &str) -> Option<&str> {
        let v = self.get(check);
        (v != "ok").then(|| v.strip_prefix("err:").unwrap_or(v))
    }
}

impl std::fmt::Display for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- stdout\n{}--- stderr\n{}--- config.json\n{}",
            self.stdout, self.stderr, self.config
        )
    }
}

/// Bits of the capabilities the suite names (linux/capability.h).
pub fn cap_mask(names: &[&str]) -> u64 {
    const BITS: &[(&str, u32)] = &[
        ("CHOWN", 0),
        ("DAC_OVERRIDE", 1),
        ("FOWNER", 3),
        ("FSETID", 4),
        ("KILL", 5),
        ("SETGID", 6),
        ("SETUID", 7),
        ("SETPCAP", 8),
        ("NET_BIND_SERVICE", 10),
        ("NET_ADMIN", 12),
        ("NET_RAW", 13),
        ("SYS_CHROOT", 18),
        ("SYS_PTRACE", 19),
        ("SYS_ADMIN", 21),
        ("SYS_RESOURCE", 24),
        ("MKNOD", 27),
        ("AUDIT_WRITE", 29),
        ("SETFCAP", 31),
    ];
    names.iter().fold(0, |m, n| {
        let bit = BITS
            .iter()
            .find(|(b, _)| b == n)
            .unwrap_or_else(|| panic!("cap {n}"))
            .1;
        m | 1 << bit
    })
}

/// Docker's (and ocigen's) 14 default capabilities.
pub const DEFAULT_CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// A line `Key:\tvalue` of the test process's own /proc/self/status.
pub fn host_status(key: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("host status has no {key}"))
}

/// This process's `Max open files` soft and hard limits (`None` when unlimited or unreadable).
pub fn own_nofile() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))?;
    let mut cols = line.split_whitespace().map(|c| c.parse::<u64>().ok());
    Some((cols.next()??, cols.next()??))
}
