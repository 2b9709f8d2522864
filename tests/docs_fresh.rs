//! The registry docs in `docs/` are generated from the live schema (`make docs`); this test
//! regenerates them in memory and fails when a committed page is stale or missing.

#[test]
fn committed_docs_match_the_schema() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages = terraform_provider_cloudlink::docs::render_all(repo).expect("rendering docs");
    let mut stale = Vec::new();
    for (rel, body) in &pages {
        let path = repo.join("docs").join(rel);
        match std::fs::read_to_string(&path) {
            Ok(current) if current == *body => {}
            Ok(_) => stale.push(format!("{} is stale", rel.display())),
            Err(_) => stale.push(format!("{} is missing", rel.display())),
        }
    }
    assert!(
        stale.is_empty(),
        "docs out of date, run `make docs`: {stale:?}"
    );
}
