//! Canonical JSON: sorted object keys, capability arrays sorted (oci-spec keeps them in a
//! HashSet), two-space indent, trailing newline. Same inputs -> same bytes, natively and in wasm.
//!
//! The bytes are those `serde_json::to_string_pretty` writes for the value's
//! `serde_json::Value` (keys sorted as a BTreeMap sorts them: by bytes). They are written
//! directly by a serde `Serializer` rather than through a `Value`: building the tree of maps
//! and strings cost more than the render itself (issue 11). Each object is written in the
//! sorted order: a struct whose fields are not declared in key order (most of oci-spec's) is
//! first asked for its field names, then for one field at a time in sorted order, so every
//! byte is written once, in place (`sorted`). A map's entries are written in the order they
//! come, with each entry's byte range recorded, and its text reordered once if needed.

mod out;
mod probe;

/// Decimal numbers as the canonical writer writes them, for other hot-path text (trace keys).
pub(crate) use out::{write_i64, write_u64};
mod ser;

use serde::Serialize;

/// Serialize `value` canonically.
pub fn to_canonical_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::with_capacity(4096);
    ser::write(&mut out, value);
    out.push('\n');
    out
}

/// Wraps a `Spec` (or anything shaped like one) that sits below the root of a canonical
/// document, e.g. `config` in the render envelope: its `process.capabilities` arrays are
/// sorted as at the root. Other serializers see only the inner value.
pub struct SpecRoot<'a, T: Serialize + ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for SpecRoot<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(out::SPEC_ROOT, self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reference: what this module wrote before it wrote directly.
    fn via_value(v: &serde_json::Value) -> String {
        let mut s = serde_json::to_string_pretty(v).unwrap();
        s.push('\n');
        s
    }

    #[test]
    fn same_bytes_as_a_sorted_value() {
        let v = json!({
            "z": [1, -2, 3.5, null, true, "a\"b\\c\n\u{1}\u{7f}é"],
            "a": {"y": {}, "x": [], "b": [{"k": 1, "c": "d"}]},
            "m": "\t\r\u{8}\u{c}",
            "B": 18446744073709551615u64,
        });
        assert_eq!(to_canonical_json(&v), via_value(&v));
    }

    #[derive(Serialize)]
    struct Caps {
        process: Process,
        other: Vec<&'static str>,
    }
    #[derive(Serialize)]
    struct Process {
        capabilities: std::collections::BTreeMap<&'static str, Vec<&'static str>>,
        args: Vec<&'static str>,
    }

    #[test]
    fn sorts_capability_sets_at_the_root_and_under_spec_root() {
        let caps = Caps {
            process: Process {
                capabilities: [("bounding", vec!["CAP_B", "CAP_A"])].into_iter().collect(),
                args: vec!["b", "a"],
            },
            other: vec!["b", "a"],
        };
        let out = to_canonical_json(&caps);
        assert!(out.contains("\"CAP_A\",\n        \"CAP_B\""), "{out}");
        assert!(out.contains("\"b\",\n      \"a\""), "{out}");
        #[derive(Serialize)]
        struct Env<'a> {
            config: SpecRoot<'a, Caps>,
        }
        let env = to_canonical_json(&Env {
            config: SpecRoot(&caps),
        });
        assert!(env.contains("\"CAP_A\",\n          \"CAP_B\""), "{env}");
    }

    /// Structs whose fields are declared out of key order, nested, behind options and
    /// newtypes, with skipped fields: written field by field (`probe`), they must give the
    /// bytes of the sorted `Value`.
    #[test]
    fn out_of_order_structs_match_a_sorted_value() {
        #[derive(Serialize)]
        struct Inner {
            zeta: u8,
            #[serde(skip_serializing_if = "Option::is_none")]
            beta: Option<&'static str>,
            alpha: Vec<Wrapped>,
        }
        #[derive(Serialize)]
        struct Wrapped(Leaf);
        #[derive(Serialize)]
        struct Leaf {
            names: Vec<&'static str>,
            action: &'static str,
        }
        #[derive(Serialize)]
        struct Outer {
            process: Option<Inner>,
            hostname: &'static str,
            linux: Inner,
            annotations: std::collections::HashMap<&'static str, u8>,
        }
        let leaf = |a| {
            Wrapped(Leaf {
                names: vec!["read", "write"],
                action: a,
            })
        };
        let v = Outer {
            process: Some(Inner {
                zeta: 1,
                beta: None,
                alpha: vec![],
            }),
            hostname: "h",
            linux: Inner {
                zeta: 2,
                beta: Some("b"),
                alpha: vec![leaf("allow"), leaf("errno")],
            },
            annotations: [("z", 1), ("a", 2), ("m", 3)].into_iter().collect(),
        };
        let out = to_canonical_json(&v);
        assert_eq!(out, via_value(&serde_json::to_value(&v).unwrap()));
        assert!(out.find("\"action\"").unwrap() < out.find("\"names\"").unwrap());
        assert!(!out.contains("beta\": null"), "{out}");
    }

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        One { b: u8, a: Option<u8> },
        Three,
    }

    #[test]
    fn enums_and_options_match_serde_json() {
        let vals = vec![
            serde_json::to_value(Tagged::One { b: 1, a: None }).unwrap(),
            serde_json::to_value(Option::<u8>::None).unwrap(),
        ];
        for v in vals {
            assert_eq!(to_canonical_json(&v), via_value(&v));
        }
        #[derive(Serialize)]
        enum Ext {
            Unit,
            New(u8),
            Tup(u8, &'static str),
            Rec { z: u8, a: u8 },
        }
        let items = (
            Ext::Unit,
            Ext::New(1),
            Ext::Tup(2, "x"),
            Ext::Rec { z: 1, a: 2 },
            Tagged::One { b: 1, a: Some(2) },
            Tagged::Three,
            'c',
            (),
        );
        let v = serde_json::to_value(&items).unwrap();
        assert_eq!(to_canonical_json(&items), via_value(&v));
    }
}
