//! The converging AWS steps: customer gateways, the virtual private gateway and its
//! attachment (nothing with a transit gateway), the VPN connections with their tunnels, and
//! the route tables; plus the route pruning an update runs first. Each finds its object by
//! ownership tags and adopts it, else creates it, and records the id at once, so create, a
//! re-run after a crash, a repair and an in-place update are the same walk. They are generic
//! over the resource's run ([`AwsVpnRun`]) so a graph of any VPN resource can use them as
//! steps; what they need from the peer they ask the run for.

use super::checkpoint::AwsTunnelFacts;
use super::psk;
use super::run::{AwsRun, AwsVpnRun};
use super::side::{
    customer_gateway_component, transit_gateway_attachment_component, vpn_connection_component,
    AwsSide, AwsTunnel, VPN_GATEWAY_COMPONENT,
};
use crate::cloud::aws::{
    Ec2, RouteTarget, Tags, TunnelSpec, VpnConnection, VpnConnectionSpec, VpnTarget,
};
use anyhow::anyhow;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The ASN the peer must use for transit gateway `tgw`: its own `AmazonSideAsn` (rule
/// AWS-TGW-ASN), never the configuration's default.
pub async fn transit_gateway_asn(ec2: &Ec2, tgw: &str) -> anyhow::Result<i64> {
    let t = ec2
        .find_transit_gateway_by_id(tgw)
        .await?
        .ok_or_else(|| anyhow!("AWS transit gateway {tgw} does not exist"))?;
    t.amazon_side_asn
        .ok_or_else(|| anyhow!("AWS transit gateway {tgw} reports no AmazonSideAsn"))
}

/// The Amazon-side ASN the peer peers with: the transit gateway's own, else the one the new
/// virtual private gateway gets.
pub async fn amazon_side_asn(aws: &AwsRun, cancel: &CancellationToken) -> anyhow::Result<i64> {
    match &aws.side.transit_gateway_id {
        Some(tgw) => transit_gateway_asn(&aws.ec2(cancel), tgw).await,
        None => Ok(aws.side.amazon_side_asn),
    }
}

/// rule: AWS-CGW-IP-IMMUTABLE: a customer gateway whose IP is not the peer's IP is never
/// modified (AWS cannot); the plan replaces the resource whenever the peer IPs would change.
/// Step: one AWS customer gateway per peer public IP, with the peer's ASN, all at once.
pub async fn customer_gateways<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let n = run.aws().side.vpn_connections;
    all_settled((0..n).map(|i| customer_gateway(run.as_ref(), i, &cancel))).await
}

/// Customer gateway `i`: adopted by its tags, else created, recorded, then available.
async fn customer_gateway<R: AwsVpnRun>(
    run: &R,
    i: usize,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    let ec2 = aws.ec2(cancel);
    let tags = aws.tags(&customer_gateway_component(i));
    let ip = run.peer_ip(i);
    let found = ec2.find_customer_gateway_by_tags(&tags).await?;
    if let Some(c) = &found {
        aws.ensure_owns(&c.tags)?;
    }
    let id = match found {
        Some(c) if c.ip_address == ip => {
            ec2.sync_tags(&c.id, &c.tags, &tags).await?;
            c.id
        }
        Some(c) => anyhow::bail!(
            "customer gateway {} points at {}, not {} {ip}; replace the resource",
            c.id,
            c.ip_address,
            aws.side.peer_words.ip
        ),
        None => {
            ec2.create_customer_gateway(
                &ip,
                aws.side.peer_asn,
                aws.side.peer_device_name.as_deref(),
                &tags,
            )
            .await?
        }
    };
    run.with_aws_checkpoint(|cp| cp.customer_gateway_ids[i] = id.clone());
    ec2.wait_customer_gateway_available(&id, &aws.wait(cancel))
        .await?;
    Ok(())
}

/// Runs every future to its end (so each one records what it created, even when another
/// fails: the partial state must name every object) and returns the first error.
async fn all_settled(
    work: impl IntoIterator<Item = impl std::future::Future<Output = anyhow::Result<()>>>,
) -> anyhow::Result<()> {
    futures::future::join_all(work)
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<()>>>()
        .map(|_| ())
}

/// Step: the virtual private gateway, available (nothing with a transit gateway). Its VPC
/// attachment is a step of its own ([`vpn_gateway_attachment`]): the VPN connections need
/// only the gateway (rule AWS-VPN-ON-DETACHED-VGW), the route tables need the attachment.
pub async fn vpn_gateway<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    if aws.side.vpc_id.is_none() {
        return Ok(());
    }
    let ec2 = aws.ec2(&cancel);
    let tags = aws.tags(VPN_GATEWAY_COMPONENT);
    let found = ec2.find_vpn_gateway_by_tags(&tags).await?;
    if let Some(g) = &found {
        aws.ensure_owns(&g.tags)?;
    }
    let id = match found {
        Some(g) => {
            ec2.sync_tags(&g.id, &g.tags, &tags).await?;
            g.id
        }
        None => {
            ec2.create_vpn_gateway(Some(aws.side.amazon_side_asn), &tags)
                .await?
        }
    };
    run.with_aws_checkpoint(|cp| cp.vpn_gateway_id = id.clone());
    ec2.wait_vpn_gateway_available(&id, &aws.wait(&cancel))
        .await?;
    Ok(())
}

/// rule: AWS-VGW-ONE-PER-VPC: AWS refuses a second attachment (`InvalidVpcState`); the
/// plan reports a VPC that already has another virtual private gateway attached.
/// Step: the virtual private gateway attached to the VPC (nothing with a transit gateway).
pub async fn vpn_gateway_attachment<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    let Some(vpc) = aws.side.vpc_id.clone() else {
        return Ok(());
    };
    let ec2 = aws.ec2(&cancel);
    let id = run.with_aws_checkpoint(|cp| cp.vpn_gateway_id.clone());
    let g = ec2
        .find_vpn_gateway_by_id(&id)
        .await?
        .ok_or_else(|| anyhow!("AWS virtual private gateway {id} disappeared"))?;
    match g.attachment_state(&vpc) {
        Some("attached") => {}
        Some("attaching") => {}
        _ => ec2.attach_vpn_gateway(&id, &vpc).await?,
    }
    ec2.wait_vpn_gateway_attached(&id, &vpc, &aws.wait(&cancel))
        .await?;
    Ok(())
}

/// What a new VPN connection `i` is created with: both tunnel slots, ours with their inside
/// CIDR and key (configured or fresh), each with its tunnel options (`AwsVpnRun::tunnel_options`).
fn vpn_connection_spec<R: AwsVpnRun>(run: &R, i: usize, tags: &Tags) -> VpnConnectionSpec {
    let side = &run.aws().side;
    let (cgw, vgw) = run.with_aws_checkpoint(|cp| {
        (
            cp.customer_gateway_ids[i].clone(),
            cp.vpn_gateway_id.clone(),
        )
    });
    let target = match &side.transit_gateway_id {
        Some(t) => VpnTarget::TransitGateway(t.clone()),
        None => VpnTarget::VpnGateway(vgw),
    };
    let tunnels = (0..2)
        .map(|slot| {
            let ours = side.tunnels_of(i).find(|(_, t)| t.slot == slot);
            let options = match ours {
                Some((t, _)) => run.tunnel_options(t),
                None => side.tunnel_options.clone(),
            };
            let ours = ours.map(|(_, t)| t);
            TunnelSpec {
                inside_cidr: ours.map(|t| t.inside_cidr.clone()),
                psk: Some(psk::initial_key(ours)),
                ..options
            }
        })
        .collect();
    VpnConnectionSpec {
        customer_gateway_id: cgw,
        target,
        static_routes_only: !side.bgp,
        tunnels,
        tags: tags.clone(),
    }
}

/// rule: AWS-VPN-ON-DETACHED-VGW: a VPN connection needs the virtual private gateway to
/// exist, not to be attached to the VPC, so this step does not wait for the attachment.
/// Step: one VPN connection per customer gateway, all at once, both tunnels with inside
/// CIDRs and PSKs; static routes to the peer's prefixes when routing is static.
pub async fn vpn_connections<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let n = run.aws().side.vpn_connections;
    all_settled((0..n).map(|i| vpn_connection(run.as_ref(), i, &cancel))).await
}

/// VPN connection `i`: adopted by its tags, else created and recorded; once available, its
/// transit gateway attachment tagged, its keys and tunnel logs as configured, its tunnel
/// facts recorded and its static routes converged.
async fn vpn_connection<R: AwsVpnRun>(
    run: &R,
    i: usize,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    let side = &aws.side;
    let ec2 = aws.ec2(cancel);
    let tags = aws.tags(&vpn_connection_component(i));
    let existing = ec2.find_vpn_connection_by_tags(&tags).await?;
    if let Some(v) = &existing {
        aws.ensure_owns(&v.tags)?;
    }
    let id = match existing {
        Some(v) => {
            ec2.sync_tags(&v.id, &v.tags, &tags).await?;
            v.id
        }
        None => {
            ec2.create_vpn_connection(&vpn_connection_spec(run, i, &tags))
                .await?
        }
    };
    run.with_aws_checkpoint(|cp| cp.vpn_connection_ids[i] = id.clone());
    let v = ec2
        .wait_vpn_connection_available(&id, &aws.wait(cancel))
        .await?;
    // AWS creates the TGW attachment itself, untagged: give it our tags like the rest.
    if let Some(tgw) = &side.transit_gateway_id {
        let a = ec2
            .wait_transit_gateway_vpn_attachment_present(tgw, &id, &aws.wait(cancel))
            .await?;
        let want = aws.tags(&transit_gateway_attachment_component(i));
        ec2.sync_tags(&a.id, &a.tags, &want).await?;
    }
    // A configured PSK AWS does not have yet (adopted connection): rotate it there.
    let ours: Vec<&AwsTunnel> = side.tunnels_of(i).map(|(_, t)| t).collect();
    let v = psk::configured_keys_on_aws(aws, v, &ours, cancel).await?;
    let v = tunnel_logs_on_aws(aws, v, &ours, cancel).await?;
    for (t, want) in side.tunnels_of(i) {
        let tunnel = v
            .tunnel_by_inside_cidr(&want.inside_cidr)
            .cloned()
            .unwrap_or_default();
        aws.remember_psk(t, tunnel.psk.clone());
        run.with_aws_checkpoint(|cp| {
            cp.tunnels
                .resize(side.tunnels.len(), AwsTunnelFacts::default());
            cp.tunnels[t] = AwsTunnelFacts {
                vpn_connection_id: id.clone(),
                outside_ip: tunnel.outside_ip.clone(),
                inside_cidr: want.inside_cidr.clone(),
                aws_bgp_address: want.aws_bgp_address.clone(),
                peer_bgp_address: want.peer_bgp_address.clone(),
                ..Default::default()
            };
        });
    }
    if !side.bgp {
        let want = run.peer_cidrs();
        for c in want.iter().filter(|c| !v.routes.contains(c)) {
            ec2.create_vpn_connection_route(&id, c).await?;
            ec2.wait_vpn_connection_route_available(&id, c, &aws.wait(cancel))
                .await?;
        }
        for c in v.routes.iter().filter(|c| !want.contains(c)) {
            ec2.delete_vpn_connection_route(&id, c).await?;
        }
    }
    Ok(())
}

/// Puts the side's tunnel log options on every tunnel of VPN connection `v` whose logging
/// differs (an adopted connection, a `tunnel_logs` change, logging switched on or off out of
/// band), one tunnel at a time as AWS changes one tunnel per modification; the connection
/// as it is afterwards.
async fn tunnel_logs_on_aws(
    aws: &AwsRun,
    mut v: VpnConnection,
    tunnels: &[&AwsTunnel],
    cancel: &CancellationToken,
) -> anyhow::Result<VpnConnection> {
    let want = aws.side.tunnel_options.log_options.as_ref();
    let ec2 = aws.ec2(cancel);
    for t in tunnels {
        let Some(tunnel) = v.tunnel_by_inside_cidr(&t.inside_cidr).cloned() else {
            continue;
        };
        if tunnel.log_options.as_ref() == want {
            continue;
        }
        ec2.modify_vpn_tunnel_log_options(&v.id, &tunnel.outside_ip, want)
            .await?;
        v = ec2
            .wait_vpn_connection_updated(&v.id, &aws.wait(cancel))
            .await?;
    }
    Ok(v)
}

/// Step: the VPC route tables reach the peer through the VGW (propagation or static routes).
pub async fn route_tables<R: AwsVpnRun>(
    run: Arc<R>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    let side = &aws.side;
    let Some((vgw, cidrs)) = run.routed_through_vgw() else {
        return Ok(());
    };
    let ec2 = aws.ec2(&cancel);
    for rtb in &side.route_table_ids {
        if side.route_propagation {
            let t = ec2
                .find_route_table_by_id(rtb)
                .await?
                .ok_or_else(|| anyhow!("route table {rtb} does not exist"))?;
            if !t.propagating_vgws.contains(&vgw) {
                ec2.enable_vgw_route_propagation(rtb, &vgw).await?;
            }
        } else {
            for c in &cidrs {
                ec2.create_route(rtb, c, &RouteTarget::VpnGateway(vgw.clone()))
                    .await?;
            }
        }
    }
    Ok(())
}

/// Before an update converges: removes from the route tables of `old` what the new side
/// (`run.aws().side`) no longer wants: VGW propagation, or the static routes to
/// `old_peer_cidrs` that are not among `new_peer_cidrs` (`None`: not known yet, so every old
/// one stays).
pub async fn prune_routes<R: AwsVpnRun>(
    run: &R,
    old: &AwsSide,
    old_peer_cidrs: &[String],
    new_peer_cidrs: Option<&[String]>,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let aws = run.aws();
    let new = &aws.side;
    let vgw = run.with_aws_checkpoint(|cp| cp.vpn_gateway_id.clone());
    if vgw.is_empty() {
        return Ok(());
    }
    let ec2 = aws.ec2(cancel);
    for rtb in &old.route_table_ids {
        let kept = new.route_table_ids.contains(rtb);
        if old.route_propagation && (!kept || !new.route_propagation) {
            ec2.disable_vgw_route_propagation(rtb, &vgw).await?;
        }
        if !old.route_propagation {
            for c in old_peer_cidrs {
                let still =
                    kept && !new.route_propagation && new_peer_cidrs.is_none_or(|n| n.contains(c));
                if !still {
                    ec2.delete_route(rtb, c).await?;
                }
            }
        }
    }
    Ok(())
}
