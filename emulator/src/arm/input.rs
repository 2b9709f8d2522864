//! Reading request bodies: typed accessors that turn schema mismatches into
//! `InvalidRequestFormat`, and the address helpers (CIDRs, APIPA range, ASNs) validation needs.

use super::errors::ArmError;
use ipnet::Ipv4Net;
use serde_json::Value;
use std::net::Ipv4Addr;

/// Parses a request body; an empty or malformed body is `InvalidRequestFormat`.
pub(crate) fn body(bytes: &[u8]) -> Result<Value, ArmError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ArmError::format("", "The request body is empty"));
    }
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| ArmError::format("", &e.to_string()))?;
    if !v.is_object() {
        return Err(ArmError::format(
            "",
            "The request body must be a JSON object",
        ));
    }
    Ok(v)
}

/// `v[key]` if present and not null.
fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

/// An optional string field.
pub(crate) fn str_of<'a>(v: &'a Value, key: &str, path: &str) -> Result<Option<&'a str>, ArmError> {
    match field(v, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ArmError::format(&join(path, key), "Expected a string")),
    }
}

/// An optional boolean field.
pub(crate) fn bool_of(v: &Value, key: &str, path: &str) -> Result<Option<bool>, ArmError> {
    match field(v, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ArmError::format(&join(path, key), "Expected a boolean")),
    }
}

/// An optional integer field.
pub(crate) fn int_of(v: &Value, key: &str, path: &str) -> Result<Option<i64>, ArmError> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => x
            .as_i64()
            .map(Some)
            .ok_or_else(|| ArmError::format(&join(path, key), "Expected an integer")),
    }
}

/// An optional array field (empty when absent).
pub(crate) fn arr_of<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a [Value], ArmError> {
    match field(v, key) {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(ArmError::format(&join(path, key), "Expected an array")),
    }
}

/// An optional object field (`Value::Null` when absent, so chained reads see nothing).
pub(crate) fn obj_of<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a Value, ArmError> {
    match field(v, key) {
        None => Ok(&Value::Null),
        Some(o @ Value::Object(_)) => Ok(o),
        Some(_) => Err(ArmError::format(&join(path, key), "Expected an object")),
    }
}

/// An array of strings (empty when absent).
pub(crate) fn strings_of(v: &Value, key: &str, path: &str) -> Result<Vec<String>, ArmError> {
    arr_of(v, key, path)?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| ArmError::format(&join(path, key), "Expected strings"))
        })
        .collect()
}

/// A `SubResource` reference `{"id": ...}`; `None` when absent or without id.
pub(crate) fn ref_of(v: &Value, key: &str, path: &str) -> Result<Option<String>, ArmError> {
    let o = obj_of(v, key, path)?;
    Ok(str_of(o, "id", &join(path, key))?.map(str::to_string))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A CIDR in canonical form (no host bits), e.g. `10.0.1.0/24`.
pub(crate) fn cidr(s: &str) -> Option<Ipv4Net> {
    let n: Ipv4Net = s.trim().parse().ok()?;
    (n.trunc() == n).then_some(n)
}

/// Whether two prefixes share an address.
pub(crate) fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(b) || b.contains(a)
}

/// rule: AZ-BGP-APIPA. The Azure-reserved APIPA range for custom BGP addresses: 169.254.21.0-169.254.22.255
/// (azurerm validator `IPAddressInAzureReservedAPIPARange`; anchors.md §6).
pub(crate) fn is_azure_apipa(ip: &str) -> bool {
    ip.parse::<Ipv4Addr>().is_ok_and(|a| {
        let o = a.octets();
        o[0] == 169 && o[1] == 254 && (o[2] == 21 || o[2] == 22)
    })
}

/// rule: AZ-BGP-ASN-RESERVED. ASNs Azure reserves and refuses for BGP peers (MS BGP FAQ via anchors.md §6): public 8074,
/// 8075, 12076; private 65515, 65517-65520; IANA 23456, 64496-64511, 65535-65551.
pub(crate) fn is_reserved_asn(asn: i64) -> bool {
    matches!(asn, 8074 | 8075 | 12076 | 65515 | 65517..=65520 | 23456 | 64496..=64511 | 65535..=65551)
}

/// Normalizes a location the way ARM echoes it (`West Europe` -> `westeurope`).
pub(crate) fn location(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The `location` (required on top-level resources, immutable) and `tags` of a PUT body.
pub(crate) fn location_and_tags(
    v: &Value,
    existing: Option<&super::model::Res>,
) -> Result<(String, Option<Value>), ArmError> {
    let location = str_of(v, "location", "")?.map(location).ok_or_else(|| {
        ArmError::bad(
            "LocationRequired",
            "The location property is required for this definition.",
        )
    })?;
    if let Some(r) = existing {
        if r.location != location {
            return Err(ArmError::bad(
                "InvalidResourceLocation",
                format!(
                    "The resource '{}' already exists in location '{}' in resource group '{}'. A resource with the same name cannot be created in location '{location}'. Please select a new resource name.",
                    r.name, r.location, r.rg
                ),
            ));
        }
    }
    let tags = obj_of(v, "tags", "")?;
    check_tags(tags)?;
    Ok((location, (!tags.is_null()).then(|| tags.clone())))
}

/// rule: AZ-NAME. Names of publicIPAddresses, virtualNetworkGateways, localNetworkGateways,
/// connections and subnets: 1-80 characters, virtualNetworks 2-64; alphanumerics,
/// underscores, periods, hyphens; start with an alphanumeric, end with an alphanumeric or an
/// underscore (Learn "Naming rules and restrictions for Azure resources", Microsoft.Network
/// rows). Answered with the Network RP's `InvalidResourceName` and its wording (user reports,
/// e.g. "Resource name vwan-preprod-001} is invalid. The name can be up to 80 characters long.
/// ..."); the message keeps saying 80 for virtual networks too (the 64 limit's own wording is
/// UNKNOWN).
pub(crate) fn check_name(kind: super::model::Kind, name: &str) -> Result<(), ArmError> {
    let (min, max) = match kind {
        super::model::Kind::VirtualNetwork => (2, 64),
        _ => (1, 80),
    };
    let b = name.as_bytes();
    let ok = (min..=max).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    if ok {
        return Ok(());
    }
    Err(ArmError::bad(
        "InvalidResourceName",
        format!("Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'."),
    ))
}

/// rule: AZ-TAGS. At most 50 tags; names up to 512 characters without `<>%&\?/` or control
/// characters and not starting with `microsoft`, `azure` or `windows`; values up to 256
/// (Learn "Use tags to organize your Azure resources", long-standing published limits, not
/// re-read in this session). Codes: `InvalidTagNameCharacters` is real (Learn az CLI sample
/// output: "(InvalidTagNameCharacters) The tag names '...' have reserved characters
/// '<,>,%,&,\,?,/'"); `InvalidTagName` for a long name follows Azure PowerShell's own
/// validation text; the codes for a long value, too many tags and a reserved prefix are
/// UNKNOWN and the emulator's own.
pub(crate) fn check_tags(tags: &Value) -> Result<(), ArmError> {
    let Some(m) = tags.as_object() else {
        return Ok(());
    };
    if m.len() > 50 {
        return Err(ArmError::bad(
            "TooManyTags",
            format!("The resource has {} tags; at most 50 tags are allowed (cloudlink-emulator: the real error code is unknown).", m.len()),
        ));
    }
    for (k, v) in m {
        if k.chars().any(|c| "<>%&\\?/".contains(c) || c.is_control()) {
            return Err(ArmError::bad(
                "InvalidTagNameCharacters",
                format!("The tag names '{k}' have reserved characters '<,>,%,&,\\,?,/' or control characters."),
            ));
        }
        if k.chars().count() > 512 {
            return Err(ArmError::bad(
                "InvalidTagName",
                format!("Tag key too large. Following tag name exceeded the maximum length of 512: '{k}'."),
            ));
        }
        let lower = k.to_ascii_lowercase();
        if ["microsoft", "azure", "windows"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            return Err(ArmError::bad(
                "InvalidTagName",
                format!("The tag name '{k}' uses a reserved prefix (microsoft, azure, windows) (cloudlink-emulator: the real error code is unknown)."),
            ));
        }
        if v.as_str().is_some_and(|s| s.chars().count() > 256) {
            return Err(ArmError::bad(
                "InvalidTagValueLength",
                format!("The value of tag '{k}' exceeds the maximum length of 256 characters (cloudlink-emulator: the real error code is unknown)."),
            ));
        }
    }
    Ok(())
}
