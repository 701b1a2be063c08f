{%- set p = cookiecutter._platform -%}
# The account bootstrap: what a fresh env account needs before anything else is deployed into it,
# applied once per env account by a person with administrator credentials (README.md, "First
# deploy into a new account"). It creates the Terraform state bucket and lock table every
# repository's backend uses, the account's GitHub OIDC provider, one deploy role per repository
# for the deploy workflows, and API Gateway's CloudWatch Logs role (an account setting the REST
# API stage's access log needs).
#
# It reads the same per-env settings as terraform/: -var-file=../terraform/environments/<env>.tfvars
# and -backend-config=../terraform/environments/<env>.backend.hcl; its own state key is in backend.tf.
terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project     = "{{ p.project }}"
      Environment = var.environment
      Repository  = "{{ cookiecutter.repo_name }}"
      ManagedBy   = "terraform"
    }
  }
}

data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # ARN prefixes of the env's account and region, by service.
  arn = {
    apigateway = "arn:${local.partition}:apigateway:${var.aws_region}:"
    cloudwatch = "arn:${local.partition}:cloudwatch:${var.aws_region}:${var.aws_account_id}"
    dynamodb   = "arn:${local.partition}:dynamodb:${var.aws_region}:${var.aws_account_id}"
    iam        = "arn:${local.partition}:iam::${var.aws_account_id}"
    kms        = "arn:${local.partition}:kms:${var.aws_region}:${var.aws_account_id}"
    lambda     = "arn:${local.partition}:lambda:${var.aws_region}:${var.aws_account_id}"
    logs       = "arn:${local.partition}:logs:${var.aws_region}:${var.aws_account_id}"
    s3         = "arn:${local.partition}:s3:::"
    sns        = "arn:${local.partition}:sns:${var.aws_region}:${var.aws_account_id}"
    sqs        = "arn:${local.partition}:sqs:${var.aws_region}:${var.aws_account_id}"
  }
  account_root_arn = "${local.arn.iam}:root"
}
