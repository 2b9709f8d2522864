//! The go-plugin handshake: the magic cookie check, protocol version negotiation and the
//! single line terraform reads from our stdout
//! (`CORE|APP|NETWORK|ADDR|PROTOCOL|CERT`, go-plugin server.go).

use std::net::SocketAddr;

/// The cookie terraform sets on every provider it starts (terraform internal/plugin/serve.go).
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Its value.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's core protocol version (go-plugin `CoreProtocolVersion`).
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The only Terraform plugin protocol we speak.
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// Why the process cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// Started by hand instead of by terraform.
    #[error(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         Please execute the program that consumes these plugins, which will\n\
         load any plugins automatically (for cloudlink: terraform or tofu).\n\
         To debug the provider, run it with --debug and export the TF_REATTACH_PROVIDERS line it prints."
    )]
    NotLaunchedByTerraform,
    /// Terraform asked for protocol versions we do not speak.
    #[error("terraform offered plugin protocol versions {offered:?}, but cloudlink speaks only version 6 (terraform >= 1.0, tofu >= 1.6)")]
    NoCommonVersion {
        /// What `PLUGIN_PROTOCOL_VERSIONS` held.
        offered: String,
    },
}

/// Checks the magic cookie in the environment.
pub fn check_cookie(value: Option<&str>) -> Result<(), HandshakeError> {
    match value {
        Some(v) if v == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(HandshakeError::NotLaunchedByTerraform),
    }
}

/// Picks the protocol version from `PLUGIN_PROTOCOL_VERSIONS` (comma-separated, any order).
/// Absent means the client predates negotiation, and go-plugin then assumes ours.
pub fn negotiate_version(offered: Option<&str>) -> Result<u32, HandshakeError> {
    let Some(offered) = offered.filter(|s| !s.trim().is_empty()) else {
        return Ok(APP_PROTOCOL_VERSION);
    };
    if offered
        .split(',')
        .any(|v| v.trim().parse::<u32>() == Ok(APP_PROTOCOL_VERSION))
    {
        Ok(APP_PROTOCOL_VERSION)
    } else {
        Err(HandshakeError::NoCommonVersion {
            offered: offered.to_string(),
        })
    }
}

/// The handshake line. `cert_der` is the server certificate (base64 without padding, as
/// go-plugin's `base64.RawStdEncoding`), or `None` when serving plaintext.
pub fn handshake_line(version: u32, addr: SocketAddr, cert_der: Option<&[u8]>) -> String {
    use base64::Engine;
    let cert = cert_der
        .map(|d| base64::engine::general_purpose::STANDARD_NO_PAD.encode(d))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{version}|tcp|{addr}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert!(check_cookie(Some(MAGIC_COOKIE_VALUE)).is_ok());
        assert!(check_cookie(Some("nope")).is_err());
        assert!(check_cookie(None).is_err());
    }

    #[test]
    fn version_six_is_chosen_in_any_order() {
        assert_eq!(negotiate_version(Some("5,6")).unwrap(), 6);
        assert_eq!(negotiate_version(Some("6,5")).unwrap(), 6);
        assert_eq!(negotiate_version(None).unwrap(), 6);
        assert!(negotiate_version(Some("5")).is_err());
    }

    #[test]
    fn line_has_six_fields_and_unpadded_cert() {
        let line = handshake_line(6, "127.0.0.1:1234".parse().unwrap(), Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|tcp|127.0.0.1:1234|grpc|AQIDBA");
        let plain = handshake_line(6, "127.0.0.1:1234".parse().unwrap(), None);
        assert_eq!(plain, "1|6|tcp|127.0.0.1:1234|grpc|");
    }
}
