//! Customer gateways: public-IP and ASN validation, the documented create idempotence,
//! pending -> available and deleting -> deleted.

use super::errors::{Ec2Error, R};
use super::query;
use super::tags::{self, Tags};
use super::xml::Xml;
use super::{Ctx, Phase, State};
use crate::profile::Op;
use serde_json::{json, Value};
use std::net::Ipv4Addr;

/// A customer gateway.
#[derive(Debug, Clone)]
pub struct CustomerGateway {
    /// `cgw-...`.
    pub id: String,
    /// The device's public IPv4 address.
    pub ip: String,
    /// BGP ASN (`bgpAsn` up to 2^31-1, otherwise `bgpAsnExtended`).
    pub bgp_asn: u64,
    /// `ipsec.1`.
    pub typ: String,
    /// Optional device name.
    pub device_name: Option<String>,
    /// pending -> available, later deleting -> deleted.
    pub phase: Phase,
    /// Tags.
    pub tags: Tags,
}

impl CustomerGateway {
    fn write(&self, x: &mut Xml, now: u64) {
        x.leaf("customerGatewayId", &self.id)
            .leaf("state", self.phase.get(now))
            .leaf("type", &self.typ)
            .leaf("ipAddress", &self.ip);
        if self.bgp_asn <= 2_147_483_647 {
            x.leaf("bgpAsn", self.bgp_asn);
        } else {
            x.leaf("bgpAsnExtended", self.bgp_asn);
        }
        x.opt("deviceName", self.device_name.as_ref());
        tags::write(x, &self.tags);
    }

    /// Dump form.
    pub fn dump(&self, now: u64) -> Value {
        json!({
            "id": self.id, "state": self.phase.get(now), "ip_address": self.ip, "bgp_asn": self.bgp_asn,
            "type": self.typ, "device_name": self.device_name, "tags": tags::json(&self.tags),
        })
    }
}

/// A customer gateway needs "the Internet-routable IP address for the customer gateway's
/// outside interface" (EC2 API reference, CreateCustomerGateway): private (RFC 1918),
/// loopback, link-local, shared (100.64/10), multicast, 0/8, reserved and broadcast
/// addresses are refused. Documentation ranges (TEST-NET) are accepted so tests can use them.
pub fn check_public_ipv4(s: &str) -> R<Ipv4Addr> {
    let bad = || {
        Ec2Error::invalid(format!(
            "The customer gateway IP address '{s}' is not a valid public IPv4 address."
        ))
    };
    let ip: Ipv4Addr = s.parse().map_err(|_| bad())?;
    let o = ip.octets();
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    if ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || o[0] == 0
        || o[0] >= 240
        || shared
    {
        return Err(bad());
    }
    Ok(ip)
}

/// `CreateCustomerGateway`.
///
/// rule: AWS-CGW-IP-IMMUTABLE. EC2 has no action that modifies a customer gateway (the
/// emulator, like the EC2 API, serves Create/Delete/Describe only; an unknown action is
/// `InvalidAction`), so a new IP means a new customer gateway and `ModifyVpnConnection`.
pub fn create(st: &mut State, cx: &Ctx) -> R<Xml> {
    let typ = cx.q.req("Type")?.to_string();
    if typ != "ipsec.1" {
        return Err(Ec2Error::invalid(format!(
            "Value ({typ}) for parameter type is invalid."
        )));
    }
    let ip =
        cx.q.get("IpAddress")
            .or(cx.q.get("PublicIp"))
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Ec2Error::missing("IpAddress"))?
            .to_string();
    check_public_ipv4(&ip)?;
    let asn: Option<u64> = cx.q.num("BgpAsn")?;
    let ext: Option<u64> = cx.q.num("BgpAsnExtended")?;
    // rule: AWS-CGW-ASN. EC2 API reference, CreateCustomerGateway: BgpAsn 1..2,147,483,647 (default 65000);
    // BgpAsnExtended 2,147,483,648..4,294,967,295; not both.
    let asn = match (asn, ext) {
        (Some(_), Some(_)) => {
            return Err(Ec2Error::new(
                "InvalidParameterCombination",
                "BgpAsn and BgpAsnExtended are mutually exclusive.",
            ))
        }
        (Some(a), None) if (1..=2_147_483_647).contains(&a) => a,
        (Some(a), None) => {
            return Err(Ec2Error::invalid(format!(
                "Value ({a}) for parameter BgpAsn is invalid. Valid range is 1-2147483647."
            )))
        }
        (None, Some(e)) if (2_147_483_648..=4_294_967_295).contains(&e) => e,
        (None, Some(e)) => {
            return Err(Ec2Error::invalid(format!(
                "Value ({e}) for parameter BgpAsnExtended is invalid."
            )))
        }
        (None, None) => 65000,
    };
    let tags = cx.q.tag_specs("customer-gateway")?;
    let r = st.region(cx.account(), cx.region_name());
    // "If you create a customer gateway with the same IP address, BGP ASN and type as an
    // existing one, the existing customer gateway is returned" (EC2 API reference,
    // CreateCustomerGateway: the call is idempotent for identical settings).
    if let Some(existing) = r.customer_gateways.values().find(|c| {
        c.ip == ip
            && c.bgp_asn == asn
            && c.typ == typ
            && matches!(c.phase.get(cx.now), "pending" | "available")
    }) {
        let mut x = Xml::new();
        x.nest("customerGateway", |x| existing.write(x, cx.now));
        return Ok(x);
    }
    let id = st.id("cgw");
    let ready = cx.done_at(Op::CustomerGatewayCreate);
    let cgw = CustomerGateway {
        id: id.clone(),
        ip,
        bgp_asn: asn,
        typ,
        device_name: cx.q.get("DeviceName").map(String::from),
        phase: Phase::new("pending", "available", ready),
        tags,
    };
    cx.record(&id, ready);
    let mut x = Xml::new();
    x.nest("customerGateway", |x| cgw.write(x, cx.now));
    st.region(cx.account(), cx.region_name())
        .customer_gateways
        .insert(id, cgw);
    Ok(x)
}

/// `DescribeCustomerGateways`.
pub fn describe(st: &mut State, cx: &Ctx) -> R<Xml> {
    let ids = cx.q.list("CustomerGatewayId");
    let filters = cx.q.filters();
    let r = st.region(cx.account(), cx.region_name());
    for id in &ids {
        if !r.customer_gateways.contains_key(id) {
            return Err(Ec2Error::not_found(
                "InvalidCustomerGatewayID",
                "customerGateway",
                id,
            ));
        }
    }
    let mut x = Xml::new();
    let mut out = Vec::new();
    for c in r.customer_gateways.values() {
        if !ids.is_empty() && !ids.contains(&c.id) {
            continue;
        }
        let ok = query::matches(&filters, &c.tags, |name| match name {
            "customer-gateway-id" => Some(vec![c.id.clone()]),
            "ip-address" => Some(vec![c.ip.clone()]),
            "bgp-asn" => Some(vec![c.bgp_asn.to_string()]),
            "state" => Some(vec![c.phase.get(cx.now).to_string()]),
            "type" => Some(vec![c.typ.clone()]),
            _ => None,
        })?;
        if ok {
            out.push(c);
        }
    }
    x.list("customerGatewaySet", out, |x, c| c.write(x, cx.now));
    Ok(x)
}

/// `DeleteCustomerGateway`: `IncorrectState` while a VPN connection that is not deleted
/// uses it; deleting -> deleted, then still listed like AWS does for a while.
pub fn delete(st: &mut State, cx: &Ctx) -> R<Xml> {
    let id = cx.q.req("CustomerGatewayId")?.to_string();
    let now = cx.now;
    let done = cx.done_at(Op::CustomerGatewayCreate);
    let r = st.region(cx.account(), cx.region_name());
    if !r.customer_gateways.contains_key(&id) {
        return Err(Ec2Error::not_found(
            "InvalidCustomerGatewayID",
            "customerGateway",
            &id,
        ));
    }
    if r.vpn_connections
        .values()
        .any(|v| v.customer_gateway_id == id && v.phase.get(now) != "deleted")
    {
        return Err(Ec2Error::new(
            "IncorrectState",
            "The customer gateway is in use.",
        ));
    }
    let c = r.customer_gateways.get_mut(&id).unwrap();
    if !matches!(c.phase.get(now), "deleting" | "deleted") {
        c.phase = Phase::new("deleting", "deleted", done);
        cx.record(&id, done);
    }
    let mut x = Xml::new();
    x.leaf("return", true);
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_accepted() {
        for bad in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "224.0.0.1",
            "0.1.2.3",
            "255.255.255.255",
            "nope",
        ] {
            assert!(check_public_ipv4(bad).is_err(), "{bad}");
        }
        for good in ["203.0.113.9", "198.51.100.1", "8.8.8.8", "100.128.0.1"] {
            assert!(check_public_ipv4(good).is_ok(), "{good}");
        }
    }
}
