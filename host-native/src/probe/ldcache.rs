//! The dynamic loader's cache, `/etc/ld.so.cache`, read as data: what `ldconfig -p` prints,
//! without running it. The probe uses it to find the NVIDIA driver's libraries where the
//! host's loader finds them, wherever the driver was installed.
//!
//! Layout (glibc's `dl-cache.h`): since glibc 2.32 a file holds only the "new" format
//! (`glibc-ld.so.cache1.1`); older glibc wrote an "old" table (`ld.so-1.7.0`) followed by
//! the new one, 8-byte aligned. The new header is 48 bytes: magic and version (20),
//! library count (u32), string table size (u32), flags (u8) and 3 bytes padding, extension
//! offset (u32), 3 unused u32. Each entry is 24 bytes: flags (i32), key and value (u32
//! string offsets from the new header's start), OS version (u32), hwcap (u64). Numbers are
//! in the host's byte order (a cache is never moved between machines).

/// One library the loader knows: `name` (its soname, as the program asks for it) => `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// The soname a program asks for (`libcuda.so.1`).
    pub name: String,
    /// Where the loader finds it (`/usr/local/nvidia/lib64/libcuda.so.1`).
    pub path: String,
    /// The entry's flags: the low byte says ELF/libc6, the next the architecture.
    pub flags: i32,
}

const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const NEW_HEADER: usize = 48;
const NEW_ENTRY: usize = 24;
const OLD_HEADER: usize = 16;
const OLD_ENTRY: usize = 12;

/// The architecture byte (flags & 0xff00) of 64-bit libraries of `arch` (`uname -m`), so
/// 32-bit and foreign libraries are left out; `None` for an arch we do not know (keep all).
pub fn arch_flag(arch: &str) -> Option<i32> {
    match arch {
        "x86_64" => Some(0x0300),
        "aarch64" => Some(0x0a00),
        "ppc64le" | "ppc64" => Some(0x0500),
        "s390x" => Some(0x0600),
        _ => None,
    }
}

/// Every entry of a cache file, in file order (the loader's preference order).
pub fn parse_ld_cache(bytes: &[u8]) -> Result<Vec<CacheEntry>, String> {
    let new_at = if bytes.starts_with(NEW_MAGIC) {
        0
    } else if bytes.starts_with(OLD_MAGIC) {
        let old_count = u32_at(bytes, OLD_MAGIC.len() + 1)? as usize;
        let end = old_count
            .checked_mul(OLD_ENTRY)
            .and_then(|n| n.checked_add(OLD_HEADER))
            .ok_or("old-format library count overflows")?;
        let aligned = end.div_ceil(8) * 8;
        if !bytes
            .get(aligned..)
            .is_some_and(|b| b.starts_with(NEW_MAGIC))
        {
            return Err("only the pre-2.32 format is present (no glibc-ld.so.cache1.1 table); run ldconfig with a newer glibc".into());
        }
        aligned
    } else {
        return Err("not a loader cache (unknown magic)".into());
    };
    let new = &bytes[new_at..];
    if new.len() < NEW_HEADER {
        return Err("truncated header".into());
    }
    let count = u32_at(new, 20)? as usize;
    let mut entries = Vec::with_capacity(count.min(new.len() / NEW_ENTRY));
    for i in 0..count {
        let at = NEW_HEADER + i * NEW_ENTRY;
        if at + NEW_ENTRY > new.len() {
            return Err(format!("truncated: entry {i} of {count} lies past the end"));
        }
        let flags = u32_at(new, at)? as i32;
        let name = string_at(new, u32_at(new, at + 4)? as usize)?;
        let path = string_at(new, u32_at(new, at + 8)? as usize)?;
        entries.push(CacheEntry { name, path, flags });
    }
    Ok(entries)
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_ne_bytes)
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn string_at(b: &[u8], at: usize) -> Result<String, String> {
    let tail = b
        .get(at..)
        .ok_or_else(|| format!("string offset {at} lies past the end"))?;
    let len = tail
        .iter()
        .position(|c| *c == 0)
        .ok_or_else(|| format!("string at {at} is not terminated"))?;
    String::from_utf8(tail[..len].to_vec()).map_err(|_| format!("string at {at} is not UTF-8"))
}

/// A new-format cache of `entries` (name, path, flags), as ldconfig lays it out: for tests
/// of the probe on fake host trees.
pub fn write_ld_cache(entries: &[(&str, &str, i32)]) -> Vec<u8> {
    let strings_at = NEW_HEADER + entries.len() * NEW_ENTRY;
    let mut strings = Vec::new();
    let mut table = Vec::new();
    for (name, path, flags) in entries {
        let key = strings_at + strings.len();
        strings.extend_from_slice(name.as_bytes());
        strings.push(0);
        let value = strings_at + strings.len();
        strings.extend_from_slice(path.as_bytes());
        strings.push(0);
        table.extend_from_slice(&flags.to_ne_bytes());
        table.extend_from_slice(&(key as u32).to_ne_bytes());
        table.extend_from_slice(&(value as u32).to_ne_bytes());
        table.extend_from_slice(&[0; 12]);
    }
    let mut out = NEW_MAGIC.to_vec();
    out.extend_from_slice(&(entries.len() as u32).to_ne_bytes());
    out.extend_from_slice(&(strings.len() as u32).to_ne_bytes());
    out.extend_from_slice(&[2, 0, 0, 0]);
    out.extend_from_slice(&[0; 16]);
    out.extend(table);
    out.extend(strings);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_old_prefix() {
        let entries = [
            (
                "libcuda.so.1",
                "/usr/local/nvidia/lib64/libcuda.so.1",
                0x0303,
            ),
            ("libc.so.6", "/lib/i386-linux-gnu/libc.so.6", 0x0003),
        ];
        let new = write_ld_cache(&entries);
        let parsed = parse_ld_cache(&new).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].name, "libcuda.so.1");
        assert_eq!(parsed[0].path, "/usr/local/nvidia/lib64/libcuda.so.1");
        assert_eq!(parsed[1].flags & 0xff00, 0);
        // The compat layout: an old table of one entry, then the new table 8-aligned.
        let mut compat = b"ld.so-1.7.0\0".to_vec();
        compat.extend_from_slice(&1u32.to_ne_bytes());
        compat.extend_from_slice(&[0; OLD_ENTRY]);
        compat.resize(compat.len().div_ceil(8) * 8, 0);
        compat.extend_from_slice(&new);
        assert_eq!(parse_ld_cache(&compat).unwrap(), parsed);
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let new = write_ld_cache(&[("a", "/a", 0x303)]);
        for cut in [0, 10, 30, 50, new.len() - 1] {
            assert!(parse_ld_cache(&new[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = new.clone();
        bad[NEW_HEADER + 4..NEW_HEADER + 8].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(parse_ld_cache(&bad).is_err());
        assert!(parse_ld_cache(b"ld.so-1.7.0\0\x01\0\0\0").is_err());
    }
}
