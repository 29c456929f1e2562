//! Errors of the core. Every input error names the field path it concerns
//! (`services.web.resources.memory`) and what was expected, so a user can fix
//! the input without reading our code.

use thiserror::Error;

/// Everything that can stop a render or a parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The text could not be read as YAML/JSON at all, or did not match the schema
    /// (unknown key, wrong type). `file` is the caller's name for the input.
    #[error("{file}: {field}: {message}")]
    Parse {
        file: String,
        field: String,
        message: String,
    },

    /// A value parsed but is not acceptable.
    #[error("{field}: expected {expected}, got {got}")]
    Invalid {
        field: String,
        expected: String,
        got: String,
    },

    /// The request is well-formed but cannot be satisfied (a capability the host cannot
    /// grant, a volume the agent did not prepare, a CDI device nobody declared...).
    #[error("{field}: {message}")]
    Unsatisfiable { field: String, message: String },

    /// The snapshot lacks a fact this render needs. Never defaulted silently.
    #[error("{field}: needs host fact `{fact}`, which the snapshot {why}; re-probe with `ocigen probe --for <service file>`")]
    MissingFact {
        field: String,
        fact: String,
        /// "does not contain" or "recorded as unreadable: <reason>"
        why: String,
    },

    /// A CDI spec file is malformed or conflicts with another one.
    #[error("CDI spec {file}: {message}")]
    Cdi { file: String, message: String },

    /// A bug in ocigen (a builder refused values we constructed). Please report it.
    #[error("internal error (please report): {message}")]
    Internal { message: String },
}

impl Error {
    /// Stable, machine-readable code for this error kind (used by the CLI, wasm and page).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Parse { .. } => "E_PARSE",
            Error::Invalid { .. } => "E_INVALID",
            Error::Unsatisfiable { .. } => "E_UNSATISFIABLE",
            Error::MissingFact { .. } => "E_MISSING_FACT",
            Error::Cdi { .. } => "E_CDI",
            Error::Internal { .. } => "E_INTERNAL",
        }
    }

    /// The input field path the error concerns, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Parse { field, .. }
            | Error::Invalid { field, .. }
            | Error::Unsatisfiable { field, .. }
            | Error::MissingFact { field, .. } => Some(field),
            Error::Cdi { .. } | Error::Internal { .. } => None,
        }
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(
        field: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            field: field.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }

    /// Shorthand for [`Error::Unsatisfiable`].
    pub fn unsatisfiable(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Unsatisfiable {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<oci_spec::OciSpecError> for Error {
    fn from(e: oci_spec::OciSpecError) -> Self {
        Error::Internal {
            message: e.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
