//! EC2 (and STS) access for the resources.
