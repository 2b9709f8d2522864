//! Case-insensitive parsing of Entra ID and ARM request paths into [`Route`]s, and the action
//! names (`METHOD resourceType`) used by counters, faults and the timeline.

use super::model::Kind;
use axum::http::Method;

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Route {
    /// `POST /{tenant}/oauth2/v2.0/token`.
    Token,
    /// `GET /metadata/identity/oauth2/token` (IMDS managed identity).
    ManagedIdentityToken,
    /// `/subscriptions/{s}/resourcegroups/{rg}`.
    ResourceGroup { sub: String, rg: String },
    /// `/subscriptions/{s}/locations` (Subscriptions - List Locations).
    Locations { sub: String },
    /// `/subscriptions/{s}/operationresults/{id}` (resource-group delete polling).
    RgOperationResult { id: String },
    /// `.../providers/Microsoft.Network/locations/{loc}/operations/{id}` (`location_style`
    /// false) or `.../operationResults/{id}` (true).
    Operation { id: String, location_style: bool },
    /// A collection: `.../providers/Microsoft.Network/{type}` with or without a resource
    /// group, or `.../virtualNetworks/{v}/subnets`.
    List {
        sub: String,
        rg: Option<String>,
        kind: Kind,
        vnet: Option<String>,
    },
    /// One resource (a subnet when `vnet` is set).
    Resource {
        sub: String,
        rg: String,
        kind: Kind,
        name: String,
        vnet: Option<String>,
    },
    /// `.../connections/{n}/sharedkey`.
    SharedKey {
        sub: String,
        rg: String,
        name: String,
    },
    /// `.../connections/{n}/sharedkey/reset`.
    ResetSharedKey {
        sub: String,
        rg: String,
        name: String,
    },
    /// Anything else.
    Unknown,
}

/// Parses a path; segment names are matched case-insensitively as ARM does.
pub(crate) fn parse(path: &str) -> Route {
    let segs: Vec<String> = path.trim_matches('/').split('/').map(decode).collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let s = |i: usize| segs[i].clone();
    match l.as_slice() {
        [_, "oauth2", "v2.0", "token"] => Route::Token,
        ["metadata", "identity", "oauth2", "token"] => Route::ManagedIdentityToken,
        ["subscriptions", _, "resourcegroups", _] => Route::ResourceGroup {
            sub: s(1),
            rg: s(3),
        },
        ["subscriptions", _, "locations"] => Route::Locations { sub: s(1) },
        ["subscriptions", _, "operationresults", _] => Route::RgOperationResult { id: s(3) },
        ["subscriptions", _, "providers", "microsoft.network", "locations", _, "operations", _] => {
            Route::Operation {
                id: s(7),
                location_style: false,
            }
        }
        ["subscriptions", _, "providers", "microsoft.network", "locations", _, "operationresults", _] => {
            Route::Operation {
                id: s(7),
                location_style: true,
            }
        }
        ["subscriptions", _, "providers", "microsoft.network", t] => match Kind::from_segment(t) {
            Some(kind) if kind != Kind::Subnet => Route::List {
                sub: s(1),
                rg: None,
                kind,
                vnet: None,
            },
            _ => Route::Unknown,
        },
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.network", t] => {
            match Kind::from_segment(t) {
                Some(kind) if kind != Kind::Subnet => Route::List {
                    sub: s(1),
                    rg: Some(s(3)),
                    kind,
                    vnet: None,
                },
                _ => Route::Unknown,
            }
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.network", t, _] => {
            match Kind::from_segment(t) {
                Some(kind) if kind != Kind::Subnet => Route::Resource {
                    sub: s(1),
                    rg: s(3),
                    kind,
                    name: s(7),
                    vnet: None,
                },
                _ => Route::Unknown,
            }
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.network", "virtualnetworks", _, "subnets"] => {
            Route::List {
                sub: s(1),
                rg: Some(s(3)),
                kind: Kind::Subnet,
                vnet: Some(s(7)),
            }
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.network", "virtualnetworks", _, "subnets", _] => {
            Route::Resource {
                sub: s(1),
                rg: s(3),
                kind: Kind::Subnet,
                name: s(9),
                vnet: Some(s(7)),
            }
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.network", "connections", _, "sharedkey"] => {
            Route::SharedKey {
                sub: s(1),
                rg: s(3),
                name: s(7),
            }
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.network", "connections", _, "sharedkey", "reset"] => {
            Route::ResetSharedKey {
                sub: s(1),
                rg: s(3),
                name: s(7),
            }
        }
        _ => Route::Unknown,
    }
}

impl Route {
    /// The action name: `METHOD` plus the last collection segment (`PUT publicIPAddresses`,
    /// `GET operations`, `POST reset`, `POST token`).
    pub fn action(&self, method: &Method, path: &str) -> String {
        let what = match self {
            Route::Token => "token".to_string(),
            Route::ManagedIdentityToken => "imds token".to_string(),
            Route::ResourceGroup { .. } => "resourceGroups".into(),
            Route::Locations { .. } => "locations".into(),
            Route::RgOperationResult { .. } => "operationResults".into(),
            Route::Operation {
                location_style: false,
                ..
            } => "operations".into(),
            Route::Operation {
                location_style: true,
                ..
            } => "operationResults".into(),
            Route::List { kind, .. } | Route::Resource { kind, .. } => kind.segment().into(),
            Route::SharedKey { .. } => "sharedkey".into(),
            Route::ResetSharedKey { .. } => "reset".into(),
            Route::Unknown => path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string(),
        };
        format!("{method} {what}")
    }
}

/// Minimal percent-decoding of one path segment (names are plain ASCII in practice).
fn decode(seg: &str) -> String {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&seg[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_case_insensitively() {
        let r = parse("/SUBSCRIPTIONS/s/resourceGroups/RG/providers/microsoft.network/VIRTUALNETWORKGATEWAYS/gw");
        assert_eq!(
            r,
            Route::Resource {
                sub: "s".into(),
                rg: "RG".into(),
                kind: Kind::Gateway,
                name: "gw".into(),
                vnet: None
            }
        );
        assert_eq!(r.action(&Method::PUT, ""), "PUT virtualNetworkGateways");
        let r = parse("/subscriptions/s/resourcegroups/rg/providers/Microsoft.Network/connections/c/sharedKey/Reset");
        assert_eq!(r.action(&Method::POST, ""), "POST reset");
        assert_eq!(parse("/tenant/oauth2/v2.0/token"), Route::Token);
        assert_eq!(parse("/a%20b/oauth2/v2.0/token"), Route::Token);
    }
}
