//! Which host files belong to the NVIDIA driver, and where a container gets them. The probe
//! uses the same rules to pick files out of the loader cache and the driver folders, so the
//! snapshot and the generator agree on what a driver file is.

/// Programs of the driver worth giving a container: `nvidia-smi` and `nvidia-debugdump` to
/// inspect the GPU, the MPS control daemon and server for `sharing: mps`, and
/// `nvidia-persistenced` (nvidia-ctk's list has the same five).
pub const DRIVER_BINARIES: &[&str] = &[
    "nvidia-smi",
    "nvidia-debugdump",
    "nvidia-persistenced",
    "nvidia-cuda-mps-control",
    "nvidia-cuda-mps-server",
];

/// Where a container finds the driver's libraries. NVIDIA's CUDA images already list this
/// folder in `LD_LIBRARY_PATH` and `/etc/ld.so.conf.d/nvidia.conf` (the layout the first
/// nvidia-docker mounted), so gathering every library here, whatever the host's folder,
/// keeps the image's own library folders untouched.
pub const CONTAINER_LIB_DIR: &str = "/usr/local/nvidia/lib64";

/// Where a container finds the driver's programs (on the `PATH` of NVIDIA's CUDA images).
pub const CONTAINER_BIN_DIR: &str = "/usr/local/nvidia/bin";

/// Options of every driver file mount: read-only, and neither setuid programs nor device
/// nodes can come in through it.
pub const MOUNT_OPTIONS: &[&str] = &["ro", "nosuid", "nodev", "rbind"];

/// Whether `file_name` is a library of driver `version`: `lib<name>.so.<version>`. Every
/// user-space library a driver release installs carries the release number as its suffix
/// (`libcuda.so.580.159.04`, `libnvidia-ml.so.580.159.04`), which tells them apart from the
/// CUDA toolkit's and from another driver release's leftovers.
pub fn is_driver_library(file_name: &str, version: &str) -> bool {
    if version.is_empty() {
        return false;
    }
    file_name
        .strip_suffix(version)
        .and_then(|stem| stem.strip_suffix(".so."))
        .and_then(|name| name.strip_prefix("lib"))
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// Whether a file named `file_name` could be a link to a driver library (`libcuda.so`,
/// `libcuda.so.1`): the probe resolves only these.
pub fn may_name_a_library(file_name: &str) -> bool {
    file_name.starts_with("lib") && file_name.contains(".so")
}

/// The last component of a path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_libraries_carry_the_driver_version() {
        let v = "580.159.04";
        for yes in [
            "libcuda.so.580.159.04",
            "libnvidia-ml.so.580.159.04",
            "libnvidia-ptxjitcompiler.so.580.159.04",
            "libGLX_nvidia.so.580.159.04",
        ] {
            assert!(is_driver_library(yes, v), "{yes}");
        }
        for no in [
            "libcuda.so.1",
            "libcuda.so",
            "libcuda.so.535.104.05",
            "libcudart.so.12.4.127",
            "lib.so.580.159.04",
            "cuda.so.580.159.04",
            "libcuda.so.580.159.04.bak",
        ] {
            assert!(!is_driver_library(no, v), "{no}");
        }
        assert!(!is_driver_library("libcuda.so.", ""));
    }

    #[test]
    fn link_candidates() {
        assert!(may_name_a_library("libcuda.so.1"));
        assert!(may_name_a_library("libcuda.so"));
        assert!(!may_name_a_library("nvidia-smi"));
        assert_eq!(file_name("/usr/lib/libcuda.so.1"), "libcuda.so.1");
    }
}
