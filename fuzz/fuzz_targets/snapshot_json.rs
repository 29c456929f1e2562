//! Arbitrary text as snapshot JSON: parsing never panics, and an accepted snapshot survives
//! its canonical serialisation (what `ocigen probe` writes and every render reads).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocigen_core::Snapshot;

fuzz_target!(|text: &str| {
    let Ok(snap) = Snapshot::from_json("snapshot", text) else {
        return;
    };
    let json = snap.to_json();
    match Snapshot::from_json("snapshot", &json) {
        Ok(again) => {
            assert_eq!(snap, again, "snapshot changed in a round trip");
            // Canonical means a fixed point: writing it again gives the same bytes.
            assert_eq!(json, again.to_json(), "to_json is not canonical");
        }
        Err(e) => panic!("canonical snapshot JSON rejected: {e}\n{json}"),
    }
});
