//! `serde_json::Value` -> typed value, keeping the path of the first error.
//!
//! serde_path_to_error did this before, by wrapping the deserializer *and every visitor and
//! seed* in generic trackers. Each (type, visitor) pair then got its own copy of the
//! wrappers, with the derived visitors inlined into them: 353 KB of the browser module (19 %,
//! measured with twiggy, docs/performance.md) and a path push on every value read.
//!
//! Here only the deserializer over `Value` is ours, and it does the same job as serde_json's
//! own (same visits, same checks, messages worded by serde_json's error type), with one
//! addition: an error coming back out of a map value or a list item gets that key or index
//! added on its way up. Nothing is recorded while reading goes well, and no visitor is
//! wrapped, so each type's `Deserialize` exists once. The path stops where serde buffers a
//! value itself (internally tagged and untagged enums, `flatten`), as serde_path_to_error's
//! did; [`super::Source::typed`] completes it from the message.

use std::fmt;

use serde::de::{
    self, value::StrDeserializer, DeserializeOwned, DeserializeSeed, EnumAccess, Expected,
    MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde_json::{Map, Number, Value};

/// Read `value` as `T`; on error, the message and the path (`a.b[0].c`) where it arose.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    T::deserialize(De(value))
}

/// A message and where it arose.
#[derive(Debug)]
pub(crate) struct PathError {
    message: String,
    /// Innermost first: each map or list the error leaves adds its step at the end.
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    Key(String),
    Index(usize),
}

impl PathError {
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The path below `base`, written `base.a.b[0].c`.
    pub(crate) fn path_below(&self, base: &str) -> String {
        let mut path = base.to_string();
        for step in self.steps.iter().rev() {
            match step {
                Step::Index(i) => {
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                }
                Step::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
            }
        }
        path
    }

    fn under(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PathError {}

impl de::Error for PathError {
    #[cold]
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PathError {
            message: msg.to_string(),
            steps: Vec::new(),
        }
    }

    // serde_json words these two its own way (`null`, floats); the messages users see and
    // `words::translate` reads stay exactly as they were.
    #[cold]
    fn invalid_type(unexp: Unexpected, exp: &dyn Expected) -> Self {
        Self::custom(<serde_json::Error as de::Error>::invalid_type(unexp, exp))
    }

    #[cold]
    fn invalid_value(unexp: Unexpected, exp: &dyn Expected) -> Self {
        Self::custom(<serde_json::Error as de::Error>::invalid_value(unexp, exp))
    }
}

type Result<T> = std::result::Result<T, PathError>;

/// What a value is, for a type error.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => number_unexpected(n),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn number_unexpected(n: &Number) -> Unexpected<'_> {
    if let Some(u) = n.as_u64() {
        Unexpected::Unsigned(u)
    } else if let Some(i) = n.as_i64() {
        Unexpected::Signed(i)
    } else {
        Unexpected::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

fn visit_number<'de, V: Visitor<'de>>(n: Number, visitor: V) -> Result<V::Value> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else {
        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

fn visit_list<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value> {
    let len = items.len();
    let mut seq = Items {
        iter: items.into_iter(),
        index: 0,
    };
    let out = visitor.visit_seq(&mut seq)?;
    match seq.iter.len() {
        0 => Ok(out),
        _ => Err(de::Error::invalid_length(len, &"fewer elements in array")),
    }
}

fn visit_object<'de, V: Visitor<'de>>(map: Map<String, Value>, visitor: V) -> Result<V::Value> {
    let len = map.len();
    let mut entries = Entries {
        iter: map.into_iter(),
        pending: None,
    };
    let out = visitor.visit_map(&mut entries)?;
    match entries.iter.len() {
        0 => Ok(out),
        _ => Err(de::Error::invalid_length(len, &"fewer elements in map")),
    }
}

/// The deserializer: one value, owned, so strings move into the typed value.
struct De(Value);

/// The typed entry points check the value's kind first, as serde_json's do (a visitor that
/// also takes other kinds must not be handed them when the type asked for one), and call
/// only the visit that kind needs: going through `deserialize_any` would instantiate the
/// list and map readers for every visitor, even a number's (67 KB of the browser module,
/// measured).
macro_rules! kind_checked {
    ($($method:ident: $($kind:ident)|+;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            match self.0 {
                $(kind_checked!(@pat $kind value) => kind_checked!(@visit $kind value visitor),)+
                other => Err(wrong(&other, &visitor)),
            }
        }
    )*};
    (@pat Null $v:ident) => { Value::Null };
    (@pat $kind:ident $v:ident) => { Value::$kind($v) };
    (@visit Null $v:ident $visitor:ident) => { $visitor.visit_unit() };
    (@visit Bool $v:ident $visitor:ident) => { $visitor.visit_bool($v) };
    (@visit Number $v:ident $visitor:ident) => { visit_number($v, $visitor) };
    (@visit String $v:ident $visitor:ident) => { $visitor.visit_string($v) };
    (@visit Array $v:ident $visitor:ident) => { visit_list($v, $visitor) };
    (@visit Object $v:ident $visitor:ident) => { visit_object($v, $visitor) };
}

#[cold]
fn wrong(value: &Value, expected: &dyn Expected) -> PathError {
    de::Error::invalid_type(unexpected(value), expected)
}

impl<'de> de::Deserializer<'de> for De {
    type Error = PathError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_list(items, visitor),
            Value::Object(map) => visit_object(map, visitor),
        }
    }

    kind_checked! {
        deserialize_bool: Bool;
        deserialize_i8: Number;
        deserialize_i16: Number;
        deserialize_i32: Number;
        deserialize_i64: Number;
        deserialize_i128: Number;
        deserialize_u8: Number;
        deserialize_u16: Number;
        deserialize_u32: Number;
        deserialize_u64: Number;
        deserialize_u128: Number;
        deserialize_f32: Number;
        deserialize_f64: Number;
        deserialize_char: String;
        deserialize_str: String;
        deserialize_string: String;
        deserialize_identifier: String;
        deserialize_bytes: String | Array;
        deserialize_byte_buf: String | Array;
        deserialize_unit: Null;
        deserialize_seq: Array;
        deserialize_map: Object;
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            Value::Array(items) => visit_list(items, visitor),
            Value::Object(map) => visit_object(map, visitor),
            other => Err(wrong(&other, &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (variant, value) = match self.0 {
            Value::String(variant) => (variant, None),
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((variant, value)) => (variant, Some(value)),
                None => unreachable!("a map of one entry has an entry"),
            },
            Value::Object(_) => {
                return Err(de::Error::invalid_value(
                    Unexpected::Map,
                    &"map with a single key",
                ))
            }
            other => {
                return Err(de::Error::invalid_type(
                    unexpected(&other),
                    &"string or map",
                ))
            }
        };
        visitor.visit_enum(Variant { variant, value })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// A list's items; an error in one is placed at its index.
struct Items {
    iter: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = PathError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(item) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(De(item))
            .map(Some)
            .map_err(|e| e.under(Step::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// A map's entries; an error in a key (an unknown field) or in its value is placed at the
/// key.
struct Entries {
    iter: serde_json::map::IntoIter,
    pending: Option<(String, Value)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = PathError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        // serde_path_to_error's path for an unknown field ends with it; so does ours.
        let read = match seed.deserialize(StrDeserializer::<PathError>::new(&key)) {
            Ok(read) => read,
            Err(e) => return Err(e.under(Step::Key(key))),
        };
        self.pending = Some((key, value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let Some((key, value)) = self.pending.take() else {
            return Err(de::Error::custom(
                "a map value was asked for before its key",
            ));
        };
        seed.deserialize(De(value))
            .map_err(|e| e.under(Step::Key(key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum written as its variant's name, or as a map of one key (the variant) to its
/// content; an error in the content is placed at the variant.
struct Variant {
    variant: String,
    value: Option<Value>,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = PathError;
    type Variant = Content;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Content)> {
        let read = seed.deserialize(StrDeserializer::<PathError>::new(&self.variant))?;
        Ok((
            read,
            Content {
                variant: self.variant,
                value: self.value,
            },
        ))
    }
}

struct Content {
    variant: String,
    value: Option<Value>,
}

impl Content {
    /// The content as `expected` (a variant that carries data): an error in it is placed at
    /// the variant.
    fn read<T>(self, expected: &str, read: impl FnOnce(Value) -> Result<T>) -> Result<T> {
        match self.value {
            Some(value) => read(value).map_err(|e| e.under(Step::Key(self.variant))),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &expected)),
        }
    }
}

impl<'de> VariantAccess<'de> for Content {
    type Error = PathError;

    fn unit_variant(self) -> Result<()> {
        match self.value {
            None => Ok(()),
            Some(value) => de::Deserialize::deserialize(De(value))
                .map_err(|e: PathError| e.under(Step::Key(self.variant))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        self.read("newtype variant", |value| seed.deserialize(De(value)))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.read("tuple variant", |value| match value {
            Value::Array(items) => visit_list(items, visitor),
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"tuple variant",
            )),
        })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.read("struct variant", |value| match value {
            Value::Object(map) => visit_object(map, visitor),
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"struct variant",
            )),
        })
    }
}

#[cfg(test)]
#[path = "tracked_tests.rs"]
mod tests;
