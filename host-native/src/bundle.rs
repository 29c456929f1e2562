//! OCI bundles on disk: a directory with `config.json` (written atomically) and the files the
//! core asked for (`resolv.conf`). The rootfs is referenced by absolute canonical path
//! (runc 1.1.5 refuses a symlinked `root.path`), so nothing is linked into the bundle.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use nix::fcntl::{Flock, FlockArg};

use ocigen_core::{BundleFile, Rendered};

use crate::error::{HostError, HostResult};

/// Create the bundle directory (and parents) and return its canonical absolute path.
/// A bundle directory that is itself a symlink is refused: cleanup could not be trusted.
pub fn create_bundle_dir(dir: &Path) -> HostResult<PathBuf> {
    if let Ok(m) = fs::symlink_metadata(dir) {
        if m.file_type().is_symlink() {
            return Err(refuse(dir, "is a symbolic link; pass the real directory"));
        }
        if !m.is_dir() {
            return Err(refuse(dir, "exists and is not a directory"));
        }
    }
    fs::create_dir_all(dir).map_err(|e| HostError::io("create", dir, e))?;
    fs::canonicalize(dir).map_err(|e| HostError::io("resolve", dir, e))
}

/// The canonical absolute path of a rootfs directory, for `RenderOptions.rootfs`.
pub fn canonical_rootfs(rootfs: &Path) -> HostResult<PathBuf> {
    let real = fs::canonicalize(rootfs).map_err(|e| HostError::io("read rootfs", rootfs, e))?;
    if !real.is_dir() {
        return Err(refuse(rootfs, "rootfs is not a directory"));
    }
    Ok(real)
}

fn refuse(path: &Path, message: &str) -> HostError {
    HostError::Bundle {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Temp-file names made by this process so far: with the pid, a name no other writer uses.
static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// Write `contents` to `path` atomically: a temp file beside it, fsync, rename, fsync the
/// directory. Readers see the old file or the new one, never a torn one.
///
/// Safe to call concurrently for the same `path`, from threads or processes: every call
/// writes its own temp file (pid and a per-process sequence number in the name), so the last
/// rename wins and the file always holds exactly one caller's bytes.
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> HostResult<()> {
    // `out.json` has the parent "", which open() refuses: that is the current directory.
    let dir = match path.parent() {
        Some(d) if d.as_os_str().is_empty() => Path::new("."),
        Some(d) => d,
        None => return Err(refuse(path, "has no parent directory")),
    };
    let name = path
        .file_name()
        .ok_or_else(|| refuse(path, "has no file name"))?;
    let (tmp, mut f) = create_temp(dir, &name.to_string_lossy(), mode)?;
    let result = (|| {
        f.write_all(contents)
            .map_err(|e| HostError::io("write", &tmp, e))?;
        // The umask may have cut bits off `mode`; the core's mode is what the file must have.
        f.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| HostError::io("chmod", &tmp, e))?;
        f.sync_all().map_err(|e| HostError::io("fsync", &tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| HostError::io("rename into place", path, e))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| HostError::io("fsync", dir, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A new temp file `.<name>.tmp-<pid>-<seq>` in `dir`. `create_new` never reuses a name: one
/// left behind by a crashed process that had our pid is skipped, not removed (it could also
/// belong to a live writer in another pid namespace), and remove_bundle clears it later.
fn create_temp(dir: &Path, name: &str, mode: u32) -> HostResult<(PathBuf, File)> {
    let pid = std::process::id();
    let mut attempts = 0;
    loop {
        let seq = TMP_SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.tmp-{pid}-{seq}"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(HostError::io("create", &tmp, e)),
        }
    }
}

/// Where a bundle file goes; refuses absolute paths, `..`, and symlinked directories on the
/// way (a link could point the write outside the bundle).
fn bundle_file_path(bundle: &Path, rel: &str) -> HostResult<PathBuf> {
    let relp = Path::new(rel);
    if rel.is_empty() || !relp.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(refuse(
            bundle,
            &format!("bundle file path `{rel}` must be relative, without `..`"),
        ));
    }
    let mut at = bundle.to_path_buf();
    let comps: Vec<_> = relp.components().collect();
    for (i, c) in comps.iter().enumerate() {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(refuse(
                    &at,
                    "is a symbolic link; refusing to write through it",
                ))
            }
            Ok(_) => {}
            Err(_) if i + 1 < comps.len() => match fs::create_dir(&at) {
                Ok(()) => {}
                // A concurrent writer of the same bundle made it first: check what it is.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let m = fs::symlink_metadata(&at).map_err(|e| HostError::io("read", &at, e))?;
                    if !m.is_dir() {
                        return Err(refuse(&at, "appeared while writing and is not a directory"));
                    }
                }
                Err(e) => return Err(HostError::io("create", &at, e)),
            },
            Err(_) => {}
        }
    }
    Ok(at)
}

/// Write config.json and the bundle files into an existing bundle directory.
pub fn write_bundle(bundle: &Path, rendered: &Rendered) -> HostResult<()> {
    write_bundle_parts(bundle, &rendered.config_json(), &rendered.bundle_files)
}

/// [`write_bundle`] from its parts. Bundle files first, so a config.json that exists is
/// always complete with what it refers to.
///
/// Writers of the same bundle directory take turns: each holds an exclusive `flock` on the
/// directory while it writes, so the bundle ends up with one writer's config.json *and* that
/// same writer's files, never a config.json of one render beside the resolv.conf of another.
pub fn write_bundle_parts(
    bundle: &Path,
    config_json: &str,
    files: &[BundleFile],
) -> HostResult<()> {
    let _lock = lock_bundle(bundle)?;
    for f in files {
        let path = bundle_file_path(bundle, &f.path)?;
        write_atomic(&path, f.contents.as_bytes(), f.mode)?;
    }
    let config = bundle_file_path(bundle, "config.json")?;
    write_atomic(&config, config_json.as_bytes(), 0o644)
}

/// An exclusive flock on the bundle directory, released when dropped. flock locks belong to
/// the open file description, so two threads of one process exclude each other as two
/// processes do. Blocks until the lock is free: call it off async runtime threads.
fn lock_bundle(bundle: &Path) -> HostResult<Flock<File>> {
    let dir = File::open(bundle).map_err(|e| HostError::io("open", bundle, e))?;
    Flock::lock(dir, FlockArg::LockExclusive)
        .map_err(|(_, errno)| HostError::io("lock", bundle, std::io::Error::from(errno)))
}

/// Remove a bundle directory and everything in it. Symbolic links are unlinked, never
/// followed; a directory on another filesystem (a mount inside the bundle) is refused rather
/// than emptied; a bundle path that is itself a link is refused.
pub fn remove_bundle(bundle: &Path) -> HostResult<()> {
    let m = fs::symlink_metadata(bundle).map_err(|e| HostError::io("read", bundle, e))?;
    if m.file_type().is_symlink() {
        return Err(refuse(
            bundle,
            "is a symbolic link; refusing to clean up through it",
        ));
    }
    if !m.is_dir() {
        return Err(refuse(bundle, "is not a directory"));
    }
    // Wait for a writer of this bundle to finish: removing under it would fail its writes
    // half-way. A writer that gets the lock after us finds the directory gone and fails.
    let _lock = lock_bundle(bundle)?;
    remove_tree(bundle, m.dev())
}

fn remove_tree(dir: &Path, dev: u64) -> HostResult<()> {
    let entries = fs::read_dir(dir).map_err(|e| HostError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| HostError::io("list", dir, e))?;
        let path = entry.path();
        let m = fs::symlink_metadata(&path).map_err(|e| HostError::io("read", &path, e))?;
        if m.is_dir() {
            if m.dev() != dev {
                return Err(refuse(
                    &path,
                    "is a mount point (another filesystem); unmount it first",
                ));
            }
            remove_tree(&path, dev)?;
        } else {
            // Files, sockets, device nodes and symlinks: unlink the entry itself.
            fs::remove_file(&path).map_err(|e| HostError::io("remove", &path, e))?;
        }
    }
    fs::remove_dir(dir).map_err(|e| HostError::io("remove", dir, e))
}
