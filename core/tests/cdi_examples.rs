//! Conformance: every public CDI spec in reference/cdi-examples parses (or is
//! rejected) exactly as its INDEX.md "Upstream verdict" column says.

use std::path::{Path, PathBuf};

use ocigen_core::cdi::parse_spec;

/// In the repository (`reference/`): a missing corpus is a broken checkout, never a skip.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference/cdi-examples")
}

/// (relative path, expected valid) for each row of the INDEX.md files table.
fn verdicts(index: &str) -> Vec<(String, bool)> {
    index
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            // cols[0] is empty (leading `|`); file is cols[1], upstream verdict cols[7].
            let file = cols.get(1)?.trim_matches('`').to_string();
            let verdict = cols.get(7)?;
            Some((file, !verdict.starts_with("invalid")))
        })
        .collect()
}

#[test]
fn corpus_verdicts_match_index() {
    let dir = corpus_dir();
    assert!(dir.is_dir(), "CDI corpus missing at {}", dir.display());
    let index = std::fs::read_to_string(dir.join("INDEX.md")).expect("INDEX.md readable");
    let rows = verdicts(&index);
    assert!(rows.len() >= 17, "INDEX.md table has {} rows", rows.len());
    let mut failures = Vec::new();
    for (file, want_valid) in &rows {
        let path = dir.join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let got = parse_spec(file, &text);
        if got.is_ok() != *want_valid {
            failures.push(format!(
                "{file}: INDEX says valid={want_valid}, got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Every spec file in the corpus is covered by the index.
    let mut listed = 0;
    for sub in std::fs::read_dir(&dir)
        .expect("corpus dir readable")
        .flatten()
    {
        if !sub.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(sub.path())
            .expect("subdir readable")
            .flatten()
        {
            let rel = format!(
                "{}/{}",
                sub.file_name().to_string_lossy(),
                f.file_name().to_string_lossy()
            );
            assert!(
                rows.iter().any(|(r, _)| *r == rel),
                "{rel} is not in INDEX.md"
            );
            listed += 1;
        }
    }
    assert_eq!(listed, rows.len(), "INDEX.md rows vs files on disk");
}

#[test]
fn h200_fixture_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cdi/nvidia-ctk-h200.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    let spec = parse_spec("nvidia-ctk-h200.yaml", &text).expect("fixture parses");
    assert_eq!(spec.kind, "nvidia.com/gpu");
    let names: Vec<&str> = spec.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["0", "GPU-7f907147-dd4b-bcab-e0c2-3123ceba3087", "all"]
    );
    assert_eq!(spec.container_edits.hooks.len(), 2);
}
