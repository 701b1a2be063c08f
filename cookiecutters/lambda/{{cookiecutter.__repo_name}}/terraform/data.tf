# The infrastructure repository's state: the shared resources this function uses (REST API,
# table, queue, audit bucket). The state bucket is the environment's, the key is the
# infrastructure repository's own.
data "terraform_remote_state" "infrastructure" {
  backend = "s3"

  config = {
    bucket = "{{ cookiecutter._platform.state.bucket }}"
    key    = "{{ cookiecutter._platform.state.infrastructure_key }}"
    region = var.aws_region
  }
}
{%- set locals_map = cookiecutter._platform.lambdas.remote_state_locals %}
{%- set extra_map = cookiecutter._platform.deploy.extra_remote_state_locals %}
{%- set width = locals_map.keys() | map('length') | max %}
{%- set extra_width = extra_map.keys() | map('length') | max %}

locals {
{%- for name, output in locals_map.items() %}
  {{ name.ljust(width) }} = data.terraform_remote_state.infrastructure.outputs.{{ output }}
{%- endfor %}
}

# The fan-out and the stage: the events topic the API Lambdas publish to, the audit queue, and
# the stage every API Lambda repository redeploys.
locals {
{%- for name, output in extra_map.items() %}
  {{ name.ljust(extra_width) }} = data.terraform_remote_state.infrastructure.outputs.{{ output }}
{%- endfor %}
}
