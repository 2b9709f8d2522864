//! Status and consistency: what both clouds say about every tunnel now, and every point on
//! which they disagree (IPs, PSKs compared and never quoted, CIDRs, ASNs, BGP peers), each
//! in words that name the objects. A refresh records it in the state (`tunnel_details`,
//! `consistent`); the end of an apply waits on it ([`tunnels_up`]) and stops early when a
//! disagreement persists. Kept apart from read and apply so both use it without a cycle.

use super::run::Run;
use super::state::TunnelFacts;
use crate::cloud::azure::local_gateway::LocalGatewayBgp;
use crate::resources::aws_vpn::status as aws_status;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How long the end of an apply waits for every tunnel to report up on both clouds before
/// handing back (the state then shows the status it saw; not an error).
pub const TUNNEL_UP_WAIT: Duration = Duration::from_secs(10 * 60);

/// Polls in a row that must see the same kind of disagreement before the wait gives up on
/// it: every sub-resource is converged by then, so a mismatch cannot heal by waiting.
pub const MISMATCH_POLLS: u32 = 3;

/// Longest sleep between two tunnel polls (the wait backs off from `poll_interval`).
pub const TUNNEL_POLL_MAX: Duration = Duration::from_secs(10);

/// The status of every tunnel as both clouds see it now, and every disagreement between
/// the clouds (IPs, keys, CIDRs, ASNs, BGP peers), each in words that name the objects;
/// PSKs are compared, never quoted.
pub async fn tunnel_status(
    run: &Run,
    cancel: &CancellationToken,
) -> anyhow::Result<(Vec<TunnelFacts>, Vec<String>)> {
    let d = &run.d;
    let cp = run.snapshot();
    let mut mismatches: Vec<String> = Vec::new();
    if !cp.gateway_id.is_empty() {
        match run.gateway(cancel).await? {
            Some(g) if g.asn.is_some_and(|a| i64::from(a) != d.azure_asn) => {
                mismatches.push(format!(
                "Azure gateway {} has BGP ASN {}, but the AWS customer gateways peer with ASN {}",
                g.name,
                g.asn.unwrap_or_default(),
                d.azure_asn
            ))
            }
            Some(_) => {}
            None => mismatches.push(format!("Azure gateway {} does not exist", d.gateway_name())),
        }
    }
    let seen = aws_status::observe(&run.aws, &cp.aws, cancel).await?;
    mismatches.extend(seen.mismatches(
        &run.aws.side,
        &aws_status::Peer {
            ips: &cp.public_ips,
            asn: d.azure_asn,
            cidrs: &cp.azure_cidrs,
        },
    ));
    let mut out = Vec::new();
    for t in 0..d.tunnels {
        let (aws_bgp, _) = d.bgp_addresses(t);
        let tunnel = seen.tunnel(&run.aws.side, t);
        let conn = if cp.connection_ids[t].is_empty() {
            None
        } else {
            run.connection(t, cancel).await?
        };
        let lng = if cp.local_gateway_ids[t].is_empty() {
            None
        } else {
            run.local_gateway(t, cancel).await?
        };
        let key = match &conn {
            Some(_) => run.shared_key(t, cancel).await?,
            None => None,
        };
        let n = t + 1;
        match (&tunnel, &lng, &key) {
            (Some(tu), Some(l), Some(k)) => {
                if l.gateway_ip_address.as_deref() != Some(tu.outside_ip.as_str()) {
                    mismatches.push(format!(
                        "tunnel {n}: Azure local network gateway {} points at {}, but the AWS tunnel endpoint is {}",
                        l.name,
                        l.gateway_ip_address.as_deref().unwrap_or("nothing"),
                        tu.outside_ip
                    ));
                }
                if tu.psk.as_deref() != Some(k.as_str()) {
                    mismatches.push(format!(
                        "tunnel {n}: the pre-shared keys of AWS and Azure differ"
                    ));
                }
                if d.bgp {
                    let want = LocalGatewayBgp {
                        asn: cp.aws.amazon_side_asn as u32,
                        peering_address: aws_bgp.clone(),
                    };
                    match &l.bgp {
                        Some(b) if b.asn != want.asn => mismatches.push(format!(
                            "tunnel {n}: Azure local network gateway {} peers with ASN {}, but the AWS side's ASN is {}",
                            l.name, b.asn, want.asn
                        )),
                        Some(b) if b.peering_address != want.peering_address => mismatches.push(format!(
                            "tunnel {n}: Azure local network gateway {} peers with {}, but the AWS BGP address is {}",
                            l.name, b.peering_address, want.peering_address
                        )),
                        Some(_) => {}
                        None => mismatches.push(format!(
                            "tunnel {n}: Azure local network gateway {} has no BGP peer",
                            l.name
                        )),
                    }
                } else if l.address_prefixes != cp.aws_cidrs {
                    mismatches.push(format!(
                        "tunnel {n}: Azure local network gateway {} has prefixes {:?}, but the AWS prefixes are {:?}",
                        l.name, l.address_prefixes, cp.aws_cidrs
                    ));
                }
            }
            (None, _, _) => mismatches.push(format!("tunnel {n}: the AWS tunnel is missing")),
            (_, None, _) => mismatches.push(format!(
                "tunnel {n}: the Azure local network gateway is missing"
            )),
            (_, _, None) => mismatches.push(format!("tunnel {n}: the Azure connection is missing")),
        }
        out.push(TunnelFacts {
            aws: seen.tunnel_facts(&run.aws.side, t),
            azure_status: match conn {
                Some(c) if !c.connection_status.is_empty() => c.connection_status,
                Some(_) => "Unknown".into(),
                None => "NotConnected".into(),
            },
        });
    }
    Ok((out, mismatches))
}

/// Recomputes the checkpoint's tunnel facts and `consistent`.
pub async fn refresh_run(run: &Run, cancel: &CancellationToken) -> anyhow::Result<()> {
    let (facts, mismatches) = tunnel_status(run, cancel).await?;
    run.record(|cp| {
        (cp.aws.tunnels, cp.azure_statuses) =
            facts.into_iter().map(|f| (f.aws, f.azure_status)).unzip();
        cp.consistent = mismatches.is_empty();
        cp.mismatches = mismatches;
    });
    Ok(())
}

/// Step: wait (bounded by [`TUNNEL_UP_WAIT`]) until every tunnel is up on both clouds. The
/// first sleep is the provider's poll interval and each next one doubles up to
/// [`TUNNEL_POLL_MAX`]; a disagreement between the clouds seen [`MISMATCH_POLLS`] times in a
/// row ends the wait with an error naming it.
pub async fn tunnels_up(run: Arc<Run>, cancel: CancellationToken) -> anyhow::Result<()> {
    let until = Instant::now() + TUNNEL_UP_WAIT.min(run.deadline().remaining());
    let mut interval = run.aws.poll;
    let mut disagreeing = 0;
    loop {
        let (facts, mismatches) = tunnel_status(&run, &cancel).await?;
        if mismatches.is_empty()
            && facts
                .iter()
                .all(|f| f.aws.status == "UP" && f.azure_status == "Connected")
        {
            return Ok(());
        }
        disagreeing = if mismatches.is_empty() {
            0
        } else {
            disagreeing + 1
        };
        if disagreeing >= MISMATCH_POLLS {
            anyhow::bail!(
                "the clouds disagree, and waiting cannot fix it: {}",
                mismatches.join("; ")
            );
        }
        if Instant::now() >= until {
            tracing::warn!(link = %run.d.name, "tunnels not all up yet; state records what was seen");
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = cancel.cancelled() => anyhow::bail!("cancelled"),
        }
        interval = (interval * 2).min(TUNNEL_POLL_MAX.max(run.aws.poll));
    }
}
