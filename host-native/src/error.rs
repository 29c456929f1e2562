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
        /// What was being done (`read`, `create`, `rename into place`...).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The probe could not read anything at all from the host.
    #[error("host probe failed: {0}")]
    Probe(String),

    /// A secret reference could not be resolved.
    #[error("secret `{reference}`: {message}")]
    Secret {
        /// The reference as written in the service (`$S:@api/db-password`).
        reference: String,
        /// What went wrong and where the secret was looked for.
        message: String,
    },

    /// A bundle operation was refused for safety (a link, a path leaving the bundle...).
    #[error("bundle {}: {message}", path.display())]
    Bundle {
        /// The path that was refused.
        path: PathBuf,
        /// Why, and what to do instead.
        message: String,
    },

    /// cgroup migration failed.
    #[error("cgroup: {0}")]
    Cgroup(String),

    /// A volume resolver could not give a volume's host path.
    #[error("volume `{key}`: {message}")]
    Volume {
        /// The volume's `volume_paths` key (`pgdata`, `_anon_var_cache_app`...).
        key: String,
        /// The resolver's message.
        message: String,
    },

    /// Blocking host work was cancelled before it ran (the async runtime is shutting down).
    #[error("{0} cancelled: the async runtime is shutting down")]
    Cancelled(&'static str),
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

/// A result of the host crate.
pub type HostResult<T> = Result<T, HostError>;
