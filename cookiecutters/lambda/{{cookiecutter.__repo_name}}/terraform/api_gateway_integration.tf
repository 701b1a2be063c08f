{%- set platform = cookiecutter._platform %}
{%- set method = cookiecutter.http_method | upper %}
{%- set ns = namespace(parameters=[]) %}
{%- for local_name, output in platform.lambdas.remote_state_locals.items() %}
{%- if platform.outputs[output] == 'rest_api.id' %}{% set ns.api_id = local_name %}{% endif %}
{%- if platform.outputs[output] == 'rest_api.execution_arn' %}{% set ns.execution_arn = local_name %}{% endif %}
{%- endfor %}
{%- for segment in cookiecutter.path.split('/') %}
{%- if segment.startswith('{') and segment.endswith('}') %}
{%- set ns.parameters = ns.parameters + ['"method.request.path.' ~ segment[1:-1] ~ '"'] %}
{%- endif %}
{%- endfor %}
{%- for local_name, output in platform.deploy.extra_remote_state_locals.items() %}
{%- if platform.deploy.extra_outputs[output] == 'api_stage.stage_name' %}{% set ns.stage_name = local_name %}{% endif %}
{%- endfor %}
{#- How the method is authorised: the spec's entry for this function, else the spec's default by method. #}
{%- set function = platform.functions | selectattr('name', 'equalto', cookiecutter.lambda_name) | first | default(none) %}
{%- set authorization = (function.authorization if function and function.authorization else platform.deploy.api_authorization.get(method, 'AWS_IAM')) %}
{%- set width = (ns.parameters | map('length') | max) if ns.parameters else 0 -%}
# {{ method }} {{ cookiecutter.path }} -> this function (Lambda proxy integration).
#
# The infrastructure repository owns the REST API, a resource for every path of the platform spec
# and the stage; this repository owns its method on that resource, the integration, the
# permission for API Gateway to invoke the function, and a deployment that republishes the stage
# whenever the method or the integration changes.
data "aws_api_gateway_resource" "this" {
  rest_api_id = local.{{ ns.api_id }}
  path        = "{{ cookiecutter.path }}"
}

{% if authorization == 'NONE' -%}
# Public by the platform spec (lambdas.authorization): anyone may read the catalogue; the stage
# throttles every method.
{% else -%}
# {{ authorization }} by the platform spec (lambdas.authorization): only requests signed by an IAM
# principal allowed execute-api:Invoke on this method reach the function.
{% endif -%}
resource "aws_api_gateway_method" "this" {
{%- if authorization == 'NONE' %}
  #checkov:skip=CKV_AWS_59:Catalogue reads are public by the platform spec (lambdas.authorization); writes need IAM-signed requests
{%- endif %}
  #checkov:skip=CKV2_AWS_53:The handler validates every request against its pydantic models and answers 400; an API Gateway model would duplicate them
  rest_api_id   = local.{{ ns.api_id }}
  resource_id   = data.aws_api_gateway_resource.this.id
  http_method   = "{{ method }}"
  authorization = "{{ authorization }}"
{%- if ns.parameters %}

  request_parameters = {
{%- for parameter in ns.parameters %}
    {{ parameter.ljust(width) }} = true
{%- endfor %}
  }
{%- endif %}
}

resource "aws_api_gateway_integration" "this" {
  rest_api_id             = local.{{ ns.api_id }}
  resource_id             = data.aws_api_gateway_resource.this.id
  http_method             = aws_api_gateway_method.this.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.this.invoke_arn
}

resource "aws_lambda_permission" "api_gateway" {
  statement_id  = "AllowInvokeFromApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.{{ ns.execution_arn }}}/*/{{ method }}{{ cookiecutter.path }}"
}

# Republishes the stage (owned by the infrastructure repository) with this repository's method in
# it. A deployment is a snapshot of the whole API as it is when it is created, and `stage_name`
# points the existing stage at it in the same call (only its deployment changes: the stage's
# logging and throttling stay). Every API Lambda repository does the same after creating its own
# method, so whichever deployment comes last holds every method created before it: repositories
# applying at once cannot leave the stage without one of them (API Gateway applies changes to one
# API one at a time; the provider retries its "concurrent modification" answers).
#
# `triggers` replaces the deployment when the method or the integration changes, and
# create_before_destroy makes the replacement (which moves the stage) before the old one is
# deleted, so the old one is never the stage's deployment when it goes: no "Active stages
# pointing to this deployment" failure. A code change needs no redeploy (the integration invokes
# the function by name). `stage_name` is deprecated by the AWS provider in favour of
# aws_api_gateway_stage, which only one repository may own (the infrastructure repository does).
resource "aws_api_gateway_deployment" "this" {
  rest_api_id = local.{{ ns.api_id }}
  stage_name  = local.{{ ns.stage_name }}
  description = "{{ method }} {{ cookiecutter.path }} -> {{ cookiecutter.__function_name }}"

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_method.this.id,
      aws_api_gateway_method.this.authorization,
      # API Gateway answers {} for no parameters, where the configuration says null.
      coalesce(aws_api_gateway_method.this.request_parameters, {}),
      aws_api_gateway_integration.this.id,
      aws_api_gateway_integration.this.type,
      aws_api_gateway_integration.this.uri,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}
