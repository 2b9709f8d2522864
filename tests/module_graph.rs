//! No module of the library imports a module that imports it back (issue 11). A cycle makes
//! two files one unit in disguise: neither can be read, tested or moved without the other.
//!
//! The check reads every `src/**/*.rs` of the library (not `main.rs` and `src/bin/`, which
//! are other crates), leaves out comments, literals and `#[cfg(test)] mod ... { }` blocks,
//! and resolves every `use crate::...`, `use super::...`, `use self::...` (braces expanded)
//! and every inline `crate::a::b` / `super::a` / `self::a` path to the longest prefix that is
//! a module file (`mod.rs` and `lib.rs` stand for their folder's module). A bare relative
//! path (`use child::Item` in a `mod.rs`) is a parent reaching into its own child, the
//! facade pattern, and is not counted. The test fails listing every pair of modules that
//! import each other and every longer cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path: `["resources", "cross_cloud_vpn", "apply"]`; the crate root is empty.
type Module = Vec<String>;

/// `a::b::c`, or `crate` for the root.
fn show(m: &Module) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

/// The module a file under `src/` defines: `a/b.rs` is `a::b`, `a/mod.rs` is `a`, `lib.rs`
/// is the crate root.
fn module_of(relative: &str) -> Module {
    let mut parts: Vec<String> = relative
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// `src` without comments, string and char literals (each replaced by a space), so that
/// neither a doc comment mentioning `crate::x` nor a message quoting one counts.
fn strip_comments_and_literals(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && !c[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push(' ');
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c[i] == '\'' {
            // A char literal ('x', '\n', '\u{..}'), else a lifetime (kept: harmless).
            let close = if next == Some('\\') {
                (i + 3..c.len().min(i + 12)).find(|&k| c[k] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(k) => {
                    i = k + 1;
                    out.push(' ');
                }
                None => {
                    out.push(c[i]);
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// `src` (already stripped) without its `#[cfg(test)] mod NAME { ... }` blocks.
fn strip_test_modules(src: &str) -> String {
    let mut out = src.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let rest = &out[at + "#[cfg(test)]".len()..];
        let mut trimmed = rest.trim_start();
        // Other attributes between `#[cfg(test)]` and the item.
        while trimmed.starts_with("#[") {
            match trimmed.find(']') {
                Some(k) => trimmed = trimmed[k + 1..].trim_start(),
                None => break,
            }
        }
        let is_mod = trimmed.starts_with("mod ") || trimmed.starts_with("pub mod ");
        let open = rest.find('{');
        let semi = rest.find(';');
        match (is_mod, open) {
            (true, Some(open)) if semi.is_none_or(|s| s > open) => {
                let body = &rest[open..];
                let mut depth = 0usize;
                let mut end = body.len();
                for (k, ch) in body.char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let stop = at + "#[cfg(test)]".len() + open + end;
                out.replace_range(at..stop, " ");
            }
            // A test-only item that is not a module block: only its attribute goes.
            _ => out.replace_range(at..at + "#[cfg(test)]".len(), " "),
        }
    }
    out
}

fn is_ident_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// The `use` declarations of `src` (their trees, compacted by [`compact`]), and `src`
/// without them.
fn split_uses(src: &str) -> (Vec<String>, String) {
    let mut uses = Vec::new();
    let mut rest = String::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let at_word = src[i..].starts_with("use")
            && (i == 0 || !is_ident_char(src[..i].chars().last().unwrap_or(' ')))
            && src[i + 3..].chars().next().is_some_and(char::is_whitespace);
        if at_word {
            if let Some(end) = src[i..].find(';') {
                uses.push(compact(&src[i + 3..i + end]));
                rest.push(' ');
                i += end + 1;
                continue;
            }
        }
        let ch = src[i..].chars().next().unwrap_or(' ');
        rest.push(ch);
        i += ch.len_utf8();
    }
    (uses, rest)
}

/// A use tree with no whitespace but the single spaces around `as`: `a::{b as c, d}`.
fn compact(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = String::new();
    for (k, w) in words.iter().enumerate() {
        if k > 0 && (*w == "as" || words[k - 1] == "as") {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Every path a use tree names: `a::{b, c::{d, self}}` gives `a::b`, `a::c::d`, `a::c`; a
/// rename (`b as x`) names `b`, a glob (`c::*`) names `c`.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree = tree.trim_start_matches("::");
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        return vec![path.trim_end_matches("::*").to_string()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    let mut out = Vec::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        if part == "self" || part.starts_with("self as ") {
            out.push(prefix.to_string());
        } else {
            for p in expand_use_tree(part) {
                out.push(if prefix.is_empty() {
                    p
                } else {
                    format!("{prefix}::{p}")
                });
            }
        }
    }
    out
}

/// Every inline `crate::a::b`, `super::a`, `self::a` path in `src`.
fn inline_paths(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for root in ["crate", "super", "self"] {
        let mut from = 0;
        while let Some(k) = src[from..].find(root) {
            let at = from + k;
            from = at + root.len();
            let before_ok = at == 0 || !is_ident_char(src[..at].chars().last().unwrap_or(' '));
            if !before_ok || !src[from..].starts_with("::") {
                continue;
            }
            let mut end = from;
            loop {
                let tail = &src[end..];
                if !tail.starts_with("::") {
                    break;
                }
                let seg: String = tail[2..]
                    .chars()
                    .take_while(|c| is_ident_char(*c))
                    .collect();
                if seg.is_empty() {
                    break;
                }
                end += 2 + seg.len();
            }
            out.push(src[at..end].to_string());
        }
    }
    out
}

/// The module a path written in module `from` points into: its longest prefix that is a
/// module file. `None` for paths that do not start at `crate`, `super` or `self`.
fn resolve(from: &Module, path: &str, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut base: Module = match segs.next()? {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => {
            let mut b = from.clone();
            b.pop();
            while segs.peek() == Some(&"super") {
                segs.next();
                b.pop();
            }
            b
        }
        _ => return None,
    };
    for s in segs {
        let mut next = base.clone();
        next.push(s.to_string());
        if modules.contains(&next) {
            base = next;
        } else {
            break;
        }
    }
    Some(base)
}

/// The import graph of the files (`path relative to src`, source).
fn import_graph(files: &[(String, String)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = files.iter().map(|(p, _)| module_of(p)).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (path, src) in files {
        let from = module_of(path);
        let code = strip_test_modules(&strip_comments_and_literals(src));
        let (uses, rest) = split_uses(&code);
        let mut paths: Vec<String> = uses.iter().flat_map(|u| expand_use_tree(u)).collect();
        paths.extend(inline_paths(&rest));
        for p in paths {
            if let Some(to) = resolve(&from, &p, &modules) {
                if to != from {
                    edges.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    edges
}

/// Pairs of modules that import each other, each once.
fn two_cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<(Module, Module)> {
    let mut out = Vec::new();
    for (a, bs) in edges {
        for b in bs {
            if a < b && edges.get(b).is_some_and(|x| x.contains(a)) {
                out.push((a.clone(), b.clone()));
            }
        }
    }
    out
}

/// Strongly connected components of more than one module (Tarjan), each sorted.
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found.sort();
    walk.found
}

/// The failure text for `files`, `None` when the graph has no cycle.
fn report(files: &[(String, String)]) -> Option<String> {
    let edges = import_graph(files);
    let pairs = two_cycles(&edges);
    let longer: Vec<Vec<Module>> = cycles(&edges).into_iter().filter(|c| c.len() > 2).collect();
    if pairs.is_empty() && longer.is_empty() {
        return None;
    }
    let mut text = String::new();
    for (a, b) in &pairs {
        text.push_str(&format!(
            "  {} <-> {}  (they import each other)\n",
            show(a),
            show(b)
        ));
    }
    for c in &longer {
        let names: Vec<String> = c.iter().map(show).collect();
        text.push_str(&format!(
            "  cycle among {} modules: {}\n",
            c.len(),
            names.join(", ")
        ));
    }
    Some(text)
}

/// Every library source file under `dir`, as (path relative to `root`, source).
fn library_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        let rel = p
            .strip_prefix(root)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if p.is_dir() {
            if rel != "bin" {
                library_files(root, &p, out);
            }
        } else if rel.ends_with(".rs") && rel != "main.rs" {
            let src = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            out.push((rel, src));
        }
    }
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    library_files(&src, &src, &mut files);
    assert!(
        files.len() > 20,
        "found only {} source files under {}",
        files.len(),
        src.display()
    );
    if let Some(text) = report(&files) {
        panic!("modules import each other; move the shared part to where it belongs:\n{text}");
    }
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect()
}

#[test]
fn a_synthetic_two_module_cycle_is_found() {
    let f = files(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;"),
        ("a.rs", "use crate::b::Thing;\npub fn f() {}"),
        ("b.rs", "pub struct Thing;\nfn g() { crate::a::f() }"),
        ("c.rs", "use crate::a::f;"),
    ]);
    let text = report(&f).expect("the cycle a <-> b must be found");
    assert!(text.contains("a <-> b"), "{text}");
    let m = |s: &str| vec![s.to_string()];
    assert_eq!(
        two_cycles(&import_graph(&f)),
        [(m("a"), m("b"))],
        "c only imports; nothing imports it back"
    );
}

#[test]
fn braces_super_and_mod_rs_resolve_to_modules() {
    let f = files(&[
        ("lib.rs", "pub mod vpn;"),
        ("vpn/mod.rs", "pub mod apply;\npub mod read;\npub mod run;"),
        (
            "vpn/apply.rs",
            "use super::{run::{self, Run}, read as r};\nfn x() {}",
        ),
        (
            "vpn/read.rs",
            "use super::run::Run;\nfn y() { super::apply::x() }",
        ),
        ("vpn/run.rs", "pub struct Run;"),
    ]);
    let edges = import_graph(&f);
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Module>();
    let of_apply = &edges[&m("vpn::apply")];
    assert!(of_apply.contains(&m("vpn::run")) && of_apply.contains(&m("vpn::read")));
    assert!(
        !of_apply.contains(&m("vpn")),
        "a brace list is not an import of the parent: {edges:?}"
    );
    let text = report(&f).expect("apply <-> read");
    assert!(text.contains("vpn::apply <-> vpn::read"), "{text}");
}

#[test]
fn comments_literals_and_test_modules_do_not_count() {
    let f = files(&[
        ("lib.rs", "pub mod a;\npub mod b;"),
        ("a.rs", "use crate::b::x;\npub fn y() {}"),
        (
            "b.rs",
            "/// See crate::a::y.\npub fn x() { let _ = \"crate::a::y\"; let _ = r#\"crate::a\"#; }\n\
             // crate::a::y\n/* crate::a::y */\n\
             #[cfg(test)]\nmod tests {\n    use crate::a::y;\n    fn t() { super::super::a::y() }\n}\n",
        ),
    ]);
    assert_eq!(report(&f), None);
}

#[test]
fn a_longer_cycle_is_found() {
    let f = files(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;"),
        ("a.rs", "use crate::b::B;\npub struct A;"),
        ("b.rs", "use crate::c::C;\npub struct B;"),
        ("c.rs", "pub struct C(crate::a::A);"),
    ]);
    let text = report(&f).expect("a -> b -> c -> a");
    assert!(text.contains("cycle among 3 modules: a, b, c"), "{text}");
}
