{% set repo = cookiecutter.__repo_name if repo_kind == "lambda" else cookiecutter.repo_name %}
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
      Project     = "{{ cookiecutter._platform.project }}"
      Environment = var.environment
      Repository  = "{{ repo }}"
      ManagedBy   = "terraform"
    }
  }
}
