//! Errors of the host crate. Each says which file or fact is concerned and what to do.

use std::path::PathBuf;

use thiserror::Error;

/// Everything the host side can fail with.
#[derive(Debug, Error)]
pub enum HostError {
    /// An error of the pure core (input, missing fact, CDI...).
    #[error(transparent)]
    Core(#[from] ocigen_core::Error),

    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The probe could not read anything at all from the host.
    #[error("host probe failed: {0}")]
    Probe(String),

    /// A secret reference could not be resolved.
    #[error("secret `{reference}`: {message}")]
    Secret { reference: String, message: String },

    /// A bundle operation was refused for safety (a link, a path leaving the bundle...).
    #[error("bundle {}: {message}", path.display())]
    Bundle { path: PathBuf, message: String },

    /// cgroup migration failed.
    #[error("cgroup: {0}")]
    Cgroup(String),
}

impl HostError {
    /// Shorthand for [`HostError::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        HostError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

pub type HostResult<T> = Result<T, HostError>;
