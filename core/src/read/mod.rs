//! One reader for every input text: service file, snapshot, CDI spec, request, image config,
//! render options. Text -> JSON value -> typed value, and every error names the input, the
//! path in it and, where it can be found, the line and column:
//!
//! ```text
//! web.yaml:12:9: services.web.resources.memory: expected a size like 512Mi, got "12.5Q"
//! ```
//!
//! Why through a JSON value: one copy of each type's `Deserialize` in the wasm module (over
//! `Value`) instead of one per text format, and our deserializer over `Value` ([`tracked`])
//! gives the path of a schema error. The value has no positions, so on an error the text is walked
//! again to find the path's line and column ([`locate`]).
//!
//! Every input's top level is a map, and a key given twice in a map is an error, in JSON as
//! in YAML.

mod json;
mod syntax;
mod tracked;
mod value_error;
mod words;
mod yaml;

pub use crate::locate::locate;
pub(crate) use tracked::from_value;
pub use value_error::ValueError;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, FieldPath, InputKind, Position, Result};
use crate::locate::path_at;
use syntax::join;
use words::Said;

/// How an input is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
    /// JSON when the text starts with `{`, else YAML (a service file may be either; JSON is
    /// YAML, but JSON's own reader words its errors for JSON).
    JsonOrYaml,
}

/// One input text, with what it is and the caller's name for it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub input: InputKind,
    pub file: &'a str,
    pub text: &'a str,
    pub syntax: Syntax,
}

impl<'a> Source<'a> {
    pub fn new(input: InputKind, file: &'a str, text: &'a str, syntax: Syntax) -> Self {
        Source {
            input,
            file,
            text,
            syntax,
        }
    }

    /// Read the whole text as `T`.
    pub fn read<T: DeserializeOwned>(&self) -> Result<T> {
        let value = self.value()?;
        self.typed(value, "")
    }

    /// The text as a JSON value whose top level is a map.
    pub fn value(&self) -> Result<Value> {
        let json = match self.syntax {
            Syntax::Json => true,
            Syntax::Yaml => false,
            Syntax::JsonOrYaml => self.text.trim_start().starts_with('{'),
        };
        let parsed = if json {
            json::value(self.text)
        } else {
            yaml::value(self.text)
        };
        let value = parsed.map_err(|e| {
            let path = match (e.path, e.position) {
                (Some(path), _) => path,
                (None, Some(p)) => path_at(self.text, p),
                (None, None) => String::new(),
            };
            self.error(path, e.position, Said::Parse(e.message))
        })?;
        match value {
            Value::Object(_) => Ok(value),
            Value::Null if self.text.trim().is_empty() => Err(self.error(
                String::new(),
                None,
                Said::Parse(format!("the {} is empty", self.input.noun())),
            )),
            other => Err(self.error(
                String::new(),
                Some(Position { line: 1, column: 1 }),
                Said::Parse(format!(
                    "expected a map of keys, got {}",
                    words::kind_of(&other)
                )),
            )),
        }
    }

    /// `value`, which sits at path `base` of the text (empty for the whole text), as `T`.
    pub fn typed<T: DeserializeOwned>(&self, value: Value, base: &str) -> Result<T> {
        tracked::from_value(value).map_err(|e| {
            let mut path = e.path_below(base);
            let said = words::translate(e.message());
            // The path stops at a map serde buffers (internally tagged enums); the key the
            // message names completes the path: `health.check.path`.
            if let Some(key) = said.below {
                if !path.ends_with(&format!(".{key}")) && path != key {
                    path = join(&path, &key);
                }
            }
            let position = locate(self.text, &path);
            self.error(path, position, said.said)
        })
    }

    /// An error at `path` of this input.
    fn error(&self, path: String, position: Option<Position>, said: Said) -> Error {
        let at = FieldPath::new(self.input, path)
            .in_file(self.file)
            .at(position);
        match (said, self.input) {
            (Said::Invalid { expected, got }, InputKind::Cdi) => Error::Cdi {
                at,
                message: format!("expected {expected}, got {got}"),
            },
            (Said::Invalid { expected, got }, _) => Error::Invalid { at, expected, got },
            (Said::Parse(message), InputKind::Cdi) => Error::Cdi { at, message },
            (Said::Parse(message), _) => Error::Parse { at, message },
        }
    }

    /// A parse error at `path` of this input, found in the text.
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> Error {
        let position = locate(self.text, path);
        self.error(path.to_string(), position, Said::Parse(message.into()))
    }
}
