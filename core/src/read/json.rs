//! JSON text -> `serde_json::Value`, refusing a key given twice in one object.
//!
//! serde_json keeps the last of two equal keys, so `{"privileged":false,"privileged":true}`
//! would silently render a privileged container; YAML inputs already refuse duplicates.
//! The value is built by our own visitor, which checks each key as it arrives.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::syntax::{join_path, SyntaxError};
use crate::error::Position;

/// Parse JSON text; a duplicate key is an error naming its path.
pub(super) fn value(text: &str) -> Result<Value, SyntaxError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let read = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| {
            // The path is exact for our duplicate-key error; a syntax error's path ends in an
            // unknown segment, and is found from its position instead.
            let ours = e.inner().classify() == serde_json::error::Category::Data;
            let path = ours.then(|| join_path("", e.path().iter()));
            syntax_error(e.into_inner(), path)
        })
        .map(|Strict(v)| v)?;
    de.end().map_err(|e| syntax_error(e, None))?;
    Ok(read)
}

fn syntax_error(e: serde_json::Error, path: Option<String>) -> SyntaxError {
    let position = (e.line() > 0).then(|| Position {
        line: u32::try_from(e.line()).unwrap_or(u32::MAX),
        column: u32::try_from(e.column()).unwrap_or(u32::MAX),
    });
    // serde_json appends the position to its text; we show it in front, as for every input.
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let bare = text.strip_suffix(&suffix).unwrap_or(&text);
    let message = match bare.strip_prefix(DUPLICATE) {
        Some(key) => super::words::duplicate_key(key),
        None => format!("invalid JSON: {}", eof_words(bare)),
    };
    SyntaxError {
        message,
        position,
        path,
    }
}

/// serde_json's "EOF while parsing an object" in words.
fn eof_words(message: &str) -> String {
    match message.strip_prefix("EOF while parsing ") {
        Some("a value") => "the text ends where a value should be".to_string(),
        Some(thing) => format!("the text ends before {thing} is closed"),
        None => message.replace("EOF", "the end of the text"),
    }
}

/// Our duplicate-key error, followed by the key, as it travels inside serde_json's error.
const DUPLICATE: &str = "\u{1f}duplicate key\u{1f}";

/// A JSON value read with duplicate keys refused.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text has no NaN or infinity; an overflowing literal is refused by serde_json.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                // Fail inside the value's seed, so the error's path ends with the key.
                map.next_value_seed(Duplicate(&key))?;
                continue;
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// The value of a key seen before: always an error.
struct Duplicate<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for Duplicate<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(de::Error::custom(format_args!("{DUPLICATE}{}", self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_like_serde_json() {
        let text = r#"{"a": [1, -2, 1.5, true, null, "x"], "b": {"c": {}}}"#;
        assert_eq!(
            value(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn duplicate_keys_are_errors_with_their_path() {
        let e = value("{\"a\": {\"b\": 1,\n \"b\": 2}}").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("a.b"));
        assert_eq!(e.position.map(|p| p.line), Some(2));
        assert!(e.message.contains("`b`"), "{}", e.message);
        let e = value("[{\"x\": 1, \"x\": 1}]").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("[0].x"));
    }

    #[test]
    fn syntax_errors_have_positions_and_no_library_words() {
        let e = value("{\"a\": 1,\n \"b\": ").unwrap_err();
        assert_eq!(e.position, Some(Position { line: 2, column: 6 }));
        assert_eq!(
            e.message,
            "invalid JSON: the text ends where a value should be"
        );
        assert_eq!(
            value("{").unwrap_err().message,
            "invalid JSON: the text ends before an object is closed"
        );
        assert!(!e.message.contains(" at line "), "{}", e.message);
        assert!(value("{} x").is_err());
        let e = value("{\"a\": {").unwrap_err();
        assert_eq!(e.path, None, "found from the position, not `a.?`");
    }
}
