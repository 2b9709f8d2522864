//! Deterministic ownership tags stamped on every Azure sub-resource, so a re-run after a
//! crash can recognise (and adopt) what an earlier run created.
//!
//! ARM tag names cannot contain `<`, `>`, `%`, `&`, `\`, `?`, `/`, and some services also
//! reject `:`, so the AWS-style `cloudlink:resource` is spelled `cloudlink-resource` here.

use std::collections::BTreeMap;

/// Tag naming the composite that owns the object (e.g. `cloudlink_cross_cloud_vpn.main`'s
/// composite name).
pub const TAG_RESOURCE: &str = "cloudlink-resource";

/// Tag naming the object's role in the composite (e.g. `local-network-gateway-2`).
pub const TAG_COMPONENT: &str = "cloudlink-component";

/// Claim of a GatewaySubnet, kept on the link's first public IP: subnets are ARM proxy
/// resources and take no tags, so before cloudlink creates a GatewaySubnet it writes this
/// tag (value: the subnet's prefix) on an object it owns. A re-run after a crash between the
/// subnet's creation and the gateway's then knows, without doubt, that the subnet is its own.
pub const TAG_GATEWAY_SUBNET: &str = "cloudlink-gateway-subnet";

/// Tag naming the Terraform state that owns the object (its claim id; see
/// `resources::claim`).
pub const TAG_CLAIM: &str = "cloudlink-claim";

/// Tag names the layer reserves; user tags with these names are overridden.
pub const RESERVED: [&str; 4] = [TAG_RESOURCE, TAG_COMPONENT, TAG_GATEWAY_SUBNET, TAG_CLAIM];

/// User tags merged with the ownership tags (ownership wins on a clash).
pub fn ownership_tags(
    resource: &str,
    component: &str,
    user: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = user.clone();
    out.insert(TAG_RESOURCE.to_string(), resource.to_string());
    out.insert(TAG_COMPONENT.to_string(), component.to_string());
    out
}

/// Whether `tags` say the object belongs to `resource` in role `component`.
pub fn is_owned_by(tags: &BTreeMap<String, String>, resource: &str, component: &str) -> bool {
    tags.get(TAG_RESOURCE).map(String::as_str) == Some(resource)
        && tags.get(TAG_COMPONENT).map(String::as_str) == Some(component)
}

/// The user's part of `tags` (without the ownership tags), for reading back into state.
pub fn user_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Tags as the SDK models carry them (`Option<serde_json::Value>`); `None` when empty.
pub fn to_sdk(tags: &BTreeMap<String, String>) -> Option<serde_json::Value> {
    if tags.is_empty() {
        None
    } else {
        serde_json::to_value(tags).ok()
    }
}

/// Tags from an SDK model; non-string values are skipped.
pub fn from_sdk(tags: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    tags.and_then(|v| v.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_wins_and_round_trips() {
        let user = BTreeMap::from([
            ("env".to_string(), "prod".to_string()),
            (TAG_RESOURCE.to_string(), "spoofed".to_string()),
        ]);
        let t = ownership_tags("vpn-a", "local-network-gateway-2", &user);
        assert!(is_owned_by(&t, "vpn-a", "local-network-gateway-2"));
        assert!(!is_owned_by(&t, "vpn-a", "local-network-gateway-1"));
        assert!(t.keys().all(|k| !k.contains(':')));
        assert_eq!(from_sdk(to_sdk(&t).as_ref()), t);
        assert_eq!(
            user_tags(&t),
            BTreeMap::from([("env".to_string(), "prod".to_string())])
        );
    }
}
