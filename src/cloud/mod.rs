//! Thin layers over the cloud APIs: finders, waiters, retries and error classification.
//! Resources call these; nothing here knows about Terraform.

pub mod aws;
pub mod azure;
pub mod batch;
pub mod error;
pub mod listing;
pub mod read_once;
pub mod retry;
pub mod wait;

pub use error::{CloudError, ErrorKind, Result};
