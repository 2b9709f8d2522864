//! The AWS half of a site-to-site IPsec VPN, written once for every resource that builds
//! one: customer gateways, the virtual private gateway (or a transit gateway), the VPN
//! connections with their two tunnels, static routes or BGP, and the VPC route tables.
//! `cloudlink_cross_cloud_vpn` runs it with the Azure gateway as the peer; a resource whose
//! peer is any IPsec device (`cloudlink_site_vpn`, issue 13) runs the same code with the
//! device's IP. Nothing here knows the peer's cloud: what the steps need from the peer (its
//! public IPs, its prefixes) the resource's run hands them through [`run::AwsVpnRun`].
//!
//! - `side`: what to build ([`side::AwsSide`]) and the tag components of its objects;
//! - `checkpoint`: the AWS ids and tunnel facts learnt so far ([`checkpoint::AwsCheckpoint`]);
//! - `run`: the AWS run context a resource embeds ([`run::AwsRun`]) and the trait its run
//!   implements so the shared steps can run on it ([`run::AwsVpnRun`]);
//! - `branch`: the converging steps as one graph (what waits for what), which a resource
//!   adds to its own;
//! - `steps`: the converging steps (create, adopt, repair, update) and the route pruning;
//! - `psk`: pre-shared keys on AWS tunnels (initial key, configured key, rotation);
//! - `delete`: the delete steps;
//! - `route_tables`: whether the VPC route tables reach the peer (read, import);
//! - `read`: which recorded objects still exist and are this state's, and their tag drift;
//! - `status`: the tunnels as AWS sees them (outside IPs, telemetry) and where the AWS side
//!   disagrees with the peer;
//! - `import`: finding an existing VPN's AWS objects by their ownership tags.

pub mod branch;
pub mod checkpoint;
pub mod delete;
pub mod import;
pub mod plan_reads;
pub mod psk;
pub mod read;
pub mod route_tables;
pub mod run;
pub mod side;
pub mod status;
pub mod steps;
