//! EC2 security groups of a VPC: create with ownership tags, find (by id, or by tags for
//! adoption), make the inbound rules exactly a wanted set (authorize what is missing, revoke
//! what is not wanted), and delete once no network interface uses the group.

use super::account::Ec2;
use super::errors::{at_most_one, from_sdk, not_found_as_empty};
use super::tags::{self, Tags};
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::wait::{bounded, wait_for, Probe, WaitConfig};
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType};
use std::time::Duration;

/// How long [`Ec2::delete_security_group`] keeps retrying while network interfaces still
/// use the group (`DependencyViolation`: an interface endpoint's interfaces go a little
/// after the endpoint): terraform-provider-aws `aws_security_group` delete timeout (15 min),
/// over which its `resourceSecurityGroupDelete` retries `DependencyViolation`.
pub const SECURITY_GROUP_DELETE_LIMIT: Duration = Duration::from_secs(15 * 60);

/// One inbound IPv4 rule: protocol (`tcp`, `udp`, `icmp`, `-1`), port range, source CIDR.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IngressRule {
    /// `tcp`, `udp`, `icmp` or `-1` (all).
    pub protocol: String,
    /// First port (`-1` when the protocol has none).
    pub from_port: i32,
    /// Last port (`-1` when the protocol has none).
    pub to_port: i32,
    /// Source IPv4 CIDR.
    pub cidr: String,
}

impl IngressRule {
    /// TCP `port` from `cidr`.
    pub fn tcp(port: i32, cidr: &str) -> IngressRule {
        IngressRule {
            protocol: "tcp".into(),
            from_port: port,
            to_port: port,
            cidr: cidr.into(),
        }
    }

    fn to_sdk(&self, description: Option<&str>) -> IpPermission {
        IpPermission::builder()
            .ip_protocol(&self.protocol)
            .from_port(self.from_port)
            .to_port(self.to_port)
            .ip_ranges(
                IpRange::builder()
                    .cidr_ip(&self.cidr)
                    .set_description(description.map(str::to_string))
                    .build(),
            )
            .build()
    }
}

/// A security group as the resources see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its name (unique in the VPC).
    pub name: String,
    /// Every inbound IPv4 rule, one per source CIDR (rules from other groups or prefix lists
    /// are listed with their `cidr` empty so they count as unwanted).
    pub ingress: Vec<IngressRule>,
    /// All tags.
    pub tags: Tags,
}

fn ingress_of(perms: &[IpPermission]) -> Vec<IngressRule> {
    let mut out = Vec::new();
    for p in perms {
        let base = IngressRule {
            protocol: p.ip_protocol().unwrap_or_default().to_string(),
            from_port: p.from_port().unwrap_or(-1),
            to_port: p.to_port().unwrap_or(-1),
            cidr: String::new(),
        };
        let others = !p.user_id_group_pairs().is_empty()
            || !p.ipv6_ranges().is_empty()
            || !p.prefix_list_ids().is_empty();
        if others {
            out.push(base.clone());
        }
        for r in p.ip_ranges() {
            out.push(IngressRule {
                cidr: r.cidr_ip().unwrap_or_default().to_string(),
                ..base.clone()
            });
        }
    }
    out.sort();
    out
}

impl From<&aws_sdk_ec2::types::SecurityGroup> for SecurityGroup {
    fn from(g: &aws_sdk_ec2::types::SecurityGroup) -> Self {
        SecurityGroup {
            id: g.group_id().unwrap_or_default().to_string(),
            vpc_id: g.vpc_id().unwrap_or_default().to_string(),
            name: g.group_name().unwrap_or_default().to_string(),
            ingress: ingress_of(g.ip_permissions()),
            tags: tags::from_sdk(g.tags()),
        }
    }
}

impl Ec2 {
    /// Creates security group `name` in `vpc` (no inbound rule; AWS adds its allow-all
    /// outbound rule), tagged `tags`; returns its id. A retried create adopts the group an
    /// earlier attempt made (found by tags).
    pub async fn create_security_group(
        &self,
        vpc: &str,
        name: &str,
        description: &str,
        tags: &Tags,
    ) -> Result<String> {
        let req = self
            .client
            .create_security_group()
            .vpc_id(vpc)
            .group_name(name)
            .description(description)
            .tag_specifications(tags::tag_specification(ResourceType::SecurityGroup, tags));
        let ctx = || format!("creating EC2 security group ({name} in {vpc})");
        let create = || {
            let r = req.clone();
            async move {
                let out = r.send().await.map_err(from_sdk)?;
                Ok(out.group_id().unwrap_or_default().to_string())
            }
        };
        let adopt =
            move || async move { Ok(self.find_security_group_by_tags(tags).await?.map(|g| g.id)) };
        let id = self.create_adopting(ctx, &[], create, adopt).await?;
        tracing::info!(%id, %vpc, %name, "created EC2 security group");
        Ok(id)
    }

    async fn find_security_groups(
        &self,
        ids: &[&str],
        filters: Vec<Filter>,
    ) -> Result<Vec<SecurityGroup>> {
        let req = self
            .client
            .describe_security_groups()
            .set_group_ids((!ids.is_empty()).then(|| ids.iter().map(|s| s.to_string()).collect()))
            .set_filters((!filters.is_empty()).then_some(filters));
        not_found_as_empty(
            self.send(
                || format!("reading EC2 security groups {ids:?}"),
                || req.clone().send(),
            )
            .await
            .map(|o| {
                o.security_groups()
                    .iter()
                    .map(SecurityGroup::from)
                    .collect()
            }),
        )
    }

    /// The group `id`, or `None`.
    pub async fn find_security_group_by_id(&self, id: &str) -> Result<Option<SecurityGroup>> {
        let found: Vec<_> = self
            .find_security_groups(&[id], Vec::new())
            .await?
            .into_iter()
            .filter(|g| g.id == id)
            .collect();
        at_most_one("security groups", found)
    }

    /// The group carrying the ownership tags of `tags` (adoption after a crash).
    pub async fn find_security_group_by_tags(&self, tags: &Tags) -> Result<Option<SecurityGroup>> {
        if !tags::has_ownership(tags) {
            return Ok(None);
        }
        let found: Vec<_> = self
            .find_security_groups(&[], tags::ownership_filters(tags))
            .await?
            .into_iter()
            .filter(|g| tags::owned_by(&g.tags, tags))
            .collect();
        at_most_one("security groups with these cloudlink tags", found)
    }

    /// Makes the inbound rules of `group` exactly `want`: revokes every other rule, then
    /// authorizes what is missing (each with `description`). No call when they agree.
    /// rules: AWS-SG-RULE-DUPLICATE, AWS-SG-RULE-NOT-FOUND (only rules the group lacks are
    /// authorized, only rules it has are revoked).
    pub async fn sync_ingress(
        &self,
        group: &SecurityGroup,
        want: &[IngressRule],
        description: &str,
    ) -> Result<()> {
        let id = &group.id;
        let unwanted: Vec<&IngressRule> =
            group.ingress.iter().filter(|r| !want.contains(r)).collect();
        if unwanted.iter().any(|r| r.cidr.is_empty()) {
            return Err(CloudError::new(
                ErrorKind::Client,
                format!("security group {id} has inbound rules from other groups, IPv6 ranges or prefix lists, which cloudlink does not add: remove them"),
            ));
        }
        if !unwanted.is_empty() {
            let req = self
                .client
                .revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(unwanted.iter().map(|r| r.to_sdk(None)).collect()));
            self.send(
                || format!("revoking inbound rules of EC2 security group ({id})"),
                || req.clone().send(),
            )
            .await?;
        }
        let missing: Vec<&IngressRule> =
            want.iter().filter(|r| !group.ingress.contains(r)).collect();
        if !missing.is_empty() {
            let req = self
                .client
                .authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(
                    missing
                        .iter()
                        .map(|r| r.to_sdk(Some(description)))
                        .collect(),
                ));
            self.send(
                || format!("authorizing inbound rules of EC2 security group ({id})"),
                || req.clone().send(),
            )
            .await?;
        }
        Ok(())
    }

    /// rule: AWS-SG-IN-USE.
    /// Deletes group `id`; already gone counts as success. While network interfaces still
    /// use it (`DependencyViolation`) it tries again, for at most the shorter of
    /// [`SECURITY_GROUP_DELETE_LIMIT`] and `cfg`'s time left.
    pub async fn delete_security_group(&self, id: &str, cfg: &WaitConfig) -> Result<()> {
        let what = format!("EC2 security group ({id}) to be free to delete");
        let bound = "the delete limit of a security group (terraform-provider-aws aws_security_group delete timeout)";
        bounded(bound, SECURITY_GROUP_DELETE_LIMIT, cfg, |cfg| async move {
            wait_for(&what, &cfg, || async {
                let req = self.client.delete_security_group().group_id(id);
                match self
                    .send(
                        || format!("deleting EC2 security group ({id})"),
                        || req.clone().send(),
                    )
                    .await
                {
                    Ok(_) => Ok(Probe::Done(())),
                    Err(e) if e.is_not_found() => Ok(Probe::Done(())),
                    Err(e) if e.code.as_deref() == Some("DependencyViolation") => {
                        Ok(Probe::Pending("in use by network interfaces".into()))
                    }
                    Err(e) => Err(e),
                }
            })
            .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_one_rule_per_cidr_and_foreign_sources_an_empty_one() {
        let p = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443)
            .ip_ranges(IpRange::builder().cidr_ip("10.1.0.0/16").build())
            .ip_ranges(IpRange::builder().cidr_ip("10.2.0.0/16").build())
            .build();
        let rules = ingress_of(&[p]);
        assert_eq!(
            rules,
            vec![
                IngressRule::tcp(443, "10.1.0.0/16"),
                IngressRule::tcp(443, "10.2.0.0/16")
            ]
        );
        let foreign = IpPermission::builder()
            .ip_protocol("-1")
            .user_id_group_pairs(
                aws_sdk_ec2::types::UserIdGroupPair::builder()
                    .group_id("sg-1")
                    .build(),
            )
            .build();
        assert_eq!(ingress_of(&[foreign])[0].cidr, "");
    }
}
