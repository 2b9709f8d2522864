//! Route reachability of a link, written once for every link resource (and any set of
//! links: one read of many VPCs serves them all): `verdict` is the pure analysis (route
//! tables, subnets and the link as plain data in, one verdict per subnet and remote prefix
//! out), `read` fetches its inputs in few batched calls, `attribute` is how a resource
//! shows it (the computed `reachability`, `check_reachability`, the plan's diagnostic).

pub mod attribute;
pub mod read;
pub mod verdict;

pub use attribute::{Check, CHECK_REACHABILITY, DEFAULT_CHECK, REACHABILITY};
pub use read::{aws_verdicts, read_aws, read_azure_tables, AwsNetworks};
pub use verdict::{AwsLink, AzureLink, Side, Verdict};
