# The terraform reader (whoami.py): the hashicorp/aws provider resolves the
# credentials itself (aws-sdk-go-v2 underneath) and reads aws_caller_identity.
# Only STS is called, on the loopback endpoint; no instance metadata.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "sts_endpoint" {
  type = string
}

# null: the provider's own chain decides (AWS_PROFILE, env keys, ...).
variable "profile" {
  type    = string
  default = null
}

# null: the provider's own chain decides (AWS_REGION, the profile's region).
variable "region" {
  type    = string
  default = null
}

provider "aws" {
  profile                    = var.profile
  region                     = var.region
  skip_metadata_api_check    = true
  skip_requesting_account_id = true
  endpoints {
    sts = var.sts_endpoint
  }
}

data "aws_caller_identity" "me" {}
