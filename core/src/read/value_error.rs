//! A value that has the right type but is not acceptable (`memory: 12.5Q`), as the value types
//! of the service report it from `Deserialize`. serde errors carry only text, so it travels
//! inside one, in a form the reader recognises and turns back into [`Error::Invalid`] at the
//! value's path.

use serde::de;

use crate::error::{Error, FieldPath};

/// A value of the right type that is not acceptable: what was expected, and what was given
/// (already quoted for display).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub expected: String,
    pub got: String,
    /// Key below the place the error is reported at, for values checked by their parent
    /// (a tmpfs `size` is parsed once the storage `type` is known); empty for the value itself.
    pub below: String,
}

/// Separates the parts of a [`ValueError`] inside a serde error message, which can only carry
/// text. A control character cannot come from user text: values are shown quoted with their
/// control characters escaped.
const MARK: char = '\u{1f}';

impl ValueError {
    pub fn new(expected: impl Into<String>, got: impl Into<String>) -> Self {
        ValueError {
            expected: expected.into(),
            got: got.into(),
            below: String::new(),
        }
    }

    /// The same error, for the value at `key` below where it is reported.
    pub fn under(mut self, key: &str) -> Self {
        self.below = key.to_string();
        self
    }

    /// The error at `field`.
    pub fn at(self, field: impl Into<FieldPath>) -> Error {
        Error::invalid(field, self.expected, self.got)
    }

    /// As a serde error, for `Deserialize` impls; [`ValueError::from_serde`] reads it back.
    pub(crate) fn to_serde<E: de::Error>(&self) -> E {
        E::custom(format!(
            "{MARK}{}{MARK}{}{MARK}{}",
            self.expected, self.got, self.below
        ))
    }

    /// The value error a serde message carries, if it is one.
    pub(crate) fn from_serde(message: &str) -> Option<ValueError> {
        let mut parts = message.strip_prefix(MARK)?.split(MARK);
        let (expected, got, below) = (parts.next()?, parts.next()?, parts.next()?);
        Some(ValueError::new(expected, got).under(below))
    }
}
