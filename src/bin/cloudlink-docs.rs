//! `cloudlink-docs [DIR]`: regenerates the registry-format docs (default `docs/`) from the
//! live schema and the templates in `templates/`. Run through `make docs`.

fn main() -> anyhow::Result<()> {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs".to_string());
    terraform_provider_cloudlink::docs::write_all(&repo, &repo.join(&dir))?;
    println!("docs written to {dir}/");
    Ok(())
}
