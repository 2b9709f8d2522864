//! Thin layers over the cloud APIs: finders, waiters, retries and error classification.

pub mod aws;
pub mod azure;
