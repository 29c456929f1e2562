//! The probe of the canonical writer: which fields a struct has, found without writing it.
//!
//! serde hands a struct's fields over in declaration order, and oci-spec does not declare
//! them alphabetically. Writing them as they come and reordering the text afterwards copies
//! every nested object once per level (the seccomp rules four times over: a third of
//! config.json's cost, issue 11). Instead, before a value is written it is *probed*: a
//! serializer that stops at once for anything but a struct records a struct's field names
//! without touching their values. When the names are out of order the writer serializes the
//! value once per name, in sorted order, through a serializer that writes that one field and
//! skips the rest (`ser::Pick`). Skipping a field costs a string comparison, so a struct of
//! `f` fields costs `f + 1` cheap walks and its bytes are written exactly once.
//!
//! Values are plain data whose `Serialize` gives the same fields every time, which is what
//! makes the repeated walks see the same struct.

use serde::ser::{self, Impossible, Serialize};

use super::out::{Error, Res};

/// Push the field names of `v` onto `names` (those serde does not skip, in its order) and
/// say whether `v` is a struct (looking through options and newtypes).
pub(super) fn struct_fields<T: Serialize + ?Sized>(v: &T, names: &mut Vec<&'static str>) -> bool {
    v.serialize(Probe { names }).is_ok()
}

/// The answer for anything that is not a struct: stop walking it.
pub(super) fn not_a_struct() -> Error {
    Error(String::new())
}

/// Records a struct's field names (those serde does not skip), in the order it gives them;
/// fails at once for any other value. Options and newtypes are looked through, as the
/// writer looks through them.
struct Probe<'a> {
    names: &'a mut Vec<&'static str>,
}

struct ProbeFields<'a> {
    names: &'a mut Vec<&'static str>,
}

impl ser::SerializeStruct for ProbeFields<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, _: &T) -> Res {
        self.names.push(name);
        Ok(())
    }
    fn end(self) -> Res {
        Ok(())
    }
}

/// The serializer methods both walkers refuse: everything but structs, options and newtypes.
macro_rules! refuse_all_but_structs {
    ($fields:ty) => {
        type Ok = ();
        type Error = Error;
        type SerializeSeq = Impossible<(), Error>;
        type SerializeTuple = Impossible<(), Error>;
        type SerializeTupleStruct = Impossible<(), Error>;
        type SerializeTupleVariant = Impossible<(), Error>;
        type SerializeMap = Impossible<(), Error>;
        type SerializeStruct = $fields;
        type SerializeStructVariant = Impossible<(), Error>;

        // Options are looked through, as the writer looks through them.
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Res {
            v.serialize(self)
        }
        fn serialize_bool(self, _: bool) -> Res {
            Err(not_a_struct())
        }
        fn serialize_i8(self, _: i8) -> Res {
            Err(not_a_struct())
        }
        fn serialize_i16(self, _: i16) -> Res {
            Err(not_a_struct())
        }
        fn serialize_i32(self, _: i32) -> Res {
            Err(not_a_struct())
        }
        fn serialize_i64(self, _: i64) -> Res {
            Err(not_a_struct())
        }
        fn serialize_u8(self, _: u8) -> Res {
            Err(not_a_struct())
        }
        fn serialize_u16(self, _: u16) -> Res {
            Err(not_a_struct())
        }
        fn serialize_u32(self, _: u32) -> Res {
            Err(not_a_struct())
        }
        fn serialize_u64(self, _: u64) -> Res {
            Err(not_a_struct())
        }
        fn serialize_f32(self, _: f32) -> Res {
            Err(not_a_struct())
        }
        fn serialize_f64(self, _: f64) -> Res {
            Err(not_a_struct())
        }
        fn serialize_char(self, _: char) -> Res {
            Err(not_a_struct())
        }
        fn serialize_str(self, _: &str) -> Res {
            Err(not_a_struct())
        }
        fn serialize_bytes(self, _: &[u8]) -> Res {
            Err(not_a_struct())
        }
        fn serialize_none(self) -> Res {
            Err(not_a_struct())
        }
        fn serialize_unit(self) -> Res {
            Err(not_a_struct())
        }
        fn serialize_unit_struct(self, _: &'static str) -> Res {
            Err(not_a_struct())
        }
        fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Res {
            Err(not_a_struct())
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Res {
            Err(not_a_struct())
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Impossible<(), Error>, Error> {
            Err(not_a_struct())
        }
        fn serialize_tuple(self, _: usize) -> Result<Impossible<(), Error>, Error> {
            Err(not_a_struct())
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Impossible<(), Error>, Error> {
            Err(not_a_struct())
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Impossible<(), Error>, Error> {
            Err(not_a_struct())
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Impossible<(), Error>, Error> {
            Err(not_a_struct())
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Impossible<(), Error>, Error> {
            Err(not_a_struct())
        }
    };
}
pub(super) use refuse_all_but_structs;

impl<'a> ser::Serializer for Probe<'a> {
    refuse_all_but_structs!(ProbeFields<'a>);

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Res {
        v.serialize(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<ProbeFields<'a>, Error> {
        Ok(ProbeFields { names: self.names })
    }
}
