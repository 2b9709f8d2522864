//! Read: refresh every sub-resource from both clouds. A sub-resource deleted out of band
//! (or now carrying another state's claim) loses its id (the plan then repairs it); when
//! nothing is left the resource is gone.
//! A route table whose routes to Azure were removed out of band drops out of
//! `aws.route_table_ids`, so the plan shows it and the apply puts the routes back.
//! Tunnel status and `consistent` come from `status` (shared with the apply's tunnel wait).

use super::names;
use super::private_services;
use super::run::Run;
use super::sku;
use super::state::Checkpoint;
use super::status::refresh_run;
use super::topology::Desired;
use crate::cloud::azure::tags as az_tags;
use crate::orchestrate::Deadline;
use crate::provider::context::ProviderContext;
use crate::provider::resource::ReadResult;
use crate::resources::aws_vpn::read as aws_read;
use crate::resources::aws_vpn::route_tables;
use crate::resources::reachability::REACHABILITY;
use crate::tf::{Diagnostic, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Checks which recorded sub-resources still exist (ids of the vanished ones, and of those
/// now under another state's claim, become empty) and which carry other tags than cloudlink
/// stamps on them (`tag_drift`).
pub async fn existing(run: &Run, cancel: &CancellationToken) -> anyhow::Result<Checkpoint> {
    let d = &run.d;
    let mut cp = run.snapshot();
    let mut drift = TagDrift::default();
    for i in 0..d.instances() {
        let name = d.public_ip_name(i);
        let pip = run.public_ip(i, cancel).await?;
        match pip.filter(|p| run.owns_azure(&p.tags)) {
            Some(p) => {
                drift.azure(
                    &name,
                    &p.tags,
                    &run.azure_tags(&format!("public-ip-{}", i + 1)),
                );
                if i == 0 {
                    cp.zones = p.zones.clone();
                }
                cp.public_ip_ids[i] = p.id;
                cp.public_ips[i] = p.ip_address.unwrap_or_default();
            }
            None => {
                cp.public_ip_ids[i].clear();
                cp.public_ips[i].clear();
            }
        }
        aws_read::existing_of_vpn_connection(&run.aws, &mut cp.aws, i, &mut drift.found, cancel)
            .await?;
    }
    aws_read::existing_vpn_gateway(&run.aws, &mut cp.aws, &mut drift.found, cancel).await?;
    private_services::refresh(run, &mut cp, cancel).await?;
    let gw = run.gateway(cancel).await?;
    // A GatewaySubnet that holds this link's gateway exists (ARM refuses to delete a subnet
    // in use: `InUseSubnetCannotBeDeleted`, rule AZ-GW-SUBNET), so only without the gateway is
    // it read.
    let subnet_held =
        gw.as_ref().is_some_and(|g| run.owns_azure(&g.tags)) && !cp.gateway_subnet_id.is_empty();
    if !subnet_held {
        match run.gateway_subnet(cancel).await? {
            Some(s) => cp.gateway_subnet_id = s.id,
            None => cp.gateway_subnet_id.clear(),
        }
    }
    match gw {
        Some(g) if run.owns_azure(&g.tags) => {
            cp.gateway_sku = g.sku;
            cp.gateway_user_tags = Some(az_tags::user_tags(&g.tags));
        }
        Some(_) => {
            // Another state's gateway: the GatewaySubnet it sits in is not ours either.
            cp.gateway_id.clear();
            cp.gateway_subnet_created = false;
        }
        None => cp.gateway_id.clear(),
    }
    for t in 0..d.tunnels {
        if !cp.local_gateway_ids[t].is_empty() {
            let name = d.local_gateway_name(t);
            match run.local_gateway(t, cancel).await? {
                Some(l) if run.owns_azure(&l.tags) => {
                    let want = run.azure_tags(&format!("local-network-gateway-{}", t + 1));
                    drift.azure(&name, &l.tags, &want);
                }
                _ => cp.local_gateway_ids[t].clear(),
            }
        }
        if !cp.connection_ids[t].is_empty() {
            let name = d.connection_name(t);
            match run.connection(t, cancel).await? {
                Some(c) if run.owns_azure(&c.tags) => {
                    drift.azure(
                        &name,
                        &c.tags,
                        &run.azure_tags(&format!("connection-{}", t + 1)),
                    );
                }
                _ => cp.connection_ids[t].clear(),
            }
        }
    }
    cp.tag_drift = drift.found;
    Ok(cp)
}

/// Reads every recorded object of both clouds at once, so that [`existing`] and the status
/// that follows find them read (each once: the run keeps the answers). Failures are left
/// for those to report.
async fn read_all_at_once(run: &Run, cancel: &CancellationToken) {
    let d = &run.d;
    let cp = run.snapshot();
    let per_instance = (0..d.instances()).map(|i| {
        let (cgw, vpn) = (
            &cp.aws.customer_gateway_ids[i],
            &cp.aws.vpn_connection_ids[i],
        );
        async move {
            let _ = futures::join!(
                run.public_ip(i, cancel),
                async { (!cgw.is_empty()).then_some(run.aws.customer_gateway(cgw, cancel).await) },
                async { (!vpn.is_empty()).then_some(run.aws.vpn_connection(vpn, cancel).await) },
            );
        }
    });
    let per_tunnel = (0..d.tunnels).map(|t| {
        let (lng, conn) = (&cp.local_gateway_ids[t], &cp.connection_ids[t]);
        async move {
            let _ = futures::join!(
                async { (!lng.is_empty()).then_some(run.local_gateway(t, cancel).await) },
                async { (!conn.is_empty()).then_some(run.connection(t, cancel).await) },
                async { (!conn.is_empty()).then_some(run.shared_key(t, cancel).await) },
            );
        }
    });
    let vgw = &cp.aws.vpn_gateway_id;
    let _ = futures::join!(
        futures::future::join_all(per_instance),
        futures::future::join_all(per_tunnel),
        run.gateway(cancel),
        async { (!vgw.is_empty()).then_some(run.aws.vpn_gateway(vgw, cancel).await) },
    );
}

/// Sub-resources whose tags are not the ones cloudlink stamps, with the user tags they carry
/// (the EC2 ones found by `aws_vpn::read`).
#[derive(Default)]
struct TagDrift {
    found: Vec<(String, BTreeMap<String, String>)>,
}

impl TagDrift {
    /// An ARM object: every tag counts but the GatewaySubnet claim on the first public IP.
    fn azure(
        &mut self,
        name: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) {
        let without_subnet_claim = |t: &BTreeMap<String, String>| {
            let mut t = t.clone();
            t.remove(az_tags::TAG_GATEWAY_SUBNET);
            t
        };
        if without_subnet_claim(have) != without_subnet_claim(want) {
            self.found
                .push((name.to_string(), az_tags::user_tags(have)));
        }
    }
}

/// Read: refresh from both clouds; `None` when every sub-resource is gone.
pub async fn read(ctx: &ProviderContext, state: &Value) -> ReadResult {
    let d = Desired::from_value(state, &Value::Null);
    let cp = Checkpoint::from_state(state, &d);
    // A read has no limit of its own; its few waits are bounded by the create limit.
    let deadline = Deadline::new("create", d.timeouts.create);
    let run = match Run::new(ctx, d.clone(), cp, deadline).await {
        Ok(r) => Arc::new(r.reading_once()),
        Err(e) => return error(state, "Cannot reach the clouds", e),
    };
    let cancel = ctx.stop.clone();
    read_all_at_once(&run, &cancel).await;
    let mut cp = match existing(&run, &cancel).await {
        Ok(cp) => cp,
        Err(e) => {
            return error(
                state,
                &format!("Reading cross-cloud VPN {:?} failed", d.name),
                e,
            )
        }
    };
    // Only what we created counts towards "still there": a GatewaySubnet we adopted does not.
    let owned_subnet = cp.gateway_subnet_created && !cp.gateway_subnet_id.is_empty();
    let subnet_created = cp.gateway_subnet_created;
    cp.gateway_subnet_created = owned_subnet;
    if cp.is_empty() {
        return ReadResult {
            state: None,
            diags: Default::default(),
        };
    }
    cp.gateway_subnet_created = subnet_created;
    run.record(|c| *c = cp.clone());
    if let Err(e) = refresh_run(&run, &cancel).await {
        return error(
            state,
            &format!("Reading cross-cloud VPN {:?} failed", d.name),
            e,
        );
    }
    let mut snap = run.snapshot();
    // Keep the recorded CIDR lists (configuration or resolved at create).
    snap.aws_cidrs = Checkpoint::from_state(state, &d).aws_cidrs;
    snap.azure_cidrs = Checkpoint::from_state(state, &d).azure_cidrs;
    // `tags_all` follows the gateway's tags (a change there plans an in-place sync); `tags`
    // stays as the user wrote it.
    let mut observed = d.clone();
    if let Some(tags) = &cp.gateway_user_tags {
        observed.tags = tags.clone();
    }
    // Tags changed out of band on another sub-resource: `tags_all` shows what it carries, so
    // the plan offers the in-place update that stamps the tags again.
    if observed.tags == d.tags {
        if let Some((name, user)) = cp.tag_drift.first() {
            tracing::info!(object = %name, "tags changed out of band");
            observed.tags = user.clone();
        }
    }
    let mut new_state = with_migrated_sku(snap.to_state(state, &observed), &snap.gateway_sku);
    // Routes removed out of band: the table drops out of the state, the plan shows it. The
    // route check and the reachability read at once, so their reads join the same batches.
    let ec2 = run.ec2(&cancel);
    let routed = async {
        if snap.aws.vpn_gateway_id.is_empty() || d.route_table_ids.is_empty() {
            return None;
        }
        Some(
            route_tables::route_tables_in_place(
                &ec2,
                &d.route_table_ids,
                &snap.aws.vpn_gateway_id,
                d.route_propagation,
                &snap.azure_cidrs,
            )
            .await,
        )
    };
    let reach = super::reachability::live(
        &ec2,
        &run.net,
        run.aws.reads.as_ref(),
        &d,
        state,
        &snap,
        &cancel,
    );
    let (routed, reach) = futures::join!(routed, reach);
    if let Some(routed) = routed {
        match routed {
            Ok(kept) if kept != d.route_table_ids => {
                let mut aws = new_state.attr(names::AWS).clone();
                aws.set_attr(names::aws::ROUTE_TABLE_IDS, Value::string_list(kept));
                new_state.set_attr(names::AWS, aws);
            }
            Ok(_) => {}
            Err(e) => {
                return error(
                    state,
                    &format!("Reading the routes of cross-cloud VPN {:?} failed", d.name),
                    e,
                )
            }
        }
    }
    match reach {
        Ok(v) => new_state.set_attr(REACHABILITY, v),
        Err(e) => {
            return error(
                state,
                &format!(
                    "Reading the reachability of cross-cloud VPN {:?} failed",
                    d.name
                ),
                e,
            )
        }
    }
    ReadResult {
        state: Some(new_state),
        diags: Default::default(),
    }
}

/// Azure's SKU consolidation migrates a non-AZ gateway to its AZ twin in place (rule
/// AZ-GW-SKU-NONAZ-RETIRED): when the state still says `VpnGw2` and Azure now runs
/// `VpnGw2AZ`, the state follows Azure, so a configuration that says `VpnGw2AZ` plans no
/// change. A gateway Azure still runs as non-AZ keeps the state's (AZ) SKU: same size.
fn with_migrated_sku(mut state: Value, running: &str) -> Value {
    let recorded = state
        .attr(names::AZURE)
        .attr(names::azure::SKU)
        .as_str()
        .unwrap_or_default()
        .to_string();
    if running != recorded
        && sku::find(running).is_some_and(|s| s.az)
        && sku::same_size(&recorded, running)
    {
        let mut az = state.attr(names::AZURE).clone();
        az.set_attr(names::azure::SKU, Value::string(running));
        state.set_attr(names::AZURE, az);
    }
    state
}

fn error(state: &Value, summary: &str, e: anyhow::Error) -> ReadResult {
    let mut diags = crate::tf::Diagnostics::default();
    diags.push(Diagnostic::error(summary, format!("{e:#}")));
    ReadResult {
        state: Some(state.clone()),
        diags,
    }
}
