//! Azure Resource Manager network access for the resources: a lazily built client, error
//! classification, our own long-running-operation poller, and one file per ARM object with
//! `find_*` / `status_*` / `wait_*` / `create_or_update_*` / `delete_*` returning small
//! plain structs (never SDK types). Resource code reads like a recipe calling these.
//!
//! Every call goes through [`crate::cloud::retry::with_retry`] (ARM 429,
//! `AnotherOperationInProgress`, 5xx, I/O) with a cancellation token; every waiter takes a
//! [`crate::cloud::wait::WaitConfig`].

pub mod client;
pub mod connection;
pub mod convert;
pub mod credentials;
pub mod errors;
pub mod gateway;
pub mod gateway_queue;
pub mod gateway_subnet;
pub mod local_gateway;
pub mod locations;
pub mod lro;
pub mod pkcs12;
pub mod public_ip;
pub mod raw;
pub mod settings;
pub mod tags;
pub mod virtual_network;
pub mod waiters;

pub use client::{Azure, Network};
pub use settings::AzureSettings;

/// The SDK's api-version module (the crate's `default_tag` re-export is off with
/// `default-features = false`).
pub(crate) use azure_mgmt_network::package_2024_03 as sdk;
