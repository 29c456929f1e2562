//! YAML text -> `serde_json::Value` with serde-saphyr, whose errors are reworded here: its
//! own messages address the programmer using the library ("set DuplicateKeyPolicy in
//! Options", "use Option<String>", "non-finite float ... rejected by the configured policy").

use serde_json::Value;
use serde_saphyr::{Error as YamlError, MessageFormatter, UserMessageFormatter};

use super::syntax::SyntaxError;
use crate::error::Position;

/// Parse YAML text (one document; duplicate keys refused, serde-saphyr's default) with the
/// YAML 1.2 core schema: only `true`/`false` (and their capitalised forms) are booleans, so
/// `yes`, `on`, `no`, `off`, `y` and `n` are strings, as upstream's serde_yaml reads them.
/// serde-saphyr's default is YAML 1.1's, under which `privileged: yes` would be `true` here
/// and an error upstream, and `args: [on]` a boolean.
pub(super) fn value(text: &str) -> Result<Value, SyntaxError> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| {
        let position = e.location().map(|l| Position {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
        });
        let e = original(&e);
        SyntaxError {
            message: message(e),
            position: position.filter(|p| p.line > 0),
            // A second document is about no field of the first.
            path: matches!(e, YamlError::MultipleDocuments { .. }).then(String::new),
        }
    })
}

/// The error itself, without the wrappers that add a snippet or an alias's location.
fn original(e: &YamlError) -> &YamlError {
    match e {
        YamlError::WithSnippet { error, .. } | YamlError::AliasError { error, .. } => {
            original(error)
        }
        other => other,
    }
}

fn message(e: &YamlError) -> String {
    match e {
        YamlError::DuplicateMappingKey { key: Some(k), .. } => super::words::duplicate_key(k),
        YamlError::DuplicateMappingKey { key: None, .. } => {
            "a key is given twice in this map; a key may appear once".to_string()
        }
        YamlError::NonFiniteFloat { value, .. } => {
            format!("`{value}` is not a finite number")
        }
        YamlError::MultipleDocuments { .. } => {
            "a second YAML document (`---`) starts here; the file holds exactly one".to_string()
        }
        // Map keys become JSON object keys, which are text.
        YamlError::NullIntoString { .. } => "a key is null (`~`); keys must be text".to_string(),
        YamlError::BinaryNotUtf8 { .. } => "a `!!binary` value that is not UTF-8 text".to_string(),
        // serde-saphyr's wording for users (its default one addresses programmers).
        other => format!(
            "invalid YAML: {}",
            UserMessageFormatter.format_message(other)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> SyntaxError {
        value(text).unwrap_err()
    }

    #[test]
    fn library_advice_is_reworded() {
        for (text, want, line) in [
            ("a: 1\na: 2\n", "`a` is given twice", 2),
            ("a: .nan\n", "`.nan` is not a finite number", 1),
            ("a: 1e999\n", "`1e999` is not a finite number", 1),
            ("a: 1\n~: 2\n", "a key is null", 2),
            ("a: 1\n---\nb: 2\n", "a second YAML document", 3),
            (
                "a: !!binary /w==\n",
                "`!!binary` value that is not UTF-8",
                1,
            ),
        ] {
            let e = err(text);
            assert!(e.message.contains(want), "{text:?}: {}", e.message);
            for internal in [
                "DuplicateKeyPolicy",
                "Option<",
                "non-finite",
                "policy",
                "from_str",
            ] {
                assert!(!e.message.contains(internal), "{text:?}: {}", e.message);
            }
            assert_eq!(e.position.map(|p| p.line), Some(line), "{text:?}");
        }
    }

    #[test]
    fn yaml_1_2_booleans() {
        let v = value("a: yes\nb: on\nc: no\nd: off\ne: y\nf: true\ng: False\n").unwrap();
        for key in ["a", "b", "c", "d", "e"] {
            assert!(v[key].is_string(), "{key}: {v}");
        }
        assert_eq!(v["f"], Value::Bool(true));
        assert_eq!(v["g"], Value::Bool(false));
    }

    #[test]
    fn syntax_errors_keep_their_position() {
        let e = err("a: {b: 1\n");
        assert!(e.message.starts_with("invalid YAML: "), "{}", e.message);
        assert!(e.position.is_some());
    }
}
