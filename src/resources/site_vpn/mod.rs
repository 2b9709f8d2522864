//! `cloudlink_site_vpn`: an AWS site-to-site VPN to any IPsec device (an office router, a
//! firewall, another cloud), with the device's configuration and tunnel health logs. So far
//! the schema and its offline validation; the phases (plan, apply, read, delete, import) reuse
//! the AWS steps of `cloudlink_cross_cloud_vpn` once those are shared, and only then is the
//! resource registered (a registered resource that cannot apply would be a stub).

pub mod device;
pub mod names;
pub mod schema;
pub mod validate;
