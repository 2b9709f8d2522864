//! No constant in the provider's source is declared and never used (issue 11: 24 of 25
//! `*_TIMEOUT` constants in `cloud/` were dead, so their numbers said nothing). rustc's
//! dead-code lint misses `pub` constants of a library, so this test reads the source: a
//! constant counts as used when its name appears in code (not in a comment) anywhere in
//! `src/` or `tests/` other than its own declaration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The code of one line: what comes before a `//` comment (string contents with `//` in
/// them only make the count stricter).
fn code_of(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// The identifiers of a piece of code.
fn identifiers(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// `(name, "file:line")` of every `const NAME` declaration.
fn declarations(files: &[(PathBuf, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, text) in files {
        for (i, line) in text.lines().enumerate() {
            let code = code_of(line);
            let mut words = identifiers(code);
            while let Some(w) = words.next() {
                if w == "const" {
                    if let Some(name) = words.next() {
                        if name
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                        {
                            out.push((name.to_string(), format!("{}:{}", path.display(), i + 1)));
                        }
                    }
                    break;
                }
            }
        }
    }
    out
}

/// How often each identifier appears in code across `files`.
fn uses(files: &[(PathBuf, String)]) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for (_, text) in files {
        for line in text.lines() {
            for w in identifiers(code_of(line)) {
                *n.entry(w.to_string()).or_insert(0) += 1;
            }
        }
    }
    n
}

fn read_all(dirs: &[&str]) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    dirs.iter()
        .flat_map(|d| rust_files(&root.join(d)))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

#[test]
fn every_constant_of_the_provider_is_used_somewhere() {
    let src = read_all(&["src"]);
    let everywhere = read_all(&["src", "tests"]);
    let counts = uses(&everywhere);
    let unused: Vec<String> = declarations(&src)
        .into_iter()
        .filter(|(name, _)| counts.get(name).copied().unwrap_or(0) <= 1)
        .map(|(name, at)| format!("{name} ({at})"))
        .collect();
    assert!(
        unused.is_empty(),
        "constants declared but never used:\n{}",
        unused.join("\n")
    );
}

#[test]
fn the_check_sees_an_unused_constant() {
    let files = vec![(
        PathBuf::from("x.rs"),
        "pub const USED: u8 = 1;\npub const DEAD: u8 = 2; // DEAD in a comment does not count\nfn f() -> u8 { USED }\n".to_string(),
    )];
    let counts = uses(&files);
    let dead: Vec<String> = declarations(&files)
        .into_iter()
        .filter(|(name, _)| counts[name] <= 1)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(dead, vec!["DEAD".to_string()]);
}
