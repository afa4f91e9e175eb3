terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.84.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "= 3.6.3"
    }
  }

  # Remote state: an S3 bucket with versioning and a DynamoDB lock table, given at init time:
  #   terraform init -backend-config=environments/dev.s3.tfbackend
  # (see README.md, "Remote state").
  backend "s3" {}
}
