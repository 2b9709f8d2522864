//! Whether the VPC route tables still reach the peer the way the AWS steps set them up: VGW
//! route propagation, or one static route per peer prefix to the VGW. Read uses it to see
//! routes removed out of band (the table drops out of the recorded `route_table_ids`, so the
//! plan shows it and the apply puts the routes back); import uses it to find the tables a
//! VPN routes.

use crate::cloud::aws::{Ec2, RouteTable};

/// Whether table `t` reaches the peer through VGW `vgw`: with `propagation`, the VGW propagates
/// into it; without, every peer CIDR has a route to the VGW.
pub fn routes_to_peer(t: &RouteTable, vgw: &str, propagation: bool, peer_cidrs: &[String]) -> bool {
    if propagation {
        t.propagating_vgws.iter().any(|g| g == vgw)
    } else {
        peer_cidrs.iter().all(|c| {
            t.route(c)
                .is_some_and(|r| r.gateway_id.as_deref() == Some(vgw))
        })
    }
}

/// The tables of `recorded` that still reach the peer through `vgw`, in their recorded order;
/// a table that no longer exists drops out too.
pub async fn route_tables_in_place(
    ec2: &Ec2,
    recorded: &[String],
    vgw: &str,
    propagation: bool,
    peer_cidrs: &[String],
) -> anyhow::Result<Vec<String>> {
    let mut kept = Vec::new();
    for id in recorded {
        if let Some(t) = ec2.find_route_table_by_id(id).await? {
            if routes_to_peer(&t, vgw, propagation, peer_cidrs) {
                kept.push(id.clone());
            }
        }
    }
    Ok(kept)
}

/// How an existing link routes VPC `vpc_id`: the tables the VGW propagates into (then
/// `route_propagation` is true), else those holding a route to the VGW for every peer CIDR
/// (false). Sorted by id; `None` when no table routes to the link.
pub async fn discover_routing(
    ec2: &Ec2,
    vpc_id: &str,
    vgw: &str,
    peer_cidrs: &[String],
) -> anyhow::Result<Option<(bool, Vec<String>)>> {
    let tables = ec2.find_route_tables_of_vpc(vpc_id).await?;
    for propagation in [true, false] {
        if !propagation && peer_cidrs.is_empty() {
            continue;
        }
        let mut ids: Vec<String> = tables
            .iter()
            .filter(|t| routes_to_peer(t, vgw, propagation, peer_cidrs))
            .map(|t| t.id.clone())
            .collect();
        if !ids.is_empty() {
            ids.sort();
            return Ok(Some((propagation, ids)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::aws::Route;

    fn table(propagating: &[&str], routes: &[(&str, &str)]) -> RouteTable {
        RouteTable {
            id: "rtb-1".into(),
            vpc_id: "vpc-1".into(),
            routes: routes
                .iter()
                .map(|(d, g)| Route {
                    destination: d.to_string(),
                    gateway_id: Some(g.to_string()),
                    ..Route::default()
                })
                .collect(),
            propagating_vgws: propagating.iter().map(|s| s.to_string()).collect(),
            ..RouteTable::default()
        }
    }

    #[test]
    fn propagation_counts_only_for_the_links_own_gateway() {
        assert!(routes_to_peer(&table(&["vgw-a"], &[]), "vgw-a", true, &[]));
        assert!(!routes_to_peer(&table(&["vgw-b"], &[]), "vgw-a", true, &[]));
    }

    #[test]
    fn static_routing_needs_every_peer_cidr_routed_to_the_gateway() {
        let cidrs = ["10.1.0.0/16".to_string(), "10.2.0.0/16".to_string()];
        let both = table(&[], &[("10.1.0.0/16", "vgw-a"), ("10.2.0.0/16", "vgw-a")]);
        assert!(routes_to_peer(&both, "vgw-a", false, &cidrs));
        let one = table(&[], &[("10.1.0.0/16", "vgw-a")]);
        assert!(!routes_to_peer(&one, "vgw-a", false, &cidrs));
        let elsewhere = table(&[], &[("10.1.0.0/16", "vgw-a"), ("10.2.0.0/16", "igw-x")]);
        assert!(!routes_to_peer(&elsewhere, "vgw-a", false, &cidrs));
    }
}
