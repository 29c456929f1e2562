//! Arbitrary text as a CDI spec file (files in /etc/cdi are written by other tools, so the
//! parser must reject anything malformed with an error, never a panic).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocigen_core::cdi::parse_spec;

fuzz_target!(|text: &str| {
    let Ok(spec) = parse_spec("/etc/cdi/x.yaml", text) else {
        return;
    };
    // An accepted spec written back as JSON must parse and validate to the same spec: the
    // data model loses nothing and validation depends only on the parsed values.
    let json = match serde_json::to_string(&spec) {
        Ok(j) => j,
        Err(e) => panic!("accepted spec does not serialise: {e}"),
    };
    match parse_spec("/etc/cdi/x.json", &json) {
        Ok(again) => assert_eq!(spec, again, "CDI spec changed in a JSON round trip"),
        Err(e) => panic!("accepted spec rejected after a JSON round trip: {e}\n{json}"),
    }
});
