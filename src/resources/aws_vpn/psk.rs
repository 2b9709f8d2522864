//! Pre-shared keys on the AWS tunnels: the key a new tunnel starts with, a configured key
//! put on an existing tunnel, and the rotation of one tunnel's key. Keys live in memory only:
//! never logged, never in a diagnostic, never in state unless the user configured them.

use super::run::AwsRun;
use super::side::AwsTunnel;
use crate::cloud::aws::VpnConnection;
use crate::tf::Value;
use anyhow::anyhow;
use rand::Rng;
use tokio_util::sync::CancellationToken;

/// The AWS PSK alphabet (`[0-9A-Za-z_.]`, terraform-provider-aws
/// `validVPNConnectionTunnelPreSharedKey`).
pub const PSK_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.";

/// The write-only keys an update must put on the tunnels: the configuration's `keys`
/// attribute when its `version` attribute changed between `prior` and `planned` (Terraform
/// hands write-only values over only in the configuration, and only a new version asks for
/// them to be applied), else null.
pub fn write_only_keys_to_apply(
    prior: &Value,
    planned: &Value,
    config: &Value,
    version: &str,
    keys: &str,
) -> Value {
    if prior.attr(version).equals(planned.attr(version)) {
        Value::Null
    } else {
        config.attr(keys).clone()
    }
}

/// A fresh 32-character PSK in the AWS alphabet that starts with a letter (never `0`).
pub fn generate_psk() -> String {
    let mut rng = rand::thread_rng();
    let mut out = String::with_capacity(32);
    out.push(PSK_ALPHABET[rng.gen_range(0..52)] as char);
    while out.len() < 32 {
        out.push(PSK_ALPHABET[rng.gen_range(0..PSK_ALPHABET.len())] as char);
    }
    out
}

/// The key a new AWS tunnel is created with: the configured one, else a fresh one.
pub fn initial_key(tunnel: Option<&AwsTunnel>) -> String {
    tunnel
        .and_then(|t| t.psk.clone())
        .unwrap_or_else(generate_psk)
}

/// Puts `key` on the tunnel of VPN connection `vpn` whose outside IP is `outside_ip`, and
/// waits until AWS has applied it; the connection as it is afterwards.
pub async fn set_on_aws(
    aws: &AwsRun,
    vpn: &str,
    outside_ip: &str,
    key: &str,
    cancel: &CancellationToken,
) -> anyhow::Result<VpnConnection> {
    let ec2 = aws.ec2(cancel);
    ec2.modify_vpn_tunnel_psk(vpn, outside_ip, key).await?;
    Ok(ec2
        .wait_vpn_connection_updated(vpn, &aws.wait(cancel))
        .await?)
}

/// Puts the configured keys of `tunnels` on VPN connection `v` (an adopted one may not have
/// them yet); the connection as it is afterwards.
pub async fn configured_keys_on_aws(
    aws: &AwsRun,
    mut v: VpnConnection,
    tunnels: &[&AwsTunnel],
    cancel: &CancellationToken,
) -> anyhow::Result<VpnConnection> {
    for want in tunnels {
        let tunnel = v
            .tunnel_by_inside_cidr(&want.inside_cidr)
            .cloned()
            .ok_or_else(|| {
                anyhow!(
                    "VPN connection {} has no tunnel with inside CIDR {}",
                    v.id,
                    want.inside_cidr
                )
            })?;
        if let Some(w) = want
            .psk
            .as_ref()
            .filter(|w| tunnel.psk.as_ref() != Some(*w))
        {
            v = set_on_aws(aws, &v.id.clone(), &tunnel.outside_ip, w, cancel).await?;
        }
    }
    Ok(v)
}

/// The rotation of an update on AWS: every tunnel whose configured key AWS does not have yet
/// gets it, one tunnel at a time (`ModifyVpnTunnelOptions`, then the wait until it is
/// applied), and `after_each(t, key)` runs before the next tunnel starts: the resource puts
/// the key on its peer there. Tunnels not built yet (`vpn_connection_ids` from the
/// checkpoint) are left to the converge.
pub async fn rotate<F, Fut>(
    aws: &AwsRun,
    vpn_connection_ids: &[String],
    cancel: &CancellationToken,
    mut after_each: F,
) -> anyhow::Result<()>
where
    F: FnMut(usize, String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let ec2 = aws.ec2(cancel);
    for (t, want) in aws.side.tunnels.iter().enumerate() {
        let Some(key) = &want.psk else {
            continue;
        };
        let vpn = vpn_connection_ids
            .get(want.vpn_connection)
            .cloned()
            .unwrap_or_default();
        if vpn.is_empty() {
            continue;
        }
        let Some(v) = ec2.find_vpn_connection_by_id(&vpn).await? else {
            continue;
        };
        let Some(tunnel) = v.tunnel_by_inside_cidr(&want.inside_cidr).cloned() else {
            continue;
        };
        if tunnel.psk.as_deref() == Some(key.as_str()) {
            continue;
        }
        tracing::info!(link = %aws.owner, tunnel = t + 1, "rotating pre-shared key");
        set_on_aws(aws, &vpn, &tunnel.outside_ip, key, cancel).await?;
        after_each(t, key.clone()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_psks_are_valid_aws_keys() {
        for _ in 0..200 {
            let k = generate_psk();
            assert_eq!(k.len(), 32);
            assert!(!k.starts_with('0'));
            assert!(k.bytes().all(|b| PSK_ALPHABET.contains(&b)));
        }
    }
}
