//! Azure Resource Manager network access for the resources: a lazily built handle
//! (`handle`), one raw request path (`client`), error classification, our own
//! long-running-operation poller (`lro`), the generic ARM object layer (`object`: find,
//! put-and-wait, delete-and-wait, the state waiters, with each kind's states as data from
//! `states`), and one file per ARM object kind with `find_*` / `create_or_update_*` /
//! `delete_*` returning small plain structs (never SDK types). Resource code reads like a
//! recipe calling these.
//!
//! Every request goes through `Network::raw`, i.e. [`crate::cloud::retry::with_retry`] (ARM
//! 429 with its `Retry-After`, 5xx, I/O) with a cancellation token, and never logs a body;
//! every waiter takes a [`crate::cloud::wait::WaitConfig`].

pub mod client;
pub mod connection;
pub mod convert;
pub mod credentials;
pub mod errors;
pub mod gateway;
pub mod gateway_queue;
pub mod gateway_subnet;
pub mod handle;
pub mod local_gateway;
pub mod locations;
pub mod lro;
pub mod object;
pub mod pkcs12;
pub mod public_ip;
pub mod raw;
pub mod route_table;
pub mod settings;
pub mod states;
pub mod tags;
pub mod virtual_network;

pub use client::Network;
pub use handle::Azure;
pub use settings::AzureSettings;

/// The SDK's api-version module (the crate's `default_tag` re-export is off with
/// `default-features = false`).
pub(crate) use azure_mgmt_network::package_2024_03 as sdk;
