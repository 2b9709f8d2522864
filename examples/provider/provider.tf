terraform {
  required_providers {
    cloudlink = {
      source = "cloudlink/cloudlink"
    }
  }
}

# The default AWS account uses the standard AWS chain (environment, profile, SSO, instance
# role); `region` pins the region. A named account assumes a role in another account, e.g.
# for the accepter side of a cross-account VPC peering. Azure falls back to the ARM_*
# environment variables like the azurerm provider. No credential is looked up until a
# resource needs it.
provider "cloudlink" {
  aws {
    region = "eu-west-1"
  }

  aws_account "network" {
    region          = "us-east-1"
    assume_role_arn = "arn:aws:iam::222222222222:role/peering-accepter"
  }

  azure {
    subscription_id = "00000000-0000-0000-0000-000000000000"
  }
}
