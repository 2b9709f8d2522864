//! `docs/cloud-rules.md` is tied to the code: every rule in the catalogue has a dated source
//! and a real error (or UNKNOWN); every side that claims to enforce a rule names it in its own
//! source (`rule: <id>`); every error code the emulator column quotes is one the emulator's
//! code returns; and no code names a rule the catalogue lacks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One catalogue row.
struct Rule {
    id: String,
    source: String,
    error: String,
    provider: String,
    emulator: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn catalogue() -> Vec<Rule> {
    let text = std::fs::read_to_string(repo().join("docs/cloud-rules.md"))
        .expect("docs/cloud-rules.md exists");
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| id ") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            assert_eq!(cells.len(), 6, "a row has 6 cells: {l}");
            Rule {
                id: cells[0].clone(),
                source: cells[2].clone(),
                error: cells[3].clone(),
                provider: cells[4].clone(),
                emulator: cells[5].clone(),
            }
        })
        .collect()
}

/// Every `.rs` file under `dir`, concatenated.
fn sources(dir: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap());
                out.push('\n');
            }
        }
    }
    out
}

/// Whether `id` occurs in `code` as a whole token (not as a prefix of a longer id).
fn mentions(code: &str, id: &str) -> bool {
    code.match_indices(id).any(|(i, _)| {
        let after = code[i + id.len()..].chars().next();
        let before = code[..i].chars().next_back();
        !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
            && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// The rule ids a source tree names in `rule:` / `rules:` comments and `(rule ID)` notes.
fn named_rules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines() {
        for marker in ["rule: ", "rules: ", "rule "] {
            for (i, _) in line.match_indices(marker) {
                for word in line[i + marker.len()..].split([',', ' ', ')', '(', ';', ':']) {
                    let w = word.trim();
                    if w.starts_with("AZ-") || w.starts_with("AWS-") {
                        out.insert(w.trim_end_matches('.').to_string());
                    } else if !w.is_empty() {
                        break;
                    }
                }
            }
        }
    }
    out
}

/// Backticked words in `cell` that look like an API error code (`InvalidVpcState`).
fn error_codes(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.len() > 6
                && w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_rule_has_a_dated_source_and_a_real_error_or_unknown() {
    let rules = catalogue();
    assert!(
        rules.len() >= 30,
        "the catalogue lists {} rules",
        rules.len()
    );
    let mut seen = BTreeSet::new();
    for r in &rules {
        assert!(seen.insert(r.id.clone()), "{} is listed twice", r.id);
        let dated = r
            .source
            .split(|c: char| !(c.is_ascii_digit() || c == '-'))
            .any(|w| w.len() == 10 && w.starts_with("20") && w.as_bytes()[4] == b'-');
        assert!(dated, "{}: the source has no date: {}", r.id, r.source);
        assert!(
            !r.error.is_empty(),
            "{}: say the real error or UNKNOWN",
            r.id
        );
    }
}

#[test]
fn both_sides_name_every_rule_they_claim() {
    let provider = sources(&repo().join("src"));
    let emulator = sources(&repo().join("emulator/src"));
    let mut missing = Vec::new();
    for r in catalogue() {
        for (side, cell, code) in [
            ("provider", &r.provider, &provider),
            ("emulator", &r.emulator, &emulator),
        ] {
            if let Some(reason) = cell.strip_prefix('—') {
                assert!(
                    reason.trim().len() > 10,
                    "{}: a side that does not enforce the rule says why",
                    r.id
                );
                continue;
            }
            if !mentions(code, &r.id) {
                missing.push(format!("{side} does not name {}", r.id));
            }
        }
        if r.emulator.starts_with('—') {
            continue;
        }
        for c in error_codes(&r.emulator) {
            if !emulator.contains(&format!("\"{c}\"")) {
                missing.push(format!(
                    "{}: the emulator never answers {c}, which the catalogue says it does",
                    r.id
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn the_code_names_no_rule_the_catalogue_lacks() {
    let ids: BTreeSet<String> = catalogue().into_iter().map(|r| r.id).collect();
    for dir in ["src", "emulator/src"] {
        let named = named_rules(&sources(&repo().join(dir)));
        let unknown: Vec<_> = named.difference(&ids).collect();
        assert!(
            unknown.is_empty(),
            "{dir} names rules not in docs/cloud-rules.md: {unknown:?}"
        );
    }
}
