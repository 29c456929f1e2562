//! The policy table is written once per document (README, docs/security.md): both must list
//! every rule of `core/src/policy/rules.rs` with its code, diagnostic name and level, and the
//! two copies must be the same rows.

use ocigen_core::policy::rules::RULES;

fn table(doc: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    text.lines()
        .filter(|l| l.starts_with("| P0"))
        .map(str::to_string)
        .collect()
}

#[test]
fn readme_and_security_doc_list_every_rule() {
    let readme = table("README.md");
    let doc = table("docs/security.md");
    assert_eq!(readme, doc, "README.md and docs/security.md differ");
    assert_eq!(readme.len(), RULES.len(), "one row per rule");
    for (row, rule) in readme.iter().zip(RULES) {
        let want = format!("| {} | `{}` | {} |", rule.id, rule.name, rule.level.name());
        assert!(row.starts_with(&want), "{row}\nshould start with {want}");
    }
}
