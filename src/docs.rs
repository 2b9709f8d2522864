//! Registry-format documentation generated from the live schema: `docs/index.md` and
//! `docs/resources/<name>.md`. Prose lives in `templates/` (hand-written: authentication,
//! permissions, behaviour); the argument and attribute reference, examples and import
//! syntax are filled in from the schema and `examples/`, so the docs cannot drift from
//! the code. A test regenerates everything and fails when `docs/` is stale.

use crate::provider::config;
use crate::resources;
use crate::tf::{Attribute, Block, NestedBlock, NestingMode};
use anyhow::Context;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Renders every doc page; keys are paths relative to the docs directory.
pub fn render_all(repo: &Path) -> anyhow::Result<BTreeMap<PathBuf, String>> {
    let mut pages = BTreeMap::new();
    let index = read(repo, "templates/index.md.tmpl")?;
    pages.insert(
        PathBuf::from("index.md"),
        fill(repo, &index, &config::schema().block, "provider")?,
    );
    for (type_name, res) in resources::registry().iter() {
        let short = type_name.trim_start_matches("cloudlink_");
        let tmpl = read(repo, &format!("templates/resources/{short}.md.tmpl"))?;
        let page = fill(repo, &tmpl, &res.schema().block, type_name)?;
        pages.insert(PathBuf::from(format!("resources/{short}.md")), page);
    }
    Ok(pages)
}

fn read(repo: &Path, rel: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(repo.join(rel)).with_context(|| format!("reading {rel}"))
}

/// Replaces `{{schema}}`, `{{example PATH}}` (an HCL file in a fenced block) and
/// `{{shell PATH}}` (a shell file in a fenced block) in a template.
fn fill(repo: &Path, tmpl: &str, block: &Block, what: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    for line in tmpl.lines() {
        let t = line.trim();
        if t == "{{schema}}" {
            out.push_str(&schema_markdown(block));
        } else if let Some(p) = t
            .strip_prefix("{{example ")
            .and_then(|s| s.strip_suffix("}}"))
        {
            let body = read(repo, p.trim()).with_context(|| format!("example for {what}"))?;
            let _ = write!(out, "```terraform\n{}\n```\n", body.trim_end());
        } else if let Some(p) = t
            .strip_prefix("{{shell ")
            .and_then(|s| s.strip_suffix("}}"))
        {
            let body = read(repo, p.trim()).with_context(|| format!("shell snippet for {what}"))?;
            let _ = write!(out, "```shell\n{}\n```\n", body.trim_end());
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The argument and attribute reference of a block, in the layout of the registry's
/// generated docs: Required / Optional / Read-Only, then one section per nested block.
pub fn schema_markdown(block: &Block) -> String {
    let mut out = String::from("## Schema\n\n");
    let mut nested: Vec<(String, &NestedBlock)> = Vec::new();
    write_block(&mut out, block, "", &mut nested);
    write_rules(&mut out, block, "###");
    let mut i = 0;
    while i < nested.len() {
        let (path, nb) = (nested[i].0.clone(), nested[i].1);
        let _ = writeln!(
            out,
            "<a id=\"nestedblock--{}\"></a>\n### Nested Schema for `{}`\n",
            path.replace('.', "--"),
            path
        );
        let mut more = Vec::new();
        write_block(&mut out, &nb.block, &format!("{path}."), &mut more);
        write_rules(&mut out, &nb.block, "####");
        nested.extend(more);
        i += 1;
    }
    out
}

/// The block's named rules over several attributes (the resource-level validators at the
/// top), each with its name and what it requires, under a `heading` of the given level.
fn write_rules(out: &mut String, block: &Block, heading: &str) {
    if block.rules.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{heading} Validation rules\n\nChecked at `terraform validate` and `plan`, each reported on the attribute it names:\n"
    );
    for r in &block.rules {
        let _ = writeln!(out, "- `{}`: {}", r.name, r.description.trim());
    }
    out.push('\n');
}

/// A reference section and which attributes belong in it.
type Section = (&'static str, fn(&Attribute) -> bool);

fn write_block<'a>(
    out: &mut String,
    block: &'a Block,
    prefix: &str,
    nested: &mut Vec<(String, &'a NestedBlock)>,
) {
    let groups: [Section; 3] = [
        ("Required", |a| a.required),
        ("Optional", |a| a.optional),
        ("Read-Only", |a| a.computed && !a.optional && !a.required),
    ];
    for (title, pick) in groups.iter() {
        let attrs: Vec<&Attribute> = block.attributes.iter().filter(|a| pick(a)).collect();
        let blocks: Vec<&NestedBlock> = block
            .blocks
            .iter()
            .filter(|b| match *title {
                "Required" => b.min_items > 0,
                "Optional" => b.min_items == 0,
                _ => false,
            })
            .collect();
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {title}\n");
        for a in attrs {
            let mut flags = vec![type_name(a)];
            if a.sensitive {
                flags.push("Sensitive".into());
            }
            if a.write_only {
                flags.push("Write-only".into());
            }
            let _ = writeln!(
                out,
                "- `{}` ({}) {}",
                a.name,
                flags.join(", "),
                a.markdown_description()
            );
        }
        for b in blocks {
            let path = format!("{prefix}{}", b.name);
            let desc = if b.block.description.is_empty() {
                &b.description
            } else {
                &b.block.description
            };
            let kind = match (b.nesting, b.max_items) {
                (NestingMode::Single | NestingMode::Group, _) | (_, 1) => "Block".to_string(),
                (NestingMode::Map, _) => "Block Map, one per label".to_string(),
                (NestingMode::Set, _) => "Block Set".to_string(),
                (NestingMode::List, _) => "Block List".to_string(),
            };
            let replace = if b.replace.is_empty() {
                String::new()
            } else {
                format!(" {}", b.replace_notes())
            };
            let _ = writeln!(
                out,
                "- `{}` ({kind}) {}{replace} (see [below for nested schema](#nestedblock--{}))",
                b.name,
                desc.trim(),
                path.replace('.', "--")
            );
            nested.push((path, b));
        }
        out.push('\n');
    }
}

fn type_name(a: &Attribute) -> String {
    let t = a.value_type().to_string();
    let mut chars = t.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => t,
    }
}

/// Writes every page under `docs_dir`.
pub fn write_all(repo: &Path, docs_dir: &Path) -> anyhow::Result<()> {
    for (rel, body) in render_all(repo)? {
        let path = docs_dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
