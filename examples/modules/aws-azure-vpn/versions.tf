terraform {
  required_version = ">= 1.11"

  required_providers {
    cloudlink = {
      source  = "cloudlink/cloudlink"
      version = ">= 0.1.0"
    }
  }
}
