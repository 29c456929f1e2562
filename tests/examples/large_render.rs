//! Times the large renders of the bench without criterion (a quick figure in any profile):
//! `cargo run -p ocigen-tests --release --example large_render`. All three at once would
//! exceed the YAML reader's budget (250,000 nodes, serde-saphyr's default), which refuses
//! such a file with E_PARSE before any pass runs.

use std::time::Instant;

use ocigen_core::render_request;
use ocigen_tests::large_request;

fn main() {
    for (name, env, storage, devices) in [
        ("100,000 env entries", 100_000, 0, 0),
        ("10,000 tmpfs storage entries", 0, 10_000, 0),
        ("10,000 devices", 0, 0, 10_000),
    ] {
        let req = large_request(env, storage, devices);
        let start = Instant::now();
        let out = render_request(&req);
        let took = start.elapsed();
        assert!(
            out.contains("\"ok\": true"),
            "{name}: {}",
            &out[..out.len().min(400)]
        );
        println!(
            "{name}: {:.3} s ({} bytes out)",
            took.as_secs_f64(),
            out.len()
        );
    }
}
