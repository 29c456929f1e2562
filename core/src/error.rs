//! Errors of the core. Every input error says where it is: which input (service file,
//! snapshot, CDI spec, image config, render option, request), the caller's name for that
//! file, the path inside it and, when the text is at hand, the line and column:
//!
//! ```text
//! web.yaml:12:9: services.web.resources.memory: expected a size like 512Mi, got "12.5Q"
//! ```
//!
//! Messages are for users: no type names of our code or of the libraries we use, and
//! control characters of user text shown escaped (`\n`, `\u{7}`), never raw, so a value
//! cannot rewrite a terminal line or forge a second message.

use std::fmt::{self, Write as _};

use serde::Serialize;

/// Which input an error concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// The ZLayer service file (a DeploymentSpec or a bare ServiceSpec).
    Service,
    /// The host-probe snapshot.
    Snapshot,
    /// A CDI spec file (recorded in the snapshot).
    Cdi,
    /// The image's config JSON.
    ImageConfig,
    /// A render option the agent passed (`options.cwd`).
    Options,
    /// A whole render request (the JSON the wasm module and `--format full` take).
    Request,
    /// An OCI runtime config given to `ocigen validate`.
    RuntimeConfig,
    /// A seccomp profile file named by `security_opt: seccomp=<file>`.
    SeccompProfile,
}

impl InputKind {
    /// What the input is called when no file name is known.
    pub fn noun(self) -> &'static str {
        match self {
            InputKind::Service => "service file",
            InputKind::Snapshot => "snapshot",
            InputKind::Cdi => "CDI spec",
            InputKind::ImageConfig => "image config",
            InputKind::Options => "render options",
            InputKind::Request => "request",
            InputKind::RuntimeConfig => "runtime config",
            InputKind::SeccompProfile => "seccomp profile",
        }
    }

    /// The input a render error's field belongs to. The passes name fields by one convention:
    /// render options as `options.<name>`, the image config as `image.<Key>` with the OCI
    /// config's capitalised key (`image.Env[0]`, `image.User`); anything else is a field of
    /// the service (whose own keys are lower case: `image.name` is the service's image).
    pub fn of_render_field(path: &str) -> InputKind {
        if path == "options" || path.starts_with("options.") {
            InputKind::Options
        } else if path
            .strip_prefix("image.")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        {
            InputKind::ImageConfig
        } else {
            InputKind::Service
        }
    }
}

pub use crate::locate::Position;

/// Where an error is: the input, the caller's name for it, the path inside it (empty for
/// the input as a whole) and the position in its text when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldPath {
    pub input: InputKind,
    pub file: Option<String>,
    /// Dotted path with `[i]` for list items: `services.web.storage[0].mode`.
    pub path: String,
    pub position: Option<Position>,
}

impl FieldPath {
    pub fn new(input: InputKind, path: impl Into<String>) -> Self {
        FieldPath {
            input,
            file: None,
            path: path.into(),
            position: None,
        }
    }

    /// The same place, in the file the caller calls `file`.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// The same place, at `position` of the file's text.
    pub fn at(mut self, position: Option<Position>) -> Self {
        self.position = position;
        self
    }
}

/// A path given as text is a render field; its input follows from its spelling, see
/// [`InputKind::of_render_field`]. This keeps `Error::invalid("services.web.x", ..)` short.
impl From<&str> for FieldPath {
    fn from(path: &str) -> Self {
        FieldPath::new(InputKind::of_render_field(path), path)
    }
}

impl From<String> for FieldPath {
    fn from(path: String) -> Self {
        FieldPath::new(InputKind::of_render_field(&path), path)
    }
}

impl From<&String> for FieldPath {
    fn from(path: &String) -> Self {
        FieldPath::from(path.as_str())
    }
}

/// `web.yaml:12:9: services.web.resources.memory`, `CDI spec /etc/cdi/x.yaml: kind`,
/// `services.web.env.A` (no file known) or `snapshot` (neither file nor path).
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Escaped(f);
        let mut wrote = false;
        if let Some(file) = &self.file {
            // A CDI file is named by a path inside the snapshot, not by the user: say what it is.
            if self.input == InputKind::Cdi {
                out.write_str("CDI spec ")?;
            }
            out.write_str(file)?;
            if let Some(p) = self.position {
                write!(out, ":{}:{}", p.line, p.column)?;
            }
            wrote = true;
        }
        if !self.path.is_empty() {
            if wrote {
                out.write_str(": ")?;
            }
            out.write_str(&self.path)?;
            wrote = true;
        }
        if !wrote {
            out.write_str(self.input.noun())?;
        }
        Ok(())
    }
}

/// The stable code of an error kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Parse,
    Invalid,
    Unsatisfiable,
    MissingFact,
    Cdi,
    Policy,
    Internal,
}

impl ErrorCode {
    /// `E_PARSE`, `E_INVALID`...: what envelopes and the page carry.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Parse => "E_PARSE",
            ErrorCode::Invalid => "E_INVALID",
            ErrorCode::Unsatisfiable => "E_UNSATISFIABLE",
            ErrorCode::MissingFact => "E_MISSING_FACT",
            ErrorCode::Cdi => "E_CDI",
            ErrorCode::Policy => "E_POLICY",
            ErrorCode::Internal => "E_INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets tests and envelopes compare with the stable text (`err.code() == "E_CDI"`).
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// Everything that can stop a render or a parse.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The text could not be read as YAML/JSON at all, or did not match the schema
    /// (unknown key, wrong type, duplicate key).
    Parse { at: FieldPath, message: String },

    /// A value parsed but is not acceptable.
    Invalid {
        at: FieldPath,
        expected: String,
        got: String,
    },

    /// The request is well-formed but cannot be satisfied (a capability the host cannot
    /// grant, a volume the agent did not prepare, a CDI device nobody declared...).
    Unsatisfiable { at: FieldPath, message: String },

    /// The snapshot lacks a fact this render needs. Never defaulted silently. `at` is the
    /// field that needs the fact.
    MissingFact {
        at: FieldPath,
        fact: String,
        /// "does not contain" or "recorded as unreadable: <reason>"
        why: String,
    },

    /// A CDI spec file is malformed or conflicts with another one.
    Cdi { at: FieldPath, message: String },

    /// The render is valid but the policy level the caller chose refuses it (`code` is the
    /// policy rule, `P008`, or the warning `deny_warnings` turned into an error).
    Policy {
        at: FieldPath,
        code: String,
        message: String,
    },

    /// A bug in ocigen (a builder refused values we constructed). Please report it.
    Internal { message: String },
}

impl std::error::Error for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = self.at() {
            write!(f, "{at}: ")?;
        }
        let mut out = Escaped(f);
        match self {
            Error::Parse { message, .. }
            | Error::Unsatisfiable { message, .. }
            | Error::Cdi { message, .. } => out.write_str(message),
            Error::Policy { code, message, .. } => write!(out, "{code}: {message}"),
            Error::Invalid { expected, got, .. } => write!(out, "expected {expected}, got {got}"),
            Error::MissingFact { fact, why, .. } => write!(
                out,
                "needs host fact `{fact}`, which the snapshot {why}; re-probe with `ocigen probe --for <service file>`"
            ),
            Error::Internal { message } => {
                write!(out, "internal error (please report): {message}")
            }
        }
    }
}

impl Error {
    /// Stable, machine-readable code for this error kind (used by the CLI, wasm and page).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Parse { .. } => ErrorCode::Parse,
            Error::Invalid { .. } => ErrorCode::Invalid,
            Error::Unsatisfiable { .. } => ErrorCode::Unsatisfiable,
            Error::MissingFact { .. } => ErrorCode::MissingFact,
            Error::Cdi { .. } => ErrorCode::Cdi,
            Error::Policy { .. } => ErrorCode::Policy,
            Error::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// Where the error is; `None` only for an internal error.
    pub fn at(&self) -> Option<&FieldPath> {
        match self {
            Error::Parse { at, .. }
            | Error::Invalid { at, .. }
            | Error::Unsatisfiable { at, .. }
            | Error::MissingFact { at, .. }
            | Error::Cdi { at, .. }
            | Error::Policy { at, .. } => Some(at),
            Error::Internal { .. } => None,
        }
    }

    fn at_mut(&mut self) -> Option<&mut FieldPath> {
        match self {
            Error::Parse { at, .. }
            | Error::Invalid { at, .. }
            | Error::Unsatisfiable { at, .. }
            | Error::MissingFact { at, .. }
            | Error::Cdi { at, .. }
            | Error::Policy { at, .. } => Some(at),
            Error::Internal { .. } => None,
        }
    }

    /// The path inside its input the error concerns, when there is one
    /// (`services.web.resources.memory`).
    pub fn field(&self) -> Option<&str> {
        self.at()
            .map(|at| at.path.as_str())
            .filter(|p| !p.is_empty())
    }

    /// Name the file an error about `input` concerns when it does not name one yet, and,
    /// given the file's text, find the line and column of its field there. Entry points call
    /// this for the inputs whose names and texts they hold; errors about other inputs pass
    /// through unchanged.
    pub fn in_input(mut self, input: InputKind, file: &str, text: Option<&str>) -> Self {
        if let Some(at) = self.at_mut().filter(|at| at.input == input) {
            if at.file.is_none() {
                at.file = Some(file.to_string());
            }
            if at.position.is_none() {
                at.position = text.and_then(|t| crate::locate::locate(t, &at.path));
            }
        }
        self
    }

    /// Shorthand for [`Error::Parse`].
    pub fn parse(at: FieldPath, message: impl Into<String>) -> Self {
        Error::Parse {
            at,
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(
        field: impl Into<FieldPath>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            at: field.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }

    /// Shorthand for [`Error::Unsatisfiable`].
    pub fn unsatisfiable(field: impl Into<FieldPath>, message: impl Into<String>) -> Self {
        Error::Unsatisfiable {
            at: field.into(),
            message: message.into(),
        }
    }

    /// A CDI spec error at `path` (empty for the whole file) of the spec file `file`.
    pub fn cdi(file: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Cdi {
            at: FieldPath::new(InputKind::Cdi, path).in_file(file),
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

/// A writer that shows control characters (and the bidi overrides that reorder a line)
/// escaped, as Rust writes them in strings: `\n`, `\t`, `\u{7}`, `\u{202e}`.
struct Escaped<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Escaped<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if must_escape(c) {
                write!(self.0, "{}", c.escape_debug())?;
            } else {
                self.0.write_char(c)?;
            }
        }
        Ok(())
    }
}

fn must_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with control characters escaped, as error messages show it.
pub fn escape_controls(text: &str) -> String {
    struct Show<'a>(&'a str);
    impl fmt::Display for Show<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            Escaped(f).write_str(self.0)
        }
    }
    Show(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shapes() {
        let at = FieldPath::new(InputKind::Service, "services.web.resources.memory")
            .in_file("web.yaml")
            .at(Some(Position {
                line: 12,
                column: 9,
            }));
        let e = Error::invalid(at, "a size like 512Mi", "\"12.5Q\"");
        assert_eq!(
            e.to_string(),
            r#"web.yaml:12:9: services.web.resources.memory: expected a size like 512Mi, got "12.5Q""#
        );
        let e = Error::invalid("services.web.x", "a", "b");
        assert_eq!(e.to_string(), "services.web.x: expected a, got b");
        let e = Error::parse(
            FieldPath::new(InputKind::Snapshot, ""),
            "expected a JSON object",
        );
        assert_eq!(e.to_string(), "snapshot: expected a JSON object");
        assert_eq!(e.field(), None);
        let e = Error::cdi("/etc/cdi/a.yaml", "kind", "bad");
        assert_eq!(e.to_string(), "CDI spec /etc/cdi/a.yaml: kind: bad");
        assert_eq!(e.code(), "E_CDI");
    }

    #[test]
    fn render_fields_name_their_input() {
        for (path, input) in [
            ("options.cwd", InputKind::Options),
            ("options", InputKind::Options),
            ("image.Env[0]", InputKind::ImageConfig),
            ("image.User", InputKind::ImageConfig),
            ("image.name", InputKind::Service),
            ("services.options.cwd", InputKind::Service),
            ("optionsx", InputKind::Service),
            ("resources.memory", InputKind::Service),
        ] {
            assert_eq!(FieldPath::from(path).input, input, "{path}");
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        let e = Error::invalid("services.web.env.A\nB", "a name", "`x\u{7}y\u{202e}`");
        assert_eq!(
            e.to_string(),
            "services.web.env.A\\nB: expected a name, got `x\\u{7}y\\u{202e}`"
        );
        assert_eq!(escape_controls("a\tb"), "a\\tb");
        assert_eq!(escape_controls("ünïcode ok"), "ünïcode ok");
    }

    #[test]
    fn in_input_names_only_its_own_input() {
        let text = "services:\n  web:\n    resources:\n      memory: 12.5Q\n";
        let e = Error::invalid("services.web.resources.memory", "a", "b").in_input(
            InputKind::Service,
            "web.yaml",
            Some(text),
        );
        assert_eq!(
            e.to_string(),
            "web.yaml:4:7: services.web.resources.memory: expected a, got b"
        );
        let e = Error::invalid("options.cwd", "a", "b").in_input(
            InputKind::Service,
            "web.yaml",
            Some(text),
        );
        assert_eq!(e.to_string(), "options.cwd: expected a, got b");
    }
}
