//! The one place that stamps deterministic ownership tags on every EC2 sub-resource and
//! builds the filters that find it again, so a re-run after a crash adopts instead of
//! creating duplicates.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use std::collections::BTreeMap;

/// Tags as a sorted map (deterministic order in requests, state and tests).
pub type Tags = BTreeMap<String, String>;

/// Tag key naming the composite resource that owns a sub-resource (its name or id).
pub const TAG_RESOURCE: &str = "cloudlink:resource";
/// Tag key naming the sub-resource's role inside the composite (`customer-gateway-0`).
pub const TAG_COMPONENT: &str = "cloudlink:component";
/// Tag key naming the Terraform state that owns a sub-resource (its claim id; see
/// `resources::claim`).
pub const TAG_CLAIM: &str = "cloudlink:claim";
/// The console's display name tag.
pub const TAG_NAME: &str = "Name";

/// Ownership tags of one sub-resource: the user's tags, then `cloudlink:resource`,
/// `cloudlink:component` and `Name = <resource>-<component>`. The ownership keys always
/// win over a user tag of the same key, so the finder can rely on them.
pub fn ownership_tags(resource: &str, component: &str, user: &Tags) -> Tags {
    let mut tags = user.clone();
    tags.insert(TAG_RESOURCE.to_string(), resource.to_string());
    tags.insert(TAG_COMPONENT.to_string(), component.to_string());
    tags.insert(TAG_NAME.to_string(), format!("{resource}-{component}"));
    tags
}

/// The tag specification to send with a create call.
pub(crate) fn tag_specification(resource_type: ResourceType, tags: &Tags) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource_type)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

/// Filters matching the ownership keys of `tags` (`tag:cloudlink:resource`,
/// `tag:cloudlink:component`); other tags are not part of a sub-resource's identity.
pub(crate) fn ownership_filters(tags: &Tags) -> Vec<Filter> {
    [TAG_RESOURCE, TAG_COMPONENT]
        .iter()
        .filter_map(|k| {
            tags.get(*k).map(|v| {
                Filter::builder()
                    .name(format!("tag:{k}"))
                    .values(v.clone())
                    .build()
            })
        })
        .collect()
}

/// Whether `tags` carry both ownership keys; without them a tag lookup would match
/// everything, so the `find_*_by_tags` finders answer `None`.
pub(crate) fn has_ownership(tags: &Tags) -> bool {
    tags.contains_key(TAG_RESOURCE) && tags.contains_key(TAG_COMPONENT)
}

/// Whether `have` carries the ownership keys of `want` (client-side check, in case an
/// endpoint ignores tag filters).
pub(crate) fn owned_by(have: &Tags, want: &Tags) -> bool {
    [TAG_RESOURCE, TAG_COMPONENT]
        .iter()
        .all(|k| want.get(*k).is_none() || have.get(*k) == want.get(*k))
}

/// Converts SDK tags to our map.
pub(crate) fn from_sdk(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

/// An EC2 filter with one or more values.
pub(crate) fn filter(name: &str, values: &[&str]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
        .build()
}

impl super::account::Ec2 {
    /// Adds or overwrites `tags` on the EC2 object `id` (tags are per account: call with the
    /// owning side's client).
    pub async fn create_tags(&self, id: &str, tags: &Tags) -> crate::cloud::error::Result<()> {
        if tags.is_empty() {
            return Ok(());
        }
        let req = self.client.create_tags().resources(id).set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ));
        self.send(
            || format!("tagging EC2 object ({id})"),
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Removes the tag `keys` from the EC2 object `id`.
    pub async fn delete_tags(&self, id: &str, keys: &[String]) -> crate::cloud::error::Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let req = self.client.delete_tags().resources(id).set_tags(Some(
            keys.iter().map(|k| Tag::builder().key(k).build()).collect(),
        ));
        self.send(
            || format!("untagging EC2 object ({id})"),
            || req.clone().send(),
        )
        .await
        .map(|_| ())
    }

    /// Makes the tags of EC2 object `id` (currently `have`) exactly `want` in place: adds or
    /// overwrites the keys that differ, removes the ones no longer wanted (AWS-reserved
    /// `aws:` keys are never touched). No call when they already agree.
    pub async fn sync_tags(
        &self,
        id: &str,
        have: &Tags,
        want: &Tags,
    ) -> crate::cloud::error::Result<()> {
        let (set, gone) = tag_changes(have, want);
        self.create_tags(id, &set).await?;
        self.delete_tags(id, &gone).await
    }
}

/// The tags to set and the keys to remove to turn `have` into `want` (`aws:` keys kept).
pub(crate) fn tag_changes(have: &Tags, want: &Tags) -> (Tags, Vec<String>) {
    let set = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let gone = have
        .keys()
        .filter(|k| !want.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    (set, gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_keys_win_and_name_is_derived() {
        let mut user = Tags::new();
        user.insert("env".into(), "prod".into());
        user.insert(TAG_COMPONENT.into(), "spoofed".into());
        let t = ownership_tags("link-1", "customer-gateway-0", &user);
        assert_eq!(t["env"], "prod");
        assert_eq!(t[TAG_COMPONENT], "customer-gateway-0");
        assert_eq!(t[TAG_NAME], "link-1-customer-gateway-0");
        let f = ownership_filters(&t);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].name(), Some("tag:cloudlink:resource"));
        assert!(owned_by(&t, &t));
    }

    #[test]
    fn tag_changes_set_what_differs_and_remove_what_is_unwanted() {
        let have: Tags = [("a", "1"), ("b", "2"), ("aws:cloudformation", "x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let want: Tags = [("a", "1"), ("c", "3")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (set, gone) = tag_changes(&have, &want);
        assert_eq!(set.keys().collect::<Vec<_>>(), ["c"]);
        assert_eq!(gone, ["b"]);
        assert_eq!(tag_changes(&want, &want), (Tags::new(), vec![]));
    }
}
