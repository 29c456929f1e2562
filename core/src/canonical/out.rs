//! The text side of the canonical writer: serde_json's pretty format (two-space indent,
//! serde_json's string escapes, integers), the writer's shared buffers, and where in the
//! document a value sits (for the capability sets the format sorts).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::ser;

/// The newtype-struct name [`super::SpecRoot`] uses to mark a nested spec.
pub(super) const SPEC_ROOT: &str = "$ocigen::canonical::SpecRoot";

/// Where a value sits, as far as capability sorting cares: the only arrays the format sorts
/// are `process.capabilities.*` of the document (or of a [`super::SpecRoot`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Root,
    Process,
    Caps,
    CapSet,
    Other,
}

impl Ctx {
    pub(super) fn child(self, key: &str) -> Ctx {
        match (self, key) {
            (Ctx::Root, "process") => Ctx::Process,
            (Ctx::Process, "capabilities") => Ctx::Caps,
            (Ctx::Caps, _) => Ctx::CapSet,
            _ => Ctx::Other,
        }
    }
}

#[derive(Debug)]
pub struct Error(pub(super) String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}
impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

pub(super) type Res = Result<(), Error>;

/// The writer's state, shared by every nested object and array so that none of them
/// allocates: the output, a scratch copy used when an object's entries are reordered, and
/// stacks of the entries (key and byte range) of the objects and sorted arrays now open.
/// Each open object owns the tail of `keys` from the length it saw when it began.
pub(super) struct W {
    pub(super) out: String,
    pub(super) scratch: String,
    pub(super) keys: Vec<(Cow<'static, str>, Range<usize>)>,
    pub(super) items: Vec<Range<usize>>,
    /// The field names of the structs now being written in sorted order (see `sorted`).
    pub(super) probed: Vec<&'static str>,
}

impl W {
    /// Put the pieces `ranges` (of `out`, all at or after `base`) back in the given order,
    /// separated as serde_json's pretty printer separates entries at `depth`.
    pub(super) fn reorder(
        &mut self,
        base: usize,
        ranges: impl Iterator<Item = Range<usize>>,
        depth: usize,
    ) {
        self.scratch.clear();
        self.scratch.push_str(&self.out[base..]);
        self.out.truncate(base);
        for (i, r) in ranges.enumerate() {
            if i > 0 {
                self.out.push_str(",\n");
                indent(&mut self.out, depth);
            }
            self.out
                .push_str(&self.scratch[r.start - base..r.end - base]);
        }
    }
}

pub(super) fn indent(out: &mut String, depth: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = 2 * depth;
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

/// serde_json's string escaping: `"`, `\`, and control characters below 0x20
/// (`\b \t \n \f \r` by name, the rest as `\u00XX` in lower-case hex).
pub(super) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    // Most strings (keys, paths, names) need no escape: copy them whole.
    if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x09 => "\\t",
            0x0a => "\\n",
            0x0c => "\\f",
            0x0d => "\\r",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

pub(crate) fn write_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("digits are ASCII"));
}

pub(crate) fn write_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    write_u64(out, v.unsigned_abs());
}

/// Floats are rare in these documents; serde_json formats them (ryu, `null` when not finite).
pub(super) fn write_f64(out: &mut String, v: f64) {
    out.push_str(&serde_json::to_string(&v).expect("a float always serializes"));
}
