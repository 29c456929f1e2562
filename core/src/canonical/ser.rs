//! The direct canonical writer: a serde `Serializer` that writes serde_json's pretty format
//! into one `String`, with each object's entries in key order (by bytes, as `Value`'s BTreeMap
//! sorts them) and the capability sets under `process.capabilities` sorted. Structs whose
//! fields are out of order are written field by field in key order (see `probe`); maps are
//! written as they come and their text reordered once if needed.

use std::borrow::Cow;

use serde::ser::{self, Impossible, Serialize};

use super::out::{
    indent, write_f64, write_i64, write_str, write_u64, Ctx, Error, Res, SPEC_ROOT, W,
};
use super::probe::{not_a_struct, refuse_all_but_structs, struct_fields};

pub(super) fn write<T: Serialize + ?Sized>(out: &mut String, value: &T) {
    let mut w = W {
        out: std::mem::take(out),
        scratch: String::new(),
        keys: Vec::new(),
        items: Vec::new(),
        probed: Vec::new(),
    };
    write_value(&mut w, 0, Ctx::Root, value).expect("serializing plain data to JSON cannot fail");
    *out = w.out;
}

/// Write `v` at `depth`: a struct with out-of-order fields field by field in key order,
/// anything else through the ordinary writer.
pub(super) fn write_value<T: Serialize + ?Sized>(w: &mut W, depth: usize, ctx: Ctx, v: &T) -> Res {
    let mark = w.probed.len();
    let is_struct = struct_fields(v, &mut w.probed);
    if !is_struct || w.probed[mark..].is_sorted() {
        w.probed.truncate(mark);
        return v.serialize(Ser { w, depth, ctx });
    }
    // This struct's names stay at w.probed[mark..mark + n] while its fields are written:
    // the nested probes push above them and truncate back to where they began.
    w.probed[mark..].sort_unstable();
    let n = w.probed.len() - mark;
    w.out.push('{');
    for i in 0..n {
        let name = w.probed[mark + i];
        w.out.push_str(if i == 0 { "\n" } else { ",\n" });
        indent(&mut w.out, depth + 1);
        write_str(&mut w.out, name);
        w.out.push_str(": ");
        v.serialize(Pick {
            name,
            w: &mut *w,
            depth: depth + 1,
            ctx,
        })?;
    }
    w.out.push('\n');
    indent(&mut w.out, depth);
    w.out.push('}');
    w.probed.truncate(mark);
    Ok(())
}

/// One field of a struct, by name, written with the ordinary writer; the other fields are
/// skipped. `ctx` is the struct's own place in the document.
struct Pick<'a> {
    name: &'static str,
    w: &'a mut W,
    depth: usize,
    ctx: Ctx,
}

impl ser::SerializeStruct for Pick<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, v: &T) -> Res {
        if name == self.name {
            write_value(self.w, self.depth, self.ctx.child(name), v)?;
        }
        Ok(())
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl<'a> ser::Serializer for Pick<'a> {
    refuse_all_but_structs!(Pick<'a>);

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> Res {
        // A nested spec: its `process.capabilities` are placed as at the document's root.
        let ctx = if name == SPEC_ROOT {
            Ctx::Root
        } else {
            self.ctx
        };
        v.serialize(Pick { ctx, ..self })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Pick<'a>, Error> {
        Ok(self)
    }
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
        write_value(self.w, self.depth + 1, ctx, value)?;
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
        write_value(self.w, self.depth + 1, Ctx::Other, value)?;
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
        write_value(self.w, self.depth + 1, Ctx::Other, v)?;
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

/// serde's four sequence-like serializers are one array here.
macro_rules! array_serializer {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Arr<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Res {
                self.item(v)
            }
            fn end(self) -> Res {
                self.finish()
            }
        }
    )*};
}
array_serializer!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

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
/// A struct and a struct variant are both objects whose keys are their field names.
macro_rules! struct_serializer {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Obj<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, k: &'static str, v: &T) -> Res {
                self.entry(Cow::Borrowed(k), v)
            }
            fn end(self) -> Res {
                self.finish()
            }
        }
    )*};
}
struct_serializer!(SerializeStruct, SerializeStructVariant);
