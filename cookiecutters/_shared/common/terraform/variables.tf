variable "environment" {
  description = "Deployment environment; selects environments/<environment>.tfvars."
  type        = string

  validation {
    condition     = contains([{% for env in cookiecutter._platform.env_names %}"{{ env }}"{{ ", " if not loop.last }}{% endfor %}], var.environment)
    error_message = "The environment must be one of {{ cookiecutter._platform.env_names | join(', ') }}."
  }
}

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
}

variable "aws_account_id" {
  description = "The only AWS account this configuration may touch (provider allowed_account_ids)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "The AWS account id must be 12 digits."
  }
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention for this environment, in days."
  type        = number
}
{% if repo_kind == "lambda" %}

variable "lambda_zip_path" {
  description = "Deployment package built by scripts/package_lambda.py, relative to this folder."
  type        = string
  default     = "../dist/lambda.zip"
}
{% endif %}
