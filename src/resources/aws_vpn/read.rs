//! Read of the AWS half: which recorded AWS objects still exist and are still this state's
//! (the ids of the others are cleared, so the plan repairs them), and which carry other tags
//! than the run stamps (tag drift: the resource shows the user tags they carry, so the plan
//! offers the in-place update that stamps them again).

use super::checkpoint::AwsCheckpoint;
use super::run::AwsRun;
use super::side::{customer_gateway_component, vpn_connection_component, VPN_GATEWAY_COMPONENT};
use crate::cloud::aws::tags::tag_changes;
use crate::cloud::aws::{TAG_CLAIM, TAG_COMPONENT, TAG_NAME, TAG_RESOURCE};
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

/// An object whose tags drifted: its id and the user tags it carries now.
pub type TagDrift = (String, BTreeMap<String, String>);

/// The drift of EC2 object `id` tagged `have` when the run stamps `want`: every tag counts
/// but AWS's own (`aws:`); `None` when there is none.
pub fn tag_drift(
    id: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Option<TagDrift> {
    let (set, gone) = tag_changes(have, want);
    if set.is_empty() && gone.is_empty() {
        return None;
    }
    let user = have
        .iter()
        .filter(|(k, _)| {
            ![TAG_RESOURCE, TAG_COMPONENT, TAG_NAME, TAG_CLAIM].contains(&k.as_str())
                && !k.starts_with("aws:")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some((id.to_string(), user))
}

/// Checks the customer gateway and the VPN connection of VPN connection `i` recorded in
/// `cp`: a vanished one, or one now under another state's claim, loses its id; drift is
/// appended to `drift`.
pub async fn existing_of_vpn_connection(
    aws: &AwsRun,
    cp: &mut AwsCheckpoint,
    i: usize,
    drift: &mut Vec<TagDrift>,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let c = &cp.customer_gateway_ids[i];
    if !c.is_empty() {
        match aws.customer_gateway(c, cancel).await? {
            Some(g) if aws.owns(&g.tags) => {
                let want = aws.tags(&customer_gateway_component(i));
                drift.extend(tag_drift(&g.id, &g.tags, &want));
            }
            _ => cp.customer_gateway_ids[i].clear(),
        }
    }
    let v = &cp.vpn_connection_ids[i];
    if !v.is_empty() {
        match aws.vpn_connection(v, cancel).await? {
            Some(x) if aws.owns(&x.tags) => {
                let want = aws.tags(&vpn_connection_component(i));
                drift.extend(tag_drift(&x.id, &x.tags, &want));
            }
            _ => cp.vpn_connection_ids[i].clear(),
        }
    }
    Ok(())
}

/// Checks the virtual private gateway recorded in `cp` the same way.
pub async fn existing_vpn_gateway(
    aws: &AwsRun,
    cp: &mut AwsCheckpoint,
    drift: &mut Vec<TagDrift>,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    if cp.vpn_gateway_id.is_empty() {
        return Ok(());
    }
    match aws.vpn_gateway(&cp.vpn_gateway_id, cancel).await? {
        Some(g) if aws.owns(&g.tags) => {
            drift.extend(tag_drift(&g.id, &g.tags, &aws.tags(VPN_GATEWAY_COMPONENT)));
        }
        _ => cp.vpn_gateway_id.clear(),
    }
    Ok(())
}
