//! Canonical JSON: sorted object keys (serde_json's default map is a BTreeMap; never enable
//! `preserve_order` in this workspace), capability arrays sorted (oci-spec keeps them in a
//! HashSet), two-space indent, trailing newline. Same inputs -> same bytes, natively and in wasm.

use serde::Serialize;
use serde_json::Value;

/// Serialize `value` canonically.
pub fn to_canonical_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut v =
        serde_json::to_value(value).expect("serializing plain data to a JSON value cannot fail");
    sort_capability_sets(&mut v);
    let mut s = serde_json::to_string_pretty(&v).expect("a JSON value always serializes");
    s.push('\n');
    s
}

/// `process.capabilities.{bounding,effective,...}` come from HashSets: sort them.
fn sort_capability_sets(v: &mut Value) {
    if let Some(Value::Object(caps)) = v.pointer_mut("/process/capabilities") {
        for set in caps.values_mut() {
            if let Value::Array(items) = set {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
        }
    }
}
