//! Tags, shared by every resource and the provider's `default_tags`: the rules a tag map
//! follows in both clouds (one validator, attached to a resource's `tags` and to
//! `default_tags.tags`), merging the defaults under a resource's own `tags` (the resource
//! wins on a key), planning the computed `tags_all`, checking the merged set against the
//! clouds' tag limits, and telling on a refresh which cloud tags belong to the user's `tags`
//! and which only came from the defaults (so a default tag on the cloud objects is never
//! drift).

use std::sync::Arc;

use crate::cloud::aws::Tags;
use crate::provider::ProviderContext;
use crate::tf::validator::{self, Validator};
use crate::tf::{AttributePath, Diagnostic, Diagnostics, Value};

/// The name of a resource's own tag map.
pub const TAGS: &str = "tags";
/// The name of a resource's computed merged tag map.
pub const TAGS_ALL: &str = "tags_all";

/// Tags cloudlink adds to a sub-resource: on AWS `cloudlink:resource`, `cloudlink:component`,
/// `Name` and the state's `cloudlink:claim`; on Azure the first public IP carries as many
/// (`cloudlink-resource`, `cloudlink-component`, `cloudlink-claim`,
/// `cloudlink-gateway-subnet`).
pub const OWNERSHIP_TAGS: usize = 4;
/// Tags per resource on both clouds (rules AWS-TAGS, AZ-TAGS: 50).
pub const TAGS_MAX: usize = 50;

/// A wholly known map of strings as [`Tags`]; `None` when null or not yet known.
pub fn tags_of(v: &Value) -> Option<Tags> {
    let m = v.as_map().filter(|_| v.is_wholly_known())?;
    Some(
        m.iter()
            .filter_map(|(k, x)| x.as_str().map(|x| (k.clone(), x.to_string())))
            .collect(),
    )
}

/// Tags as a terraform map value.
pub fn tags_value(tags: &Tags) -> Value {
    Value::map(tags.iter().map(|(k, v)| (k.clone(), Value::string(v))))
}

/// The default tags under the resource's own: `resource` wins on a shared key.
pub fn merged(defaults: &Tags, resource: &Tags) -> Tags {
    let mut out = defaults.clone();
    out.extend(resource.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// The tag map validator of a resource's `tags` and of the provider's `default_tags.tags`:
/// user tags fit both clouds' rules (AWS-TAGS, AZ-TAGS): at most 50 tags with cloudlink's
/// own, keys 1-128 characters (AWS's limit; Azure allows 512) without Azure's forbidden
/// `<>%&\?/`, values up to 256 characters, no `aws:` prefix (AWS reserves it) and no
/// `cloudlink` prefix (ours: the ownership tags).
/// rules: AWS-TAGS, AZ-TAGS
pub fn tag_map() -> Arc<dyn Validator> {
    validator::check(
        format!("at most {} tags (cloudlink adds {OWNERSHIP_TAGS} of its own); keys of 1-128 characters without `<>%&\\?/`, not starting with `aws:` or `cloudlink`; values of at most 256 characters.", TAGS_MAX - OWNERSHIP_TAGS),
        |v, at| tag_map_at(v, at).into_iter().collect(),
    )
}

/// The errors of the tag map `v` at `at` (see [`tag_map`]); a map not wholly known passes.
/// rules: AWS-TAGS, AZ-TAGS
pub fn tag_map_at(v: &Value, at: &AttributePath) -> Vec<Diagnostic> {
    let Some(m) = v.as_map().filter(|_| v.is_wholly_known()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if m.len() + OWNERSHIP_TAGS > TAGS_MAX {
        out.push(Diagnostic::error("Too many tags", format!("{} tags plus cloudlink's {OWNERSHIP_TAGS} ownership tags exceed the {TAGS_MAX} tags AWS and Azure allow per resource.", m.len())).with_path(at.clone()));
    }
    for (k, val) in m {
        let here = at.clone().key(k);
        let lower = k.to_ascii_lowercase();
        let why = if k.is_empty() || k.chars().count() > 128 {
            Some("tag keys must be 1-128 characters (AWS's limit)".to_string())
        } else if let Some(c) = k.chars().find(|c| "<>%&\\?/".contains(*c)) {
            Some(format!("Azure refuses the character {c:?} in tag names"))
        } else if lower.starts_with("aws:") {
            Some("AWS reserves the aws: prefix".into())
        } else if lower.starts_with("cloudlink") {
            Some("the cloudlink prefix belongs to cloudlink's ownership tags".into())
        } else if val.as_str().is_some_and(|s| s.chars().count() > 256) {
            Some("tag values must be at most 256 characters (both clouds)".into())
        } else {
            None
        };
        if let Some(w) = why {
            out.push(Diagnostic::error("Invalid tag", format!("Tag {k:?}: {w}.")).with_path(here));
        }
    }
    out
}

/// `default_tags.tags` at validate: each tag follows the same rules as a resource's `tags`
/// (so a reserved `cloudlink`/`aws:` key is an error on its path).
/// rules: AWS-TAGS, AZ-TAGS
pub fn validate_defaults(v: &Value, path: &AttributePath) -> Diagnostics {
    tag_map_at(v, path).into_iter().collect()
}

/// Plans `tags_all` as `default_tags` ∪ `tags`, and checks the merged set against the
/// clouds' per-resource tag limit (the defaults alone were checked at validate). Unknown
/// while the provider is not configured or `tags` is not known yet.
pub fn plan_tags_all(ctx: Option<&ProviderContext>, planned: &mut Value, diags: &mut Diagnostics) {
    let tags = planned.attr(TAGS);
    let resource = if tags.is_null() {
        Some(Tags::new())
    } else {
        tags_of(tags)
    };
    let (Some(ctx), Some(resource)) = (ctx, resource) else {
        planned.set_attr(TAGS_ALL, Value::unknown());
        return;
    };
    let all = merged(&ctx.default_tags, &resource);
    if let Some(d) = too_many(&all) {
        diags.push(d);
    }
    planned.set_attr(TAGS_ALL, tags_value(&all));
}

/// An error on `tags` when the merged tags `all` and cloudlink's ownership tags exceed the
/// clouds' per-resource limit (rules AWS-TAGS, AZ-TAGS).
// rule: AWS-TAGS: AWS "Tag restrictions" (docs.amazonaws.cn/en_us/batch/latest/userguide/tag-restrictions.html, the shared AWS tag text: "Maximum number of tags per resource – 50", keys 128 / values 256, `aws:` reserved; the EC2 page itself was not reachable), read 2026-12-02.
// rule: AZ-TAGS: Azure SDK `tags` docs (learn.microsoft.com/javascript/api/@azure/arm-billing/proxyresourcewithtags: keys "cannot contain <>%&\?/", pointing at learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations for the 50-tag limit, not reachable here), read 2026-12-02.
fn too_many(all: &Tags) -> Option<Diagnostic> {
    (all.len() + OWNERSHIP_TAGS > TAGS_MAX).then(|| {
        Diagnostic::error(
            "Too many tags",
            format!(
                "tags and the provider's default_tags merge into {} tags; with cloudlink's {OWNERSHIP_TAGS} ownership tags that exceeds the {TAGS_MAX} tags AWS and Azure allow per resource.",
                all.len()
            ),
        )
        .with_path(AttributePath::root().attr(TAGS))
    })
}

/// `v` (a planned value) with `tags_all` resolved when the plan could not know it (the
/// provider was not configured yet): `default_tags` ∪ `tags`. A known `tags_all` is kept.
pub fn with_tags_all(ctx: &ProviderContext, v: &Value) -> Value {
    let mut out = v.clone();
    if !v.attr(TAGS_ALL).is_wholly_known() || v.attr(TAGS_ALL).is_null() {
        let resource = tags_of(v.attr(TAGS)).unwrap_or_default();
        out.set_attr(TAGS_ALL, tags_value(&merged(&ctx.default_tags, &resource)));
    }
    out
}

/// The user's `tags` after a refresh, from `cloud` (the objects' tags without the ownership
/// tags): a key the user wrote keeps the cloud's value (or disappears if it is gone); any
/// other key is the user's drift unless it equals a default tag, which is `tags_all`'s part.
pub fn refreshed_tags(written: &Tags, cloud: &Tags, defaults: &Tags) -> Tags {
    cloud
        .iter()
        .filter(|(k, v)| written.contains_key(*k) || defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn resource_tags_win_over_defaults() {
        let all = merged(
            &tags(&[("team", "net"), ("env", "dev")]),
            &tags(&[("env", "prod")]),
        );
        assert_eq!(all, tags(&[("env", "prod"), ("team", "net")]));
    }

    #[test]
    fn the_merged_set_counts_against_the_limit_with_ownership_tags() {
        let n = |count: usize| -> Tags {
            (0..count)
                .map(|i| (format!("k{i}"), "v".to_string()))
                .collect()
        };
        let defaults = n(30);
        let mut resource = Tags::new();
        for i in 30..46 {
            resource.insert(format!("k{i}"), "v".into());
        }
        assert!(
            too_many(&merged(&defaults, &resource)).is_none(),
            "46 + 4 fit"
        );
        resource.insert("k46".into(), "v".into());
        let d = too_many(&merged(&defaults, &resource)).expect("47 + 4 exceed 50");
        assert_eq!(d.path.as_ref().unwrap().to_string(), "tags");
        // A shared key counts once.
        assert!(too_many(&merged(&n(46), &n(46))).is_none());
    }

    #[test]
    fn a_default_tag_on_the_cloud_is_not_drift() {
        let defaults = tags(&[("team", "net"), ("env", "dev")]);
        let written = tags(&[("env", "prod")]);
        let cloud = tags(&[("team", "net"), ("env", "prod"), ("extra", "1")]);
        assert_eq!(
            refreshed_tags(&written, &cloud, &defaults),
            tags(&[("env", "prod"), ("extra", "1")])
        );
        let same_as_default = tags(&[("env", "dev")]);
        assert_eq!(
            refreshed_tags(&same_as_default, &tags(&[("env", "dev")]), &defaults),
            same_as_default
        );
    }

    #[test]
    fn tag_maps_fit_both_clouds() {
        let tags = |k: &str, v: &str| Value::map([(k.to_string(), Value::string(v))]);
        let at = AttributePath::root().attr(TAGS);
        let check = |v: &Value| tag_map().validate(v, &at);
        assert!(check(&tags("team", "net")).is_empty());
        assert!(!check(&tags("aws:x", "1")).is_empty());
        assert!(!check(&tags("a/b", "1")).is_empty());
        assert!(!check(&tags("cloudlink:resource", "1")).is_empty());
        assert!(!check(&tags("k", &"v".repeat(257))).is_empty());
        let d = check(&tags("aws:x", "1"));
        assert_eq!(
            d.iter().next().unwrap().path.as_ref().unwrap().to_string(),
            "tags[\"aws:x\"]"
        );
    }

    #[test]
    fn reserved_default_keys_are_errors_on_their_path() {
        let v = Value::map([("cloudlink:resource".to_string(), Value::string("x"))]);
        let p = AttributePath::root().attr("default_tags").attr("tags");
        let d = validate_defaults(&v, &p);
        assert!(d.has_errors());
        assert!(d
            .iter()
            .next()
            .unwrap()
            .path
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("default_tags.tags"));
    }
}
