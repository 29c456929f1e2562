//! Sizes and quantities as users write them (`512Mi`, `1.5G`, `16Mi` for tmpfs), parsed
//! with overflow checks.
//!
//! Grammar accepted by [`parse_size`] (decided here, tested below):
//! - surrounding whitespace is ignored; no space is allowed between number and suffix;
//! - the number is ASCII digits, optionally with one `.` followed by more digits (`1.5Gi`);
//!   no sign, no exponent, no leading `.`;
//! - suffixes: none (bytes), `Ki Mi Gi Ti` (powers of 1024, case as written), `K M G T` and
//!   `k m g t` (powers of 1000), as the seed's `parse_memory_string`. `KB`, `MiB`, `Pi` and
//!   other spellings are rejected rather than guessed at;
//! - a decimal is accepted only when it comes to a whole number of bytes (`1.5Gi` and `0.5Ki`
//!   are fine, `1.5` bytes is not): a limit is a byte count, and rounding one silently would
//!   give the user a limit they did not write. The seed rejects every decimal (seed §6 bug 11);
//! - the result must fit in a `u64`; larger values are an error, never a wrap-around.

/// Why a text is not a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeError {
    /// Not of the grammar above.
    Garbage,
    /// A decimal that does not come to a whole number of bytes (`1.5`).
    NotWhole,
    /// More than `u64::MAX` bytes.
    TooBig,
}

/// Parse a byte size: a bare byte count, or a number with `Ki/Mi/Gi/Ti` (powers of 1024) or
/// `K/M/G/T` (powers of 1000; lower case accepted). [`crate::service::ByteSize`] turns the
/// error into words and adds the limits a size in a runtime spec has.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let multiplier = multiplier(suffix).ok_or(SizeError::Garbage)?;
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) if !f.is_empty() && !f.contains('.') => (i, f),
        Some(_) => return Err(SizeError::Garbage),
        None => (number, ""),
    };
    if int_part.is_empty() {
        return Err(SizeError::Garbage);
    }
    // All digits as one integer, then divide by 10^(fraction digits): exact, no floats.
    let digits = format!("{int_part}{frac_part}");
    let mantissa: u128 = digits.parse().map_err(|_| SizeError::TooBig)?;
    let scale = u32::try_from(frac_part.len())
        .ok()
        .and_then(|n| 10u128.checked_pow(n))
        .ok_or(SizeError::TooBig)?;
    let scaled = mantissa.checked_mul(multiplier).ok_or(SizeError::TooBig)?;
    if !scaled.is_multiple_of(scale) {
        return Err(SizeError::NotWhole);
    }
    u64::try_from(scaled / scale).map_err(|_| SizeError::TooBig)
}

/// The factor a suffix stands for, or `None` for an unknown suffix.
fn multiplier(suffix: &str) -> Option<u128> {
    let (base, power): (u128, u32) = match suffix {
        "" => return Some(1),
        "Ki" => (1024, 1),
        "Mi" => (1024, 2),
        "Gi" => (1024, 3),
        "Ti" => (1024, 4),
        "K" | "k" => (1000, 1),
        "M" | "m" => (1000, 2),
        "G" | "g" => (1000, 3),
        "T" | "t" => (1000, 4),
        _ => return None,
    };
    Some(base.pow(power))
}

/// A tmpfs mount option for a size in bytes, as the kernel accepts it: the largest of `g`, `m`,
/// `k` that divides it exactly (`size=16m`, `size=4k`; the kernel's letters are powers of
/// 1024), else a byte count (`size=1000`). The kernel rejects `size=16Mi` (host-facts, host 2), so a ServiceSpec size
/// must go through [`crate::service::ByteSize`] and this, never be passed through.
///
/// Note: to the kernel `size=0` means *unlimited*; callers should reject a zero size.
pub fn tmpfs_size_option(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)];
    for (letter, unit) in UNITS {
        if bytes != 0 && bytes.is_multiple_of(unit) {
            return format!("size={}{letter}", bytes / unit);
        }
    }
    format!("size={bytes}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> u64 {
        match parse_size(text) {
            Ok(v) => v,
            Err(e) => panic!("{text:?} should parse: {e:?}"),
        }
    }

    fn err(text: &str) -> SizeError {
        match parse_size(text) {
            Ok(v) => panic!("{text:?} should fail, got {v}"),
            Err(e) => e,
        }
    }

    #[test]
    fn binary_and_decimal_suffixes() {
        assert_eq!(ok("512"), 512);
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("2Ki"), 2048);
        assert_eq!(ok("512Mi"), 512 * 1024 * 1024);
        assert_eq!(ok("1Gi"), 1 << 30);
        assert_eq!(ok("2Ti"), 2 << 40);
        assert_eq!(ok("1K"), 1000);
        assert_eq!(ok("1k"), 1000);
        assert_eq!(ok("3M"), 3_000_000);
        assert_eq!(ok("3m"), 3_000_000);
        assert_eq!(ok("2G"), 2_000_000_000);
        assert_eq!(ok("1t"), 1_000_000_000_000);
        assert_eq!(ok("  64Mi "), 64 << 20);
    }

    #[test]
    fn decimals_accepted_only_when_whole_bytes() {
        assert_eq!(ok("1.5Gi"), 1_610_612_736);
        assert_eq!(ok("0.5Ki"), 512);
        assert_eq!(ok("12.5Mi"), 13_107_200);
        assert_eq!(ok("1.50G"), 1_500_000_000);
        assert_eq!(err("1.5"), SizeError::NotWhole);
        assert_eq!(err("0.0001Ki"), SizeError::NotWhole);
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "", "  ", "Mi", "-1Mi", "+1", "1e9", ".5Gi", "1.Gi", "1.2.3", "1 Gi", "1KB", "1MiB",
            "1Pi", "1mi", "12.5Q",
        ] {
            assert_eq!(err(bad), SizeError::Garbage, "{bad:?}");
        }
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(ok("18446744073709551615"), u64::MAX);
        assert_eq!(err("18446744073709551616"), SizeError::TooBig);
        assert_eq!(err("16777216Ti"), SizeError::TooBig);
        assert_eq!(
            err("99999999999999999999999999999999999999999999Ti"),
            SizeError::TooBig
        );
        assert_eq!(
            err("1.00000000000000000000000000000000000000000001Ki"),
            SizeError::TooBig
        );
    }

    #[test]
    fn tmpfs_sizes_are_kernel_spellings() {
        assert_eq!(tmpfs_size_option(16 << 20), "size=16m");
        assert_eq!(tmpfs_size_option(2 << 30), "size=2g");
        assert_eq!(tmpfs_size_option(1536 << 20), "size=1536m");
        assert_eq!(tmpfs_size_option(4096), "size=4k");
        assert_eq!(tmpfs_size_option(1000), "size=1000");
        assert_eq!(tmpfs_size_option(0), "size=0");
        // What users write comes out in a form the kernel takes.
        assert_eq!(tmpfs_size_option(ok("16Mi")), "size=16m");
        assert_eq!(tmpfs_size_option(ok("16M")), "size=15625k");
        assert_eq!(tmpfs_size_option(ok("1G")), "size=1000000000");
    }
}
