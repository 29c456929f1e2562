//! serde's error messages in users' words.
//!
//! serde reports a schema mismatch only as text (the value deserializer's error type is
//! serde_json's, which holds a string), so this reads serde's fixed formats, the defaults of
//! `serde::de::Error` (`unknown field `x`, expected one of `a`, `b``, `invalid type: integer
//! `3`, expected struct ResourcesSpec`...), and rewrites them: no Rust type names, an
//! unknown key answered with the nearest known one rather than the list of sixty, and the
//! same `expected ..., got ...` shape as every other value error. A message in no known
//! format (our own types' messages) passes through unchanged.

use serde_json::Value;

use super::value_error::ValueError;

/// What an error says, and which kind it is.
pub(super) enum Said {
    /// The text does not fit the schema.
    Parse(String),
    /// A value of the right type that is not acceptable.
    Invalid { expected: String, got: String },
}

/// A translated message, and the key below the reported path it concerns, if any (an
/// unknown key of a map that serde buffers or that we check ourselves).
pub(super) struct Translated {
    pub said: Said,
    pub below: Option<String>,
}

pub(super) fn translate(message: &str) -> Translated {
    let parse = |m: String| Translated {
        said: Said::Parse(m),
        below: None,
    };
    if let Some(v) = ValueError::from_serde(message) {
        return Translated {
            below: (!v.below.is_empty()).then_some(v.below),
            said: Said::Invalid {
                expected: v.expected,
                got: v.got,
            },
        };
    }
    if let Some((key, known)) = named_with_list(message, "unknown field `", "fields") {
        return Translated {
            said: Said::Parse(unknown_key(&key, &known)),
            below: Some(key),
        };
    }
    if let Some((value, known)) = named_with_list(message, "unknown variant `", "variants") {
        let hint = match nearest(&value, &known) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("expected {}", one_of(&known)),
        };
        return parse(format!("unknown value `{value}`; {hint}"));
    }
    if let Some(key) = between(message, "missing field `", "`") {
        return parse(format!("missing required key `{key}`"));
    }
    if let Some(key) = between(message, "duplicate field `", "`") {
        return parse(duplicate_key(key));
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((got, expected)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.rsplit_once(", expected "))
        {
            return parse(format!(
                "expected {}, got {}",
                expected_words(expected),
                got_words(got)
            ));
        }
    }
    if let Some((n, expected)) = message
        .strip_prefix("invalid length ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        // serde reads a struct from a list by position; to a user it is a list, not a map.
        let expected = expected_words(expected);
        return parse(match expected.as_str() {
            "a map" => "expected a map, got a list".to_string(),
            _ => format!("expected {expected}, got a list of {n} item(s)"),
        });
    }
    if message.starts_with("data did not match any variant of untagged enum ") {
        return parse("this value has none of the accepted forms".to_string());
    }
    parse(message.to_string())
}

/// The message for a key given twice in one map.
pub(super) fn duplicate_key(key: &str) -> String {
    format!("`{key}` is given twice in this map; a key may appear once")
}

/// What a JSON value is, in users' words.
pub(super) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (an empty text or null)",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// For `unknown field `x`, expected one of `a`, `b`` (and serde's other endings: `expected
/// `a``, `expected `a` or `b``, `there are no fields`): the name and the known names.
fn named_with_list(message: &str, prefix: &str, things: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(prefix)?;
    if let Some(name) = rest.strip_suffix(&format!("`, there are no {things}")) {
        return Some((name.to_string(), Vec::new()));
    }
    let (name, list) = rest.split_once("`, expected ")?;
    let list = list.strip_prefix("one of ").unwrap_or(list);
    // Names are between backticks: "`a`, `b`" or "`a` or `b`".
    let known = list.split('`').skip(1).step_by(2).map(str::to_string);
    Some((name.to_string(), known.collect()))
}

fn between<'a>(message: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.strip_suffix(suffix)
}

fn unknown_key(key: &str, known: &[String]) -> String {
    if let Some(near) = nearest(key, known) {
        return format!("unknown key `{key}`; did you mean `{near}`?");
    }
    match known.len() {
        0 => format!("unknown key `{key}`; this map takes no keys"),
        // A short list is the answer; a long one (a service has sixty keys) is noise.
        1..=4 => format!("unknown key `{key}`; expected {}", one_of(known)),
        _ => format!("unknown key `{key}`"),
    }
}

fn one_of(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The known name closest to `name`, if it is close enough to be what was meant: at most
/// one edit per three characters, after ignoring case and `-` vs `_`.
pub(super) fn nearest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let name_n = norm(name);
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&name_n, &norm(k)), k))
        .filter(|(d, _)| d * 3 <= name_n.chars().count().max(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// serde's `expected` text (a visitor's `expecting`) without Rust type names.
fn expected_words(e: &str) -> String {
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    let typed = |prefix: &str| {
        e.strip_prefix(prefix)
            .is_some_and(|rest| word(rest.split(" with ").next().unwrap_or(rest)))
    };
    let integer = |bits: u32, signed: bool| {
        let (lo, hi) = if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        format!("a whole number from {lo} to {hi}")
    };
    match e {
        "u8" => integer(8, false),
        "u16" => integer(16, false),
        "u32" => integer(32, false),
        "u64" | "usize" => integer(64, false),
        "i8" => integer(8, true),
        "i16" => integer(16, true),
        "i32" => integer(32, true),
        "i64" | "isize" => integer(64, true),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "a list".to_string(),
        "a borrowed string" | "a string" => "a string".to_string(),
        "a char" => "a single character".to_string(),
        "string or map" => "a name or a map".to_string(),
        "variant identifier" | "field identifier" => "a name".to_string(),
        "unit" => "null".to_string(),
        _ if typed("tuple struct ") => "a list".to_string(),
        _ if typed("struct ")
            || typed("struct variant ")
            || typed("internally tagged enum ")
            || typed("adjacently tagged enum ") =>
        {
            "a map".to_string()
        }
        _ if typed("enum ") => "a name".to_string(),
        _ => match e
            .strip_prefix("a tuple of size ")
            .or_else(|| e.strip_prefix("tuple of "))
        {
            Some(n) => format!("a list of {} items", n.trim_end_matches(" elements")),
            None => e.to_string(),
        },
    }
}

/// serde's description of what it got (`integer `3``, `string "x"`) in users' words.
fn got_words(u: &str) -> String {
    let quoted = |prefix: &str| {
        u.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('`'))
            .and_then(|r| r.strip_suffix('`'))
    };
    if let Some(n) = quoted("integer ").or_else(|| quoted("floating point ")) {
        return format!("the number {n}");
    }
    if let Some(b) = quoted("boolean ") {
        return b.to_string();
    }
    if let Some(c) = quoted("char ") {
        return format!("the character `{c}`");
    }
    if let Some(s) = u.strip_prefix("string ") {
        return format!("the string {s}");
    }
    match u {
        "sequence" => "a list".to_string(),
        "map" => "a map".to_string(),
        "unit value" | "null" => "null".to_string(),
        "Option value" => "a value".to_string(),
        _ => u.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(message: &str) -> String {
        match translate(message).said {
            Said::Parse(m) => m,
            Said::Invalid { expected, got } => format!("expected {expected}, got {got}"),
        }
    }

    #[test]
    fn unknown_keys_get_the_nearest_known_key() {
        let t = translate("unknown field `resorces`, expected one of `rtype`, `schedule`, `image`, `resources`, `env`, `command`");
        assert_eq!(t.below.as_deref(), Some("resorces"));
        assert_eq!(
            text("unknown field `resorces`, expected one of `rtype`, `image`, `resources`, `env`, `command`"),
            "unknown key `resorces`; did you mean `resources`?"
        );
        assert_eq!(
            text("unknown field `cap-add`, expected one of `cap_add`, `capabilities`, `cap_drop`, `a`, `b`"),
            "unknown key `cap-add`; did you mean `cap_add`?"
        );
        assert_eq!(
            text("unknown field `colour`, expected one of `count`, `vendor`, `mode`, `model`, `scheduling`"),
            "unknown key `colour`"
        );
        assert_eq!(
            text("unknown field `min`, expected `replicas`"),
            "unknown key `min`; expected `replicas`"
        );
        assert_eq!(
            text("unknown field `x`, there are no fields"),
            "unknown key `x`; this map takes no keys"
        );
    }

    #[test]
    fn unknown_values_name_the_choices() {
        assert_eq!(
            text("unknown variant `exec`, expected one of `tcp`, `http`, `command`"),
            "unknown value `exec`; expected `tcp`, `http` or `command`"
        );
        assert_eq!(
            text("unknown variant `htpp`, expected one of `tcp`, `http`, `command`"),
            "unknown value `htpp`; did you mean `http`?"
        );
    }

    #[test]
    fn type_names_become_words() {
        for (serde, want) in [
            (
                "invalid type: integer `3`, expected struct ResourcesSpec",
                "expected a map, got the number 3",
            ),
            (
                "invalid type: null, expected struct ServiceSpec",
                "expected a map, got null",
            ),
            (
                "invalid type: integer `3`, expected internally tagged enum ScaleSpec",
                "expected a map, got the number 3",
            ),
            (
                "invalid value: integer `70000`, expected u16",
                "expected a whole number from 0 to 65535, got the number 70000",
            ),
            (
                "invalid type: string \"1\", expected f64",
                "expected a number, got the string \"1\"",
            ),
            (
                "invalid type: sequence, expected a boolean",
                "expected true or false, got a list",
            ),
            (
                "invalid length 0, expected struct Snapshot with 16 elements",
                "expected a map, got a list",
            ),
            (
                "invalid type: string \"a\", expected a tuple of size 2",
                "expected a list of 2 items, got the string \"a\"",
            ),
            (
                "data did not match any variant of untagged enum TmpfsMode",
                "this value has none of the accepted forms",
            ),
            ("missing field `port`", "missing required key `port`"),
        ] {
            let got = text(serde);
            assert_eq!(got, want, "{serde}");
            for internal in ["struct", "enum", "u16", "f64", "Snapshot", "untagged"] {
                assert!(!got.contains(internal), "{got}");
            }
        }
    }

    #[test]
    fn value_errors_pass_through_as_invalid() {
        let e = ValueError::new("a size like 512Mi", "\"x\"").under("size");
        let t = translate(&e.to_serde::<serde_json::Error>().to_string());
        assert_eq!(t.below.as_deref(), Some("size"));
        assert!(
            matches!(t.said, Said::Invalid { expected, .. } if expected == "a size like 512Mi")
        );
        assert_eq!(text("our own message"), "our own message");
    }
}
