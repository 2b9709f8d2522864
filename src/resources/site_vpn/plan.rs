//! The plan of a site VPN on top of the generic one: the default inside CIDRs, `tags_all`,
//! the claim handed from a replaced object to its successor, a device type the region does
//! not list refused (read-only `GetVpnConnectionDeviceTypes`), and for an update the ids of
//! AWS objects deleted out of band (unknown, so the apply rebuilds them) and warnings for
//! what goes down: every tunnel on a replacement (a new device IP replaces the VPN, as the
//! schema's `ReplaceIf` on `peer.ip_address` says), one tunnel at a time on a key rotation.

use super::device;
use super::names;
use super::side::{default_inside_cidr, TUNNELS};
use crate::provider::context::ProviderContext;
use crate::provider::resource::{PlanRequest, PlanResponse};
use crate::resources::{claim, default_tags};
use crate::tf::{AttributePath, Diagnostic, Value};

/// Refines the generic plan.
pub async fn modify_plan(
    ctx: Option<&ProviderContext>,
    req: &PlanRequest,
    plan: &mut PlanResponse,
) {
    if plan.planned.is_null() {
        return;
    }
    if plan.planned.attr(names::TUNNEL_INSIDE_CIDRS).is_unknown() {
        plan.planned.set_attr(
            names::TUNNEL_INSIDE_CIDRS,
            Value::string_list((0..TUNNELS).map(default_inside_cidr)),
        );
    }
    default_tags::plan_tags_all(ctx, &mut plan.planned, &mut plan.diags);
    plan.planned_private = claim::planned_private(req);
    let device_type = plan.planned.attr(names::DEVICE_TYPE);
    if let (Some(ctx), false) = (ctx, device_type.equals(req.prior.attr(names::DEVICE_TYPE))) {
        if let Some(d) = check_device_type(ctx, &plan.planned).await {
            plan.diags.push(d);
        }
    }
    if let (Some(ctx), false) = (ctx, plan.diags.has_errors()) {
        super::reachability::plan(ctx, &req.prior, &mut plan.planned, &mut plan.diags).await;
    }
    if req.prior.is_null() {
        return;
    }
    if !plan.requires_replace.is_empty() {
        plan.diags.push(Diagnostic::warning(
            "Both tunnels go down",
            "This change replaces the site VPN: the device must be configured again with the new tunnels' outside IPs (see `device_configuration`).",
        ));
        return;
    }
    update_plan(req, plan);
}

/// The configured device type must be one the region lists (`GetVpnConnectionDeviceTypes`,
/// a read-only call), so a misspelt one is refused before anything is built; the error names
/// what is offered.
async fn check_device_type(ctx: &ProviderContext, planned: &Value) -> Option<Diagnostic> {
    let wanted = device::wanted(planned.attr(names::DEVICE_TYPE))?;
    let account = planned.attr(names::AWS).attr(names::aws::ACCOUNT);
    if account.is_unknown() {
        return None;
    }
    let at = AttributePath::attrs([names::AWS, names::aws::ACCOUNT]);
    let types = match ctx.aws_account(account.as_str(), at) {
        Ok(a) => match a.ec2().await {
            Ok(ec2) => {
                ec2.with_cancel(ctx.stop.clone())
                    .get_vpn_connection_device_types()
                    .await
            }
            Err(e) => Err(e),
        },
        Err(diag) => return Some(diag),
    };
    let types = match types {
        Ok(t) => t,
        Err(e) => {
            return Some(Diagnostic::error(
                "Could not list the VPN device types at plan time",
                format!("{e}"),
            ))
        }
    };
    device::resolve(&types, &wanted).err().map(|why| {
        Diagnostic::error("Device type not offered", why)
            .with_path(AttributePath::attrs([names::DEVICE_TYPE]))
    })
}

/// An in-place update: gaps left by objects deleted out of band become unknown (the apply
/// repairs them), and a key rotation is announced.
fn update_plan(req: &PlanRequest, plan: &mut PlanResponse) {
    let prior = &req.prior;
    let planned = &mut plan.planned;
    let with_vgw = !prior
        .attr(names::AWS)
        .attr(names::aws::VPC_ID)
        .as_str()
        .unwrap_or_default()
        .is_empty();
    let mut gap = false;
    for id in [names::CUSTOMER_GATEWAY_ID, names::VPN_CONNECTION_ID]
        .into_iter()
        .chain(with_vgw.then_some(names::VPN_GATEWAY_ID))
    {
        if prior.attr(id).as_str().unwrap_or_default().is_empty() {
            planned.set_attr(id, Value::unknown());
            gap = true;
        }
    }
    if prior
        .attr(claim::ATTRIBUTE)
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        planned.set_attr(claim::ATTRIBUTE, Value::unknown());
    }
    if gap {
        planned.set_attr(names::ID, Value::unknown());
        planned.set_attr(names::TUNNELS, Value::unknown());
        planned.set_attr(names::DEVICE_CONFIGURATION, Value::unknown());
        plan.diags.push(Diagnostic::warning(
            "AWS objects will be rebuilt",
            "Some AWS objects of this site VPN no longer exist and will be recreated; the tunnels stay down until then.",
        ));
    }
    let rotating = !prior
        .attr(names::TUNNEL_PSKS)
        .equals(planned.attr(names::TUNNEL_PSKS))
        || !prior
            .attr(names::TUNNEL_PSKS_WO_VERSION)
            .equals(planned.attr(names::TUNNEL_PSKS_WO_VERSION));
    if rotating {
        plan.diags.push(Diagnostic::warning(
            "Pre-shared keys rotate",
            "Keys are rotated on AWS one tunnel at a time; a tunnel stays down until the device has its new key (see `device_configuration`).",
        ));
    }
}
