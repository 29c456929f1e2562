//! Bounded reading of input files. Every file ocigen reads (service, snapshot, image config,
//! passwd/group, options, seccomp profiles, secrets, CDI specs, config.json) is text of a few
//! KiB; a path such as `/dev/zero`, an endless FIFO or a multi-GiB file must fail at once with
//! an error naming the limit, never fill memory. A FIFO nobody writes to must not hang either.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use nix::fcntl::{fcntl, FcntlArg, OFlag};

/// The default largest input, in bytes (8 MiB): hundreds of times the size of a real service
/// file, snapshot or CDI spec, and small enough that reading it costs nothing.
pub const DEFAULT_MAX_INPUT_SIZE: u64 = 8 * 1024 * 1024;

/// `n` bytes as people write limits: `8 MiB`, `512 KiB`, or plain bytes.
pub fn show_size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// The error for an input over `limit` bytes. Its kind is `FileTooLarge`, so a caller can add
/// its own hint (the CLI names `--max-input-size`).
pub fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than the input size limit of {}", show_size(limit)),
    )
}

/// Read at most `limit` bytes from `r`; one byte more is an error.
pub fn read_limited(r: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    // One byte past the limit tells "exactly the limit" from "more than the limit".
    r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(buf)
}

/// Read at most `limit` bytes of UTF-8 text from `r`; one byte more is an error.
pub fn read_text_limited(r: impl Read, limit: u64) -> io::Result<String> {
    utf8(read_limited(r, limit)?)
}

fn utf8(bytes: Vec<u8>) -> io::Result<String> {
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "is not UTF-8 text"))
}

/// Read the text file at `path`, at most `limit` bytes; see [`read_file_bytes_limited`].
pub fn read_file_limited(path: &Path, limit: u64) -> io::Result<String> {
    utf8(read_file_bytes_limited(path, limit)?)
}

/// Read the file at `path`, at most `limit` bytes.
///
/// A regular file over the limit fails before a byte is read. A FIFO is opened without
/// blocking (open(2) would otherwise wait for a writer forever) and then read blocking; one
/// with no writer gives an error rather than an empty input. Character devices (`/dev/zero`)
/// are read up to the limit and fail there.
pub fn read_file_bytes_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    if kind.is_file() {
        if meta.len() > limit {
            return Err(too_large(limit));
        }
    } else {
        // Non-blocking was only for open(); reads of pipes and terminals must wait for data.
        fcntl(&file, FcntlArg::F_SETFL(OFlag::empty())).map_err(io::Error::from)?;
    }
    let bytes = read_limited(&file, limit)?;
    if kind.is_fifo() && bytes.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "is a FIFO with no writer (nothing to read)",
        ));
    }
    Ok(bytes)
}

/// Standard input, at most `limit` bytes.
pub fn read_stdin_limited(limit: u64) -> io::Result<String> {
    read_text_limited(io::stdin().lock(), limit)
}

/// Parse a size written as bytes or with a unit: `8388608`, `64KiB`, `8MiB`, `1GiB` (also
/// `K`, `M`, `G`, `KB`, `MB`, `GB`, read as powers of 1024, as limits are meant). For
/// `--max-input-size`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("expected a size like 8MiB or 16777216, got `{text}`"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "unknown size unit in `{text}` (use KiB, MiB or GiB)"
            ))
        }
    };
    let size = n
        .checked_mul(mult)
        .ok_or_else(|| format!("size `{text}` is too large"))?;
    if size == 0 {
        return Err("the input size limit must be at least 1 byte".into());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_show() {
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
        for bad in ["", "MiB", "8 parsecs", "-1", "0", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(show_size(DEFAULT_MAX_INPUT_SIZE), "8 MiB");
        assert_eq!(show_size(1536), "1536 bytes");
        assert_eq!(show_size(64 << 10), "64 KiB");
    }

    #[test]
    fn the_limit_is_inclusive() {
        assert_eq!(read_text_limited(&b"abcd"[..], 4).unwrap(), "abcd");
        let e = read_text_limited(&b"abcde"[..], 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("4 bytes"), "{e}");
        assert!(read_text_limited(&[0xff, 0xfe][..], 4).is_err());
    }

    #[test]
    fn dev_zero_a_directory_and_a_big_file_fail_fast() {
        let e = read_file_limited(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge, "{e}");
        let tmp = tempfile::tempdir().unwrap();
        let e = read_file_limited(tmp.path(), 1 << 20).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory, "{e}");
        let big = tmp.path().join("big");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        assert!(read_file_limited(&big, 2047).is_err());
        assert_eq!(read_file_limited(&big, 2048).unwrap().len(), 2048);
    }

    #[test]
    fn a_fifo_without_a_writer_does_not_hang() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let e = read_file_limited(&fifo, 1024).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
    }
}
