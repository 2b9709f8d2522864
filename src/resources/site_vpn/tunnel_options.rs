//! Step: each tunnel's IKE/IPsec options converge in place. A new VPN connection is created
//! with them (`AwsVpnRun::tunnel_options`); on an existing one, every option the
//! configuration sets that AWS holds otherwise is changed with `ModifyVpnTunnelOptions`, one
//! tunnel at a time (the tunnel renegotiates, so the other one carries traffic meanwhile).
//! An option the configuration leaves out keeps the value AWS has.

use super::run::SiteRun;
use super::side::TUNNELS;
use crate::cloud::aws::TunnelSpec;
use crate::resources::aws_vpn::run::AwsVpnRun;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Whether AWS's options `have` differ from `want` on an option `want` sets (lists compared
/// as sets).
pub fn differs(want: &TunnelSpec, have: &TunnelSpec) -> bool {
    fn set<T: Ord + Clone>(v: &[T]) -> Vec<T> {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    }
    fn list<T: Ord + Clone>(w: &[T], h: &[T]) -> bool {
        !w.is_empty() && set(w) != set(h)
    }
    fn one<T: PartialEq>(w: &Option<T>, h: &Option<T>) -> bool {
        w.is_some() && w != h
    }
    list(&want.ike_versions, &have.ike_versions)
        || list(&want.phase1_encryption, &have.phase1_encryption)
        || list(&want.phase2_encryption, &have.phase2_encryption)
        || list(&want.phase1_integrity, &have.phase1_integrity)
        || list(&want.phase2_integrity, &have.phase2_integrity)
        || list(&want.phase1_dh_groups, &have.phase1_dh_groups)
        || list(&want.phase2_dh_groups, &have.phase2_dh_groups)
        || one(&want.phase1_lifetime_seconds, &have.phase1_lifetime_seconds)
        || one(&want.phase2_lifetime_seconds, &have.phase2_lifetime_seconds)
        || one(&want.dpd_timeout_seconds, &have.dpd_timeout_seconds)
        || one(&want.dpd_timeout_action, &have.dpd_timeout_action)
        || one(&want.startup_action, &have.startup_action)
}

/// Step: puts each tunnel's configured options on AWS where they differ.
pub async fn converge(run: Arc<SiteRun>, cancel: CancellationToken) -> anyhow::Result<()> {
    let vpn = run.snapshot().vpn_connection_id();
    if vpn.is_empty() {
        return Ok(());
    }
    let ec2 = run.aws.ec2(&cancel);
    for t in 0..TUNNELS {
        let want = run.tunnel_options(t);
        let Some(v) = ec2.find_vpn_connection_by_id(&vpn).await? else {
            return Ok(());
        };
        let Some(tunnel) = v.tunnel_by_inside_cidr(&run.d.inside_cidrs[t]).cloned() else {
            continue;
        };
        if !differs(&want, &tunnel.options) {
            continue;
        }
        tracing::info!(site = %run.d.name, tunnel = t + 1, "changing tunnel options");
        ec2.modify_vpn_tunnel_ike_ipsec_options(&vpn, &tunnel.outside_ip, &want)
            .await?;
        ec2.wait_vpn_connection_updated(&vpn, &run.aws.wait(&cancel))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_options_set_count_and_lists_compare_as_sets() {
        let have = TunnelSpec {
            ike_versions: vec!["ikev1".into(), "ikev2".into()],
            phase1_dh_groups: vec![14, 20],
            ..Default::default()
        };
        assert!(!differs(&TunnelSpec::default(), &have), "nothing set");
        let same = TunnelSpec {
            ike_versions: vec!["ikev2".into(), "ikev1".into()],
            ..Default::default()
        };
        assert!(!differs(&same, &have));
        let other = TunnelSpec {
            phase1_dh_groups: vec![20],
            ..Default::default()
        };
        assert!(differs(&other, &have));
        let startup = TunnelSpec {
            startup_action: Some("start".into()),
            ..Default::default()
        };
        assert!(differs(&startup, &have));
    }
}
