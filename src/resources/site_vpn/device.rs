//! Which device type `device_configuration` is written for: the `device_type {}` block
//! resolved against the types AWS lists (`GetVpnConnectionDeviceTypes`), by id or by the exact
//! vendor / platform / software triple. The plan calls it to refuse a type the region does not
//! offer, naming the closest ones; the apply uses the id it returns.

use super::names::device_type as n;
use crate::cloud::aws::DeviceType;
use crate::tf::Value;

/// What the configuration names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A `VpnConnectionDeviceTypeId`.
    Id(String),
    /// Vendor, platform and software, as AWS spells them.
    Triple {
        /// e.g. `Cisco Systems, Inc.`.
        vendor: String,
        /// e.g. `ISR Series Routers`.
        platform: String,
        /// e.g. `IOS 12.4+`.
        software: String,
    },
}

/// The `device_type` block as [`Wanted`]; `None` without a block, or while a value is
/// unknown, or when the block names neither form completely (validation reports that).
pub fn wanted(block: &Value) -> Option<Wanted> {
    if block.is_null() || !block.is_wholly_known() {
        return None;
    }
    let get = |a: &str| block.attr(a).as_str().map(str::to_string);
    if let Some(id) = get(n::ID) {
        return Some(Wanted::Id(id));
    }
    Some(Wanted::Triple {
        vendor: get(n::VENDOR)?,
        platform: get(n::PLATFORM)?,
        software: get(n::SOFTWARE)?,
    })
}

/// The listed type matching `wanted`, or an error naming what is offered (the vendor's types
/// when the vendor is listed, else every vendor), so the user can copy the exact spelling.
pub fn resolve<'a>(types: &'a [DeviceType], wanted: &Wanted) -> Result<&'a DeviceType, String> {
    let found = types.iter().find(|t| match wanted {
        Wanted::Id(id) => &t.id == id,
        Wanted::Triple {
            vendor,
            platform,
            software,
        } => &t.vendor == vendor && &t.platform == platform && &t.software == software,
    });
    if let Some(t) = found {
        return Ok(t);
    }
    let describe = |t: &DeviceType| {
        format!(
            "{} / {} / {} (id {})",
            t.vendor, t.platform, t.software, t.id
        )
    };
    let (what, offered): (String, Vec<String>) = match wanted {
        Wanted::Id(id) => (
            format!("device type id {id:?}"),
            types.iter().map(describe).collect(),
        ),
        Wanted::Triple {
            vendor,
            platform,
            software,
        } => {
            let same_vendor: Vec<String> = types
                .iter()
                .filter(|t| &t.vendor == vendor)
                .map(describe)
                .collect();
            let offered = if same_vendor.is_empty() {
                let mut vendors: Vec<String> = types.iter().map(|t| t.vendor.clone()).collect();
                vendors.dedup();
                vendors
            } else {
                same_vendor
            };
            (
                format!("device type {vendor} / {platform} / {software}"),
                offered,
            )
        }
    };
    Err(format!(
        "AWS does not offer a {what} in this region. Offered: {}.",
        offered.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Vec<DeviceType> {
        let t = |id: &str, v: &str, p: &str, s: &str| DeviceType {
            id: id.into(),
            vendor: v.into(),
            platform: p.into(),
            software: s.into(),
        };
        vec![
            t(
                "7b2d4e61",
                "Cisco Systems, Inc.",
                "ISR Series Routers",
                "IOS 12.4+",
            ),
            t(
                "e6f3a2b8",
                "Strongswan",
                "Ubuntu 16.04",
                "Strongswan 5.5.1+",
            ),
        ]
    }

    #[test]
    fn by_id_or_exact_triple() {
        let ts = types();
        assert_eq!(
            resolve(&ts, &Wanted::Id("e6f3a2b8".into())).unwrap().vendor,
            "Strongswan"
        );
        let cisco = wanted(&Value::object([
            ("vendor", Value::string("Cisco Systems, Inc.")),
            ("platform", Value::string("ISR Series Routers")),
            ("software", Value::string("IOS 12.4+")),
        ]))
        .unwrap();
        assert_eq!(resolve(&ts, &cisco).unwrap().id, "7b2d4e61");
    }

    #[test]
    fn a_miss_names_what_is_offered() {
        let ts = types();
        let e = resolve(
            &ts,
            &Wanted::Triple {
                vendor: "Cisco Systems, Inc.".into(),
                platform: "ISR Series Routers".into(),
                software: "IOS 15".into(),
            },
        )
        .unwrap_err();
        assert!(
            e.contains("IOS 12.4+ (id 7b2d4e61)") && !e.contains("Strongswan"),
            "{e}"
        );
        let e = resolve(
            &ts,
            &Wanted::Triple {
                vendor: "Juniper".into(),
                platform: "SRX".into(),
                software: "JunOS".into(),
            },
        )
        .unwrap_err();
        assert!(e.contains("Cisco Systems, Inc.; Strongswan"), "{e}");
        assert!(wanted(&Value::Null).is_none());
        assert!(wanted(&Value::object([("vendor", Value::string("x"))])).is_none());
    }
}
