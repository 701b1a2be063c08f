{% set repo = cookiecutter.__repo_name if repo_kind == "lambda" else cookiecutter.repo_name %}
# S3 state with DynamoDB locking. The bucket, region and lock table differ per environment and
# come from environments/<env>.backend.hcl:
#   terraform init -backend-config=environments/<env>.backend.hcl
terraform {
  backend "s3" {
    key     = "{{ cookiecutter._platform.state.key_pattern.replace('{repo}', repo) }}"
    encrypt = true
  }
}
