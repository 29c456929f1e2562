//! Conformance: every public ZLayer deployment example loads or fails exactly as upstream's
//! parser decides (verdicts in the corpus's INDEX.md, "Expected verdicts" block), and a
//! rejection names the offending key or value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ocigen_core::parse_service_file;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accept,
    RejectValidation,
    RejectSerde,
}

/// The corpus is part of the repository (`reference/`), so a missing one is a broken
/// checkout and always a failure, never a skip.
fn corpus_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference/zlayer-examples");
    assert!(
        dir.join("INDEX.md").is_file(),
        "ZLayer example corpus missing at {}",
        dir.display()
    );
    dir
}

/// Reads the fenced block after "## Expected verdicts": headings `accept (N):`,
/// `reject at validation...(N):`, `reject at deserialization (N):`, each followed by
/// indented file names. Returns the verdict per file and the count each heading announces.
fn parse_verdicts(index: &str) -> (BTreeMap<String, Verdict>, BTreeMap<&'static str, usize>) {
    let section = index
        .split("## Expected verdicts")
        .nth(1)
        .and_then(|s| s.split("```text").nth(1))
        .and_then(|s| s.split("```").next())
        .unwrap_or_else(|| panic!("INDEX.md has no ```text block under \"## Expected verdicts\""));
    let mut verdicts = BTreeMap::new();
    let mut announced = BTreeMap::new();
    let mut current = None;
    for line in section.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let (verdict, key) = if trimmed.starts_with("accept") {
                (Verdict::Accept, "accept")
            } else if trimmed.starts_with("reject at validation") {
                (Verdict::RejectValidation, "validation")
            } else if trimmed.starts_with("reject at deserialization") {
                (Verdict::RejectSerde, "serde")
            } else {
                panic!("unexpected verdict heading {trimmed:?}");
            };
            let count = trimmed
                .rsplit('(')
                .next()
                .and_then(|s| s.split(')').next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("no (count) in heading {trimmed:?}"));
            announced.insert(key, count);
            current = Some(verdict);
        } else {
            let verdict = current.unwrap_or_else(|| panic!("file {trimmed:?} before any heading"));
            assert!(
                verdicts.insert(trimmed.to_string(), verdict).is_none(),
                "{trimmed} listed twice"
            );
        }
    }
    (verdicts, announced)
}

/// For each rejected file, the words of which at least one must appear in the error's field
/// or message: the offending keys/values INDEX.md gives as the reason. (Which of several
/// problems is reported first depends on key order, so any listed one will do.)
fn expected_reasons(file: &str) -> &'static [&'static str] {
    match file {
        "containers-multi-service-deployment.yaml" => &["volumes", "command", "exec", "schedule"],
        "containers-postgres-db-deployment.yaml" => &["volumes", "exec"],
        "containers-redis-cache-deployment.yaml" => &["document", "command", "exec"],
        "wasm-deployment.yaml" => &["runtime"],
        "hello.zlayer.yaml" => &["command"],
        "DEPLOYING_IMAGES.md-L991-multi-service-app.yaml" => &["protocol", "exec"],
        "DEPLOYING_IMAGES.md-L1104-wasm-function.yaml" => &["runtime"],
        "DEPLOYING_IMAGES.md-L1147-wasm-polyglot.yaml" => &["runtime", "protocol"],
        "DEPLOYING_IMAGES.md-L1207-hybrid-app.yaml" => &["runtime", "protocol"],
        "RUNTIME_GUIDE.md-L321-myapp.yaml" => &["expose", "url", "init", "cpu"],
        "README.md-L341-my-wasm-app.yaml" => &["env"],
        "examples-README.md-L148-my-app.yaml" => &["protocol", "mode"],
        "WASM_PLUGINS.md-L1095-my-wasm-app.yaml" => &["env"],
        "full-service.yaml" => &["schedule"],
        other => panic!("no expected reason recorded for rejected file {other}; add one"),
    }
}

#[test]
fn zlayer_examples_match_upstream_verdicts() {
    let dir = corpus_dir();
    let index =
        std::fs::read_to_string(dir.join("INDEX.md")).unwrap_or_else(|e| panic!("INDEX.md: {e}"));
    let (verdicts, announced) = parse_verdicts(&index);

    let count = |v: Verdict| verdicts.values().filter(|x| **x == v).count();
    assert_eq!(
        (
            count(Verdict::Accept),
            count(Verdict::RejectValidation),
            count(Verdict::RejectSerde)
        ),
        (16, 1, 13)
    );
    assert_eq!(announced.get("accept"), Some(&16));
    assert_eq!(announced.get("validation"), Some(&1));
    assert_eq!(announced.get("serde"), Some(&13));

    let mut failures = Vec::new();
    for (file, verdict) in &verdicts {
        let text =
            std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        match (verdict, parse_service_file(file, &text)) {
            (Verdict::Accept, Ok(parsed)) => {
                let names = parsed.service_names();
                if names.is_empty() {
                    failures.push(format!("{file}: accepted but has no services"));
                }
                for name in names {
                    match parsed.service(Some(&name)) {
                        Ok(svc) if svc.name == name && svc.prefix == format!("services.{name}") => {
                        }
                        Ok(svc) => {
                            failures.push(format!("{file}: service {name} came back as {svc:?}"))
                        }
                        Err(e) => {
                            failures.push(format!("{file}: service {name} not selectable: {e}"))
                        }
                    }
                }
            }
            (Verdict::Accept, Err(e)) => failures.push(format!("{file}: should load, got {e}")),
            (_, Ok(_)) => failures.push(format!(
                "{file}: should be rejected ({verdict:?}) but loaded"
            )),
            (_, Err(e)) => {
                let code = if *verdict == Verdict::RejectSerde {
                    "E_PARSE"
                } else {
                    "E_INVALID"
                };
                let text = format!("{} | {e}", e.field().unwrap_or_default());
                let reasons = expected_reasons(file);
                if e.code() != code {
                    failures.push(format!("{file}: expected {code}, got {}: {e}", e.code()));
                } else if !reasons.iter().any(|r| text.contains(r)) {
                    failures.push(format!("{file}: error names none of {reasons:?}: {text}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_file_in_the_corpus_has_a_verdict() {
    let dir = corpus_dir();
    let index =
        std::fs::read_to_string(dir.join("INDEX.md")).unwrap_or_else(|e| panic!("INDEX.md: {e}"));
    let (verdicts, _) = parse_verdicts(&index);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let name = entry
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            assert!(
                verdicts.contains_key(&name),
                "{name} is in the corpus but has no verdict in INDEX.md"
            );
        }
    }
}
