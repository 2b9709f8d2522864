//! EC2 transit gateways (existing ones the user names): lookup with ASN, and the VPN
//! attachment AWS creates for a VPN connection to a TGW.

use super::account::Ec2;
use super::errors::{at_most_one, not_found_as_empty};
use super::tags;
use crate::cloud::error::Result;
use crate::cloud::wait::{Absent, StateWait, Stateful, WaitConfig};
use std::time::Duration;

/// A transit gateway as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitGateway {
    /// `tgw-...`.
    pub id: String,
    /// `pending`, `available`, `modifying`, `deleting`, `deleted`.
    pub state: String,
    /// Owning account.
    pub owner_id: String,
    /// Amazon-side BGP ASN.
    pub amazon_side_asn: Option<i64>,
    /// `enable` / `disable`: equal-cost multipath over its VPN connections.
    pub vpn_ecmp_support: Option<String>,
    /// `enable` / `disable`: new attachments join the default route table.
    pub default_route_table_association: Option<String>,
    /// `enable` / `disable`: new attachments propagate into the default route table.
    pub default_route_table_propagation: Option<String>,
}

/// A TGW attachment (here: the one of a VPN connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitGatewayAttachment {
    /// `tgw-attach-...`.
    pub id: String,
    /// The transit gateway.
    pub transit_gateway_id: String,
    /// The attached resource (`vpn-...`).
    pub resource_id: String,
    /// `pending`, `available`, `deleting`, `deleted`...
    pub state: String,
    /// All its tags (AWS creates it untagged; cloudlink adds the ownership and user tags).
    pub tags: tags::Tags,
}

impl Stateful for TransitGatewayAttachment {
    fn state(&self) -> &str {
        &self.state
    }
}

/// [`Ec2::wait_transit_gateway_vpn_attachment_present`]: AWS creates the attachment on its
/// own shortly after the VPN connection, so absence is pending; any live state is the
/// target (the EC2 model's `TransitGatewayAttachmentState`), and the failing, rejected and
/// deleting states fail. Limit: AWS documents none for VPN attachments; we take
/// terraform-provider-aws `transitGatewayVPCAttachmentCreatedTimeout` (10 min), the nearest
/// documented number.
pub const TRANSIT_GATEWAY_VPN_ATTACHMENT_PRESENT: StateWait = StateWait {
    pending: &[],
    target: &[
        "initiating",
        "initiatingRequest",
        "pendingAcceptance",
        "pending",
        "available",
        "modifying",
    ],
    absent: Absent::Pending,
    default_limit: Duration::from_secs(10 * 60),
    limit_source: "terraform-provider-aws transitGatewayVPCAttachmentCreatedTimeout",
};

impl Ec2 {
    /// The transit gateway `id`; absent or `deleted` is `None`.
    pub async fn find_transit_gateway_by_id(&self, id: &str) -> Result<Option<TransitGateway>> {
        let req = self
            .client
            .describe_transit_gateways()
            .transit_gateway_ids(id);
        let found = not_found_as_empty(
            self.send(
                || format!("reading EC2 transit gateway ({id})"),
                || req.clone().send(),
            )
            .await
            .map(|o| {
                o.transit_gateways()
                    .iter()
                    .map(|t| TransitGateway {
                        id: t.transit_gateway_id().unwrap_or_default().to_string(),
                        state: t
                            .state()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        owner_id: t.owner_id().unwrap_or_default().to_string(),
                        amazon_side_asn: t.options().and_then(|o| o.amazon_side_asn()),
                        vpn_ecmp_support: t
                            .options()
                            .and_then(|o| o.vpn_ecmp_support())
                            .map(|v| v.as_str().to_string()),
                        default_route_table_association: t
                            .options()
                            .and_then(|o| o.default_route_table_association())
                            .map(|v| v.as_str().to_string()),
                        default_route_table_propagation: t
                            .options()
                            .and_then(|o| o.default_route_table_propagation())
                            .map(|v| v.as_str().to_string()),
                    })
                    .collect::<Vec<_>>()
            }),
        )?;
        let found: Vec<_> = found.into_iter().filter(|t| t.id == id).collect();
        Ok(at_most_one("transit gateways", found)?.filter(|t| t.state != "deleted"))
    }

    /// The TGW attachment of VPN connection `vpn_connection_id` on `transit_gateway_id`.
    pub async fn find_transit_gateway_vpn_attachment(
        &self,
        transit_gateway_id: &str,
        vpn_connection_id: &str,
    ) -> Result<Option<TransitGatewayAttachment>> {
        let req = self
            .client
            .describe_transit_gateway_attachments()
            .set_filters(Some(vec![
                tags::filter("resource-type", &["vpn"]),
                tags::filter("resource-id", &[vpn_connection_id]),
                tags::filter("transit-gateway-id", &[transit_gateway_id]),
            ]));
        let found = not_found_as_empty(
            self.send(
                || format!("reading EC2 transit gateway ({transit_gateway_id}) attachment of VPN connection ({vpn_connection_id})"),
                || req.clone().send(),
            )
            .await
            .map(|o| {
                o.transit_gateway_attachments()
                    .iter()
                    .map(|a| TransitGatewayAttachment {
                        id: a.transit_gateway_attachment_id().unwrap_or_default().to_string(),
                        transit_gateway_id: a.transit_gateway_id().unwrap_or_default().to_string(),
                        resource_id: a.resource_id().unwrap_or_default().to_string(),
                        state: a.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
                        tags: tags::from_sdk(a.tags()),
                    })
                    .collect::<Vec<_>>()
            }),
        )?;
        let found: Vec<_> = found
            .into_iter()
            .filter(|a| {
                a.resource_id == vpn_connection_id
                    && a.transit_gateway_id == transit_gateway_id
                    && a.state != "deleted"
            })
            .collect();
        at_most_one("transit gateway VPN attachments", found)
    }

    /// Waits until AWS has created the TGW attachment of VPN connection `vpn_connection_id`
    /// ([`TRANSIT_GATEWAY_VPN_ATTACHMENT_PRESENT`]).
    pub async fn wait_transit_gateway_vpn_attachment_present(
        &self,
        transit_gateway_id: &str,
        vpn_connection_id: &str,
        cfg: &WaitConfig,
    ) -> Result<TransitGatewayAttachment> {
        let what = format!(
            "EC2 transit gateway ({transit_gateway_id}) attachment of VPN connection ({vpn_connection_id}) to exist"
        );
        TRANSIT_GATEWAY_VPN_ATTACHMENT_PRESENT
            .wait_present(&what, cfg, || {
                self.find_transit_gateway_vpn_attachment(transit_gateway_id, vpn_connection_id)
            })
            .await
    }
}
