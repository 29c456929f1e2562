//! The direct canonical writer: a serde `Serializer` that writes serde_json's pretty format
//! into one `String`, sorting each object's entries by key (by bytes, as `Value`'s BTreeMap
//! does) and the capability sets under `process.capabilities`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::ser::{self, Serialize};

use super::sorted;

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

pub(super) fn write<T: Serialize + ?Sized>(out: &mut String, value: &T) {
    let mut w = W {
        out: std::mem::take(out),
        scratch: String::new(),
        keys: Vec::new(),
        items: Vec::new(),
        probed: Vec::new(),
    };
    sorted::write_value(&mut w, 0, Ctx::Root, value)
        .expect("serializing plain data to JSON cannot fail");
    *out = w.out;
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
    scratch: String,
    keys: Vec<(Cow<'static, str>, Range<usize>)>,
    items: Vec<Range<usize>>,
    /// The field names of the structs now being written in sorted order (see `sorted`).
    pub(super) probed: Vec<&'static str>,
}

impl W {
    /// Put the pieces `ranges` (of `out`, all at or after `base`) back in the given order,
    /// separated as serde_json's pretty printer separates entries at `depth`.
    fn reorder(&mut self, base: usize, ranges: impl Iterator<Item = Range<usize>>, depth: usize) {
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

fn write_u64(out: &mut String, mut v: u64) {
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

fn write_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    write_u64(out, v.unsigned_abs());
}

/// Floats are rare in these documents; serde_json formats them (ryu, `null` when not finite).
fn write_f64(out: &mut String, v: f64) {
    out.push_str(&serde_json::to_string(&v).expect("a float always serializes"));
}

pub(super) struct Ser<'a> {
    pub(super) w: &'a mut W,
    pub(super) depth: usize,
    pub(super) ctx: Ctx,
}

/// An object being written: entries go out in the order they come; `finish` reorders the
/// text once if their keys were out of order.
pub(super) struct Obj<'a> {
    w: &'a mut W,
    depth: usize,
    ctx: Ctx,
    /// Where this object's entries start in `w.keys`.
    first: usize,
    count: usize,
    sorted: bool,
    /// A map key waiting for its value (`serialize_key` then `serialize_value`).
    key: Option<Cow<'static, str>>,
    /// Closing text after the object: `"\n" + indent + "}"` of an enclosing variant object.
    variant: bool,
}

impl<'a> Obj<'a> {
    fn begin(w: &'a mut W, depth: usize, ctx: Ctx, variant: bool) -> Self {
        w.out.push('{');
        let first = w.keys.len();
        Obj {
            w,
            depth,
            ctx,
            first,
            count: 0,
            sorted: true,
            key: None,
            variant,
        }
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: Cow<'static, str>, value: &T) -> Res {
        let out = &mut self.w.out;
        out.push_str(if self.count == 0 { "\n" } else { ",\n" });
        indent(out, self.depth + 1);
        let start = out.len();
        write_str(out, &key);
        out.push_str(": ");
        let ctx = self.ctx.child(&key);
        sorted::write_value(self.w, self.depth + 1, ctx, value)?;
        if self.count > 0 {
            if let Some((last, _)) = self.w.keys.last() {
                if **last > *key {
                    self.sorted = false;
                }
            }
        }
        let end = self.w.out.len();
        self.w.keys.push((key, start..end));
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> Res {
        let w = self.w;
        if self.count == 0 {
            w.out.push('}');
        } else {
            if !self.sorted {
                let mut entries = std::mem::take(&mut w.keys);
                let mine = &mut entries[self.first..];
                // Stable, as a BTreeMap built from these entries in order would keep them.
                mine.sort_by(|a, b| a.0.cmp(&b.0));
                let base = mine.iter().map(|(_, r)| r.start).min().unwrap_or(0);
                w.reorder(base, mine.iter().map(|(_, r)| r.clone()), self.depth + 1);
                w.keys = entries;
            }
            w.out.push('\n');
            indent(&mut w.out, self.depth);
            w.out.push('}');
        }
        w.keys.truncate(self.first);
        if self.variant {
            close_variant(&mut w.out, self.depth - 1);
        }
        Ok(())
    }
}

/// An array being written; capability sets are reordered by their (plain ASCII) text.
pub(super) struct Arr<'a> {
    w: &'a mut W,
    depth: usize,
    /// Where this array's item ranges start in `w.items` (sorted arrays only).
    first: usize,
    count: usize,
    sort: bool,
    variant: bool,
}

impl<'a> Arr<'a> {
    fn begin(w: &'a mut W, depth: usize, sort: bool, variant: bool) -> Self {
        w.out.push('[');
        let first = w.items.len();
        Arr {
            w,
            depth,
            first,
            count: 0,
            sort,
            variant,
        }
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        let out = &mut self.w.out;
        out.push_str(if self.count == 0 { "\n" } else { ",\n" });
        indent(out, self.depth + 1);
        let start = out.len();
        sorted::write_value(self.w, self.depth + 1, Ctx::Other, value)?;
        if self.sort {
            let end = self.w.out.len();
            self.w.items.push(start..end);
        }
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> Res {
        let w = self.w;
        if self.count == 0 {
            w.out.push(']');
        } else {
            if self.sort {
                // Capability names are `CAP_[A-Z0-9_]+`: their JSON text sorts as the names do.
                let mut items = std::mem::take(&mut w.items);
                let mine = &mut items[self.first..];
                let out = &w.out;
                mine.sort_by(|a, b| out[a.clone()].cmp(&out[b.clone()]));
                let base = mine.iter().map(|r| r.start).min().unwrap_or(0);
                w.reorder(base, mine.iter().cloned(), self.depth + 1);
                items.truncate(self.first);
                w.items = items;
            }
            w.out.push('\n');
            indent(&mut w.out, self.depth);
            w.out.push(']');
        }
        if self.variant {
            close_variant(&mut w.out, self.depth - 1);
        }
        Ok(())
    }
}

/// `{"Variant": ` of an externally tagged enum; the inner value is one level deeper.
fn open_variant(out: &mut String, depth: usize, variant: &str) {
    out.push_str("{\n");
    indent(out, depth + 1);
    write_str(out, variant);
    out.push_str(": ");
}

fn close_variant(out: &mut String, depth: usize) {
    out.push('\n');
    indent(out, depth);
    out.push('}');
}

/// A map key as `Value` would turn it into a string (strings, numbers, bools, unit variants).
fn key_string<T: Serialize + ?Sized>(key: &T) -> Result<Cow<'static, str>, Error> {
    match serde_json::to_value(key).map_err(|e| Error(e.to_string()))? {
        serde_json::Value::String(s) => Ok(Cow::Owned(s)),
        serde_json::Value::Number(n) => Ok(Cow::Owned(n.to_string())),
        serde_json::Value::Bool(b) => Ok(Cow::Owned(b.to_string())),
        _ => Err(Error("key must be a string".into())),
    }
}

impl<'a> ser::Serializer for Ser<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Arr<'a>;
    type SerializeTuple = Arr<'a>;
    type SerializeTupleStruct = Arr<'a>;
    type SerializeTupleVariant = Arr<'a>;
    type SerializeMap = Obj<'a>;
    type SerializeStruct = Obj<'a>;
    type SerializeStructVariant = Obj<'a>;

    fn serialize_bool(self, v: bool) -> Res {
        self.w.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Res {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Res {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Res {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Res {
        write_i64(&mut self.w.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Res {
        self.w.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Res {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Res {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Res {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Res {
        write_u64(&mut self.w.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Res {
        self.w.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Res {
        // `Value` keeps an f32 as the f64 it widens to.
        write_f64(&mut self.w.out, v.into());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Res {
        write_f64(&mut self.w.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Res {
        write_str(&mut self.w.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Res {
        write_str(&mut self.w.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Res {
        let mut a = Arr::begin(self.w, self.depth, false, false);
        for b in v {
            ser::SerializeSeq::serialize_element(&mut a, b)?;
        }
        a.finish()
    }
    fn serialize_none(self) -> Res {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Res {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        self.w.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Res {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Res {
        write_str(&mut self.w.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> Res {
        let ctx = if name == SPEC_ROOT {
            Ctx::Root
        } else {
            self.ctx
        };
        v.serialize(Ser { ctx, ..self })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Res {
        open_variant(&mut self.w.out, self.depth, variant);
        sorted::write_value(self.w, self.depth + 1, Ctx::Other, v)?;
        close_variant(&mut self.w.out, self.depth);
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Arr<'a>, Error> {
        Ok(Arr::begin(
            self.w,
            self.depth,
            self.ctx == Ctx::CapSet,
            false,
        ))
    }
    fn serialize_tuple(self, len: usize) -> Result<Arr<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Arr<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Arr<'a>, Error> {
        open_variant(&mut self.w.out, self.depth, variant);
        Ok(Arr::begin(self.w, self.depth + 1, false, true))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Obj<'a>, Error> {
        Ok(Obj::begin(self.w, self.depth, self.ctx, false))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Obj<'a>, Error> {
        Ok(Obj::begin(self.w, self.depth, self.ctx, false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Obj<'a>, Error> {
        open_variant(&mut self.w.out, self.depth, variant);
        Ok(Obj::begin(self.w, self.depth + 1, Ctx::Other, true))
    }
}

impl ser::SerializeSeq for Arr<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Res {
        self.item(v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}
impl ser::SerializeTuple for Arr<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Res {
        self.item(v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}
impl ser::SerializeTupleStruct for Arr<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Res {
        self.item(v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}
impl ser::SerializeTupleVariant for Arr<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Res {
        self.item(v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}
impl ser::SerializeMap for Obj<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Res {
        self.key = Some(key_string(k)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Res {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error("value without a key".into()))?;
        self.entry(key, v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}
impl ser::SerializeStruct for Obj<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, k: &'static str, v: &T) -> Res {
        self.entry(Cow::Borrowed(k), v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}
impl ser::SerializeStructVariant for Obj<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, k: &'static str, v: &T) -> Res {
        self.entry(Cow::Borrowed(k), v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}
