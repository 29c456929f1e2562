//! Service values that need parsing, parsed once, while the file is read: a byte size, a
//! CPU quota, an env value (literal, `$E:NAME` or `$S:ref`) and an octal mode. Validation
//! and the passes use these types, so a rule and its message exist once, and a pass never
//! meets a value the file check let through.
//!
//! A value that has the right type but is not acceptable is a [`ValueError`]; the reader
//! reports it as `E_INVALID` at the value's path (`services.web.resources.memory: expected a
//! size like 512Mi, got "12.5Q"`).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

pub use crate::read::ValueError;
use crate::units::{parse_size, SizeError};

/// The expecting text and visitor shared by the string-valued types.
pub(super) struct TextVisitor<T> {
    pub expecting: &'static str,
    pub parse: fn(&str) -> Result<T, ValueError>,
}

impl<T> Visitor<'_> for TextVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(|e| e.to_serde())
    }
}

/// A byte size as written (`512Mi`, `1.5G`, `4096`), checked when the file is read: the
/// grammar of [`crate::units`], above zero (a zero limit means "no limit" to runtimes and to
/// tmpfs, which is not what a user writing a size means), and at most `i64::MAX` bytes, the
/// largest limit a runtime spec holds. Used for `resources.memory` and tmpfs `size`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteSize {
    bytes: u64,
    text: String,
}

pub(super) const SIZE_EXPECTED: &str = "a size like 512Mi";

impl ByteSize {
    pub fn parse(text: &str) -> Result<ByteSize, ValueError> {
        let got = format!("{text:?}");
        let max = i64::MAX as u64;
        let bytes = parse_size(text).map_err(|e| match e {
            SizeError::Garbage => ValueError::new(SIZE_EXPECTED, &got),
            SizeError::NotWhole => {
                ValueError::new("a size that comes to a whole number of bytes", &got)
            }
            SizeError::TooBig => ValueError::new(format!("a size of at most {max} bytes"), &got),
        })?;
        if bytes == 0 {
            return Err(ValueError::new(
                "a size above 0 like 512Mi (0 means no limit)",
                got,
            ));
        }
        if bytes > max {
            return Err(ValueError::new(
                format!("a size of at most {max} bytes"),
                got,
            ));
        }
        Ok(ByteSize {
            bytes,
            text: text.to_string(),
        })
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The size as the runtime spec's signed limit; it always fits (checked when parsed).
    pub fn as_i64(&self) -> i64 {
        i64::try_from(self.bytes).unwrap_or(i64::MAX)
    }

    /// The text as the user wrote it.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor {
            expecting: SIZE_EXPECTED,
            parse: ByteSize::parse,
        })
    }
}

/// CFS period in microseconds (100 ms), as the seed and Docker use.
pub const CPU_PERIOD: u64 = 100_000;

/// The kernel's smallest CFS quota, in microseconds (1 ms, 0.01 CPU).
const MIN_CPU_QUOTA: f64 = 1_000.0;

/// `resources.cpu`: a number of CPUs, and the CFS quota per [`CPU_PERIOD`] it comes to:
/// `round(cpus * 100000)` (the seed truncates; rounding keeps `0.3` at 30000, not 29999),
/// at least 1000 (0.01 CPU), and finite. A quoted number is refused, as upstream does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuQuota {
    cpus: f64,
    quota: i64,
}

const CPU_EXPECTED: &str = "a number of CPUs of at least 0.01, like 0.5 or 2";

impl CpuQuota {
    pub fn new(cpus: f64) -> Result<CpuQuota, ValueError> {
        let quota = (cpus * CPU_PERIOD as f64).round();
        // `i64::MAX as f64` rounds up to 2^63, so `<` keeps the cast below in range; NaN
        // fails both comparisons.
        if !(quota >= MIN_CPU_QUOTA && quota < i64::MAX as f64) {
            return Err(ValueError::new(CPU_EXPECTED, cpus.to_string()));
        }
        Ok(CpuQuota {
            cpus,
            quota: quota as i64,
        })
    }

    pub fn cpus(&self) -> f64 {
        self.cpus
    }

    /// Microseconds per [`CPU_PERIOD`].
    pub fn quota(&self) -> i64 {
        self.quota
    }
}

impl Serialize for CpuQuota {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.cpus)
    }
}

impl<'de> Deserialize<'de> for CpuQuota {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Cpus;
        impl Visitor<'_> for Cpus {
            type Value = CpuQuota;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(CPU_EXPECTED)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<CpuQuota, E> {
                CpuQuota::new(v).map_err(|e| e.to_serde())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CpuQuota, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CpuQuota, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_f64(Cpus)
    }
}

/// Prefix of an env value read from the agent's environment.
const AGENT_ENV_PREFIX: &str = "$E:";
/// Prefix of an env value that is a secret reference.
const SECRET_PREFIX: &str = "$S:";

/// A service `env` value. `$E:` and `$S:` count only at the very start of the value, as in
/// the seed (`x$E:A` is literal text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// Text passed to the container as written.
    Literal(String),
    /// `$E:NAME`: the agent's environment variable `NAME`, recorded in the snapshot.
    AgentEnv(String),
    /// `$S:ref`: the secret the agent resolved for `ref` (e.g. `@api/db-password`).
    Secret(String),
}

impl EnvValue {
    pub fn parse(text: &str) -> Result<EnvValue, ValueError> {
        let named = |rest: &str, prefix: &str, what: &str| {
            if rest.is_empty() {
                Err(ValueError::new(
                    format!("{what} after `{prefix}`"),
                    format!("{text:?}"),
                ))
            } else {
                Ok(rest.to_string())
            }
        };
        if let Some(name) = text.strip_prefix(AGENT_ENV_PREFIX) {
            named(name, AGENT_ENV_PREFIX, "a variable name").map(EnvValue::AgentEnv)
        } else if let Some(reference) = text.strip_prefix(SECRET_PREFIX) {
            named(reference, SECRET_PREFIX, "a secret reference").map(EnvValue::Secret)
        } else {
            Ok(EnvValue::Literal(text.to_string()))
        }
    }
}

/// The value as written in the file.
impl fmt::Display for EnvValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvValue::Literal(text) => f.write_str(text),
            EnvValue::AgentEnv(name) => write!(f, "{AGENT_ENV_PREFIX}{name}"),
            EnvValue::Secret(reference) => write!(f, "{SECRET_PREFIX}{reference}"),
        }
    }
}

impl Serialize for EnvValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Numbers and booleans are refused, as upstream's `map<string,string>` does.
        d.deserialize_str(TextVisitor {
            expecting: "a string (in YAML, quote numbers and booleans: \"8080\")",
            parse: EnvValue::parse,
        })
    }
}

/// A permission mode, written in octal: a string of octal digits (`"1777"`, `"0o1777"`), or
/// a number. A number is ambiguous, because YAML's `0o1777` arrives as 1023 while a plain
/// `1777` arrives as 1777. Its two readings, "decimal digits are octal digits" (1777 ->
/// 0o1777) and "the number is the mode's value" (1023 -> 0o1777), are both tried; a reading
/// needs a mode <= 0o7777 (and, for the first, digits 0-7 only). If they agree or only one
/// exists, it is used. If both exist and differ, the one whose permissions narrow from owner
/// to group to other (each class a subset of the one before, as in 1777, 755, 750, 700, 644)
/// wins; if both or neither do (511 is both 0o511 and 0o777), it is an error asking for a
/// quoted string. So `1777` and `0o1777` both mean 0o1777, and no number is misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OctalMode(u32);

const MAX_MODE: u32 = 0o7777;
const MODE_EXPECTED: &str = "an octal mode such as \"1777\" (at most 7777)";

impl OctalMode {
    pub fn bits(self) -> u32 {
        self.0
    }

    /// A mode written as text: octal digits, optionally after `0o`.
    pub fn from_text(text: &str) -> Result<OctalMode, ValueError> {
        let digits = text.trim().strip_prefix("0o").unwrap_or(text.trim());
        octal_digits(digits)
            .filter(|m| *m <= MAX_MODE)
            .map(OctalMode)
            .ok_or_else(|| ValueError::new(MODE_EXPECTED, format!("{text:?}")))
    }

    /// A mode written as a number; see the type's doc for the two readings.
    pub fn from_number(n: u64) -> Result<OctalMode, ValueError> {
        let as_digits = octal_digits(&n.to_string()).filter(|m| *m <= MAX_MODE);
        let as_value = u32::try_from(n).ok().filter(|m| *m <= MAX_MODE);
        let ambiguous = |why: &str| {
            ValueError::new(
                "a mode; write it as a quoted octal string such as \"1777\"",
                format!("the number {n}, {why}"),
            )
        };
        match (as_digits, as_value) {
            (Some(a), Some(b)) if a == b => Ok(OctalMode(a)),
            (Some(a), Some(b)) => match (narrows(a), narrows(b)) {
                (true, false) => Ok(OctalMode(a)),
                (false, true) => Ok(OctalMode(b)),
                _ => Err(ambiguous(&format!(
                    "which could mean {a:o} or {b:o} (octal)"
                ))),
            },
            (Some(m), None) | (None, Some(m)) => Ok(OctalMode(m)),
            (None, None) => Err(ambiguous("which is above 7777 octal")),
        }
    }
}

fn octal_digits(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(digits, 8).ok()
}

/// Owner, group and other narrow down: each class's bits are a subset of the one before.
fn narrows(mode: u32) -> bool {
    let (u, g, o) = ((mode >> 6) & 7, (mode >> 3) & 7, mode & 7);
    u & g == g && g & o == o
}

/// Written back as an octal string, which reads back as the same mode.
impl Serialize for OctalMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:o}", self.0))
    }
}

impl<'de> Deserialize<'de> for OctalMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Mode;
        impl Visitor<'_> for Mode {
            type Value = OctalMode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(MODE_EXPECTED)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OctalMode, E> {
                OctalMode::from_text(v).map_err(|e| e.to_serde())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OctalMode, E> {
                OctalMode::from_number(v).map_err(|e| e.to_serde())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OctalMode, E> {
                match u64::try_from(v) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => {
                        Err(ValueError::new(MODE_EXPECTED, format!("the number {v}")).to_serde())
                    }
                }
            }
        }
        d.deserialize_any(Mode)
    }
}
