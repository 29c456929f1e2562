//! Kernel versions as the seccomp profiles compare them: only `<kernel>.<major>` counts.
//!
//! A profile's `minKernel` (`"4.8"`) is compared with the host's release (`6.8.0-45-generic`)
//! the way moby does it: the first two numbers of the release, everything after them ignored,
//! so `3.12.25-gentoo`, `3.12-1-amd64` and `3.12` are the same version.

use std::fmt;

/// `<kernel>.<major>` of a Linux release, ordered numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelVersion {
    pub kernel: u64,
    pub major: u64,
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kernel, self.major)
    }
}

impl KernelVersion {
    pub const fn new(kernel: u64, major: u64) -> Self {
        KernelVersion { kernel, major }
    }

    /// The host's release as uname(2) reports it (`6.8.0-45-generic`, `5.15.0`,
    /// `4.19.0-27-amd64`, `3.12-1-amd64`). Two decimal numbers joined by a dot must lead;
    /// whatever follows the second number is the distribution's business and is ignored.
    /// `None` when the release does not start that way (`6`, `v6.8`, `6.x`).
    pub fn from_release(release: &str) -> Option<Self> {
        let (kernel, rest) = leading_number(release)?;
        let rest = rest.strip_prefix('.')?;
        let (major, _) = leading_number(rest)?;
        Some(KernelVersion { kernel, major })
    }

    /// A profile's `minKernel` value: exactly `<kernel>.<major>`, each at most 255 (moby reads
    /// them as 8-bit numbers), and not `0.0` (moby rejects it as meaningless).
    pub fn from_min_kernel(text: &str) -> Option<Self> {
        let (kernel, major) = text.split_once('.')?;
        let number = |s: &str| -> Option<u64> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse::<u8>().ok().map(u64::from)
        };
        let v = KernelVersion {
            kernel: number(kernel)?,
            major: number(major)?,
        };
        (v != KernelVersion::new(0, 0)).then_some(v)
    }
}

/// The decimal number at the start of `s` and the text after it; `None` without a digit
/// or when the number does not fit 64 bits.
fn leading_number(s: &str) -> Option<(u64, &str)> {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 {
        return None;
    }
    Some((s[..end].parse().ok()?, &s[end..]))
}

#[cfg(test)]
mod tests {
    use super::KernelVersion as K;

    #[test]
    fn releases_keep_only_the_first_two_numbers() {
        for (release, want) in [
            ("6.8.0-45-generic", (6, 8)),
            ("5.15.0", (5, 15)),
            ("4.19.0-27-amd64", (4, 19)),
            ("3.12-1-amd64", (3, 12)),
            ("3.12.25-gentoo", (3, 12)),
            ("6.18.0-h200", (6, 18)),
            ("5.4.0-150-generic", (5, 4)),
            ("6.1", (6, 1)),
            ("6.10.0-rc5+", (6, 10)),
            ("4.8", (4, 8)),
        ] {
            assert_eq!(
                K::from_release(release),
                Some(K::new(want.0, want.1)),
                "{release}"
            );
        }
    }

    #[test]
    fn releases_without_two_leading_numbers_are_refused() {
        for bad in [
            "",
            "6",
            "6.",
            "v6.8",
            "6.x",
            ".8",
            " 6.8",
            "6-8",
            "99999999999999999999.1",
        ] {
            assert_eq!(K::from_release(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn versions_order_numerically_not_textually() {
        assert!(K::new(4, 10) > K::new(4, 9));
        assert!(K::new(5, 0) > K::new(4, 19));
        assert!(K::from_release("4.8.0").unwrap() >= K::from_min_kernel("4.8").unwrap());
        assert!(K::from_release("4.7.99").unwrap() < K::from_min_kernel("4.8").unwrap());
    }

    #[test]
    fn min_kernel_is_exactly_two_small_numbers() {
        assert_eq!(K::from_min_kernel("4.8"), Some(K::new(4, 8)));
        assert_eq!(K::from_min_kernel("0.1"), Some(K::new(0, 1)));
        for bad in [
            "", "4", "4.8.1", "0.0", "256.1", "4.-1", "4.+1", "a.b", "4.", " 4.8",
        ] {
            assert_eq!(K::from_min_kernel(bad), None, "{bad:?}");
        }
    }
}
