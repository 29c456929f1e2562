//! What the syntax readers (JSON, YAML) hand back to [`super::Source`], and path joining;
//! a leaf of `read`, so the readers need not import their parent.

use serde_path_to_error::Segment;

use crate::error::Position;

/// A text that is not JSON/YAML, or has a duplicate key.
#[derive(Debug)]
pub(super) struct SyntaxError {
    pub(super) message: String,
    pub(super) position: Option<Position>,
    /// Where it is, when the reader knows; else found from the position.
    pub(super) path: Option<String>,
}

/// `base.key`, or `key` when `base` is empty.
pub(super) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// A serde_path_to_error path below `base`, written `a.b[0].c`.
pub(super) fn join_path<'s>(base: &str, segments: impl Iterator<Item = &'s Segment>) -> String {
    let mut path = base.to_string();
    for segment in segments {
        match segment {
            Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            Segment::Map { key } => path = join(&path, key),
            Segment::Enum { variant } => path = join(&path, variant),
            // A segment serde could not name (rare): the path stops at its parent.
            Segment::Unknown => break,
        }
    }
    path
}
