//! Azure Resource Manager network access for the resources.
