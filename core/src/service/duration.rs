//! Durations written the way ZLayer files write them: `15s`, `1m`, `300s`, `1h 30m`, `500ms`.
//!
//! Upstream reads these with the `humantime` grammar and only from a YAML *string*; a bare
//! number (`timeout: 30`) is an error there, so it is an error here too (it would be ambiguous:
//! seconds? milliseconds?). We implement the grammar ourselves (no extra crate in the wasm
//! build): one or more `<integer><unit>` terms, optionally separated by spaces.

use core::fmt;
use core::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A parsed human-readable duration. Serialises back as a canonical string (`90s`, `250ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub fn as_duration(&self) -> Duration {
        self.0
    }
}

/// Units humantime accepts, longest spellings first so `ms` is not read as `m` + junk.
const UNITS: &[(&str, u64)] = &[
    ("nanoseconds", 1),
    ("nanosecond", 1),
    ("nsec", 1),
    ("ns", 1),
    ("microseconds", 1_000),
    ("microsecond", 1_000),
    ("usec", 1_000),
    ("us", 1_000),
    ("milliseconds", 1_000_000),
    ("millisecond", 1_000_000),
    ("msec", 1_000_000),
    ("ms", 1_000_000),
    ("seconds", 1_000_000_000),
    ("second", 1_000_000_000),
    ("secs", 1_000_000_000),
    ("sec", 1_000_000_000),
    ("s", 1_000_000_000),
    ("minutes", 60_000_000_000),
    ("minute", 60_000_000_000),
    ("mins", 60_000_000_000),
    ("min", 60_000_000_000),
    ("m", 60_000_000_000),
    ("hours", 3_600_000_000_000),
    ("hour", 3_600_000_000_000),
    ("hrs", 3_600_000_000_000),
    ("hr", 3_600_000_000_000),
    ("h", 3_600_000_000_000),
    ("days", 86_400_000_000_000),
    ("day", 86_400_000_000_000),
    ("d", 86_400_000_000_000),
    ("weeks", 604_800_000_000_000),
    ("week", 604_800_000_000_000),
    ("w", 604_800_000_000_000),
];

/// Parse `text` as a humantime duration; `None` if it is not one (or overflows).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total_ns: u128 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: u128 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..letters];
        let (_, scale) = UNITS.iter().find(|(name, _)| *name == unit)?;
        total_ns = total_ns.checked_add(number.checked_mul(u128::from(*scale))?)?;
        rest = rest[letters..].trim_start();
    }
    let secs = u64::try_from(total_ns / 1_000_000_000).ok()?;
    // The remainder is < 1e9, so it always fits.
    let nanos = u32::try_from(total_ns % 1_000_000_000).ok()?;
    Some(Duration::new(secs, nanos))
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{}s", d.as_secs())
        } else if d.subsec_nanos().is_multiple_of(1_000_000) {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}ns", d.as_nanos())
        }
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = HumanDuration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration string such as \"15s\", \"5m\" or \"1h 30m\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<HumanDuration, E> {
        parse_duration(v)
            .map(HumanDuration)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// A string of `<integer><unit>` terms; the pattern is built from [`UNITS`], so the schema
/// accepts exactly the units the parser does.
impl schemars::JsonSchema for HumanDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HumanDuration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let units: Vec<&str> = UNITS.iter().map(|(name, _)| *name).collect();
        let term = format!("[0-9]+\\s*({})\\s*", units.join("|"));
        schemars::json_schema!({
            "type": "string",
            "description": "A duration such as \"15s\", \"500ms\" or \"1h 30m\" (a bare number is refused)",
            "pattern": format!("^\\s*({term})+$"),
        })
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_humantime_forms() {
        assert_eq!(parse_duration("15s"), Some(Duration::from_secs(15)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("1h 30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2days"), Some(Duration::from_secs(172_800)));
        for bad in ["", "15", "s", "15q", "1.5s", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn number_is_not_a_duration_and_display_round_trips() {
        assert!(serde_json::from_value::<HumanDuration>(serde_json::json!(30)).is_err());
        let d: HumanDuration = serde_json::from_value(serde_json::json!("1500ms")).unwrap();
        assert_eq!(d.to_string(), "1500ms");
        assert_eq!(HumanDuration(Duration::from_secs(90)).to_string(), "90s");
    }
}
