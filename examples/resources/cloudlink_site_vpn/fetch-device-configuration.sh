# Write the device configuration to a file (it holds the pre-shared keys: keep it private).
terraform output -raw office_router_config > office-hq-isr.cfg
chmod 600 office-hq-isr.cfg
