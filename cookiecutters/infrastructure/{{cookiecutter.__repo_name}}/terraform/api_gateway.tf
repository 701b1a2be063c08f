{#- Every distinct prefix of the API paths becomes one resource, parents before children. -#}
{%- set ns = namespace(paths=[]) %}
{%- for path in cookiecutter._platform.api_paths %}
{%- set parts = path.strip("/").split("/") %}
{%- for depth in range(1, parts | length + 1) %}
{%- set prefix = "/" ~ parts[:depth] | join("/") %}
{%- if prefix not in ns.paths %}{% set ns.paths = ns.paths + [prefix] %}{% endif %}
{%- endfor %}
{%- endfor %}
{#- The Terraform label of a path: /products/{id} -> products_by_id. -#}
{%- macro label(path) -%}
{%- set ns_label = namespace(parts=[]) -%}
{%- for part in path.strip("/").split("/") -%}
{%- if part.startswith("{") -%}
{%- set ns_label.parts = ns_label.parts + ["by_" ~ part.strip("{}")] -%}
{%- else -%}
{%- set ns_label.parts = ns_label.parts + [part | lower | replace("-", "_") | replace(".", "_")] -%}
{%- endif -%}
{%- endfor -%}
{%- set joined = ns_label.parts | join("_") -%}
{{ "path_" ~ joined if joined[0] in "0123456789" else joined }}
{%- endmacro -%}
# The REST API, its resource tree and its stage. Each API Lambda repository looks its resource
# up by path (data "aws_api_gateway_resource"), adds its own method and integration, and then
# redeploys the stage (its own aws_api_gateway_deployment with stage_name): the stage below is
# this repository's, the deployments it serves are the Lambda repositories'.
resource "aws_api_gateway_rest_api" "rest_api" {
  name        = "{{ cookiecutter._platform.names.rest_api }}"
  description = "Serves {{ ns.paths | join(', ') }}; methods are added by the Lambda repositories"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  # A replacement API exists before the old one goes, so the API is never missing.
  lifecycle {
    create_before_destroy = true
  }
}
{%- for path in ns.paths | sort %}
{%- set parent = path.rsplit("/", 1)[0] %}

# {{ path }}
resource "aws_api_gateway_resource" "{{ label(path) }}" {
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
{%- if parent %}
  parent_id   = aws_api_gateway_resource.{{ label(parent) }}.id
{%- else %}
  parent_id   = aws_api_gateway_rest_api.rest_api.root_resource_id
{%- endif %}
  path_part   = "{{ path.rsplit('/', 1)[1] }}"
}
{%- endfor %}

{%- set d = cookiecutter._platform.deploy %}
{%- set stage = d.api_stage %}

# GET / answers with the API's paths from a MOCK integration, no function behind it. It is this
# repository's own method, so that the stage can be created (a deployment needs a method) before
# any Lambda repository has added one.
resource "aws_api_gateway_method" "root" {
  #checkov:skip=CKV2_AWS_53:GET / takes no request body or parameters; its MOCK integration answers the same to every request
{%- if d.api_authorization.get("GET", "AWS_IAM") == "NONE" %}
  #checkov:skip=CKV_AWS_59:Reads are public by the platform spec (lambdas.authorization); this one lists the API's paths, from no backend
{%- endif %}
  rest_api_id   = aws_api_gateway_rest_api.rest_api.id
  resource_id   = aws_api_gateway_rest_api.rest_api.root_resource_id
  http_method   = "GET"
  authorization = "{{ d.api_authorization.get("GET", "AWS_IAM") }}"
}

resource "aws_api_gateway_integration" "root" {
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  resource_id = aws_api_gateway_rest_api.rest_api.root_resource_id
  http_method = aws_api_gateway_method.root.http_method
  type        = "MOCK"

  request_templates = {
    "application/json" = jsonencode({ statusCode = 200 })
  }
}

resource "aws_api_gateway_method_response" "root" {
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  resource_id = aws_api_gateway_rest_api.rest_api.root_resource_id
  http_method = aws_api_gateway_method.root.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "root" {
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  resource_id = aws_api_gateway_rest_api.rest_api.root_resource_id
  http_method = aws_api_gateway_method.root.http_method
  status_code = aws_api_gateway_method_response.root.status_code

  response_templates = {
    "application/json" = jsonencode({ paths = {{ ns.paths | sort | tojson }} })
  }

  depends_on = [aws_api_gateway_integration.root]
}

# The stage's first deployment: a stage cannot exist without one. It is never replaced (no
# triggers): from then on each API Lambda repository redeploys the stage whenever it adds or
# changes its method, and each of those deployments serves every method that exists by then.
resource "aws_api_gateway_deployment" "initial" {
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  description = "The stage's first deployment, before any Lambda repository's method"

  depends_on = [aws_api_gateway_integration.root, aws_api_gateway_integration_response.root]

  lifecycle {
    create_before_destroy = true
  }
}

# One stage per env, named after it. The Lambda repositories point it at their newest
# deployment, so Terraform here never moves it back (deployment_id is ignored after creation).
resource "aws_api_gateway_stage" "stage" {
  #checkov:skip=CKV_AWS_120:No cache: every read must see the table as it is, and a cache cluster is billed by the hour
  #checkov:skip=CKV2_AWS_29:A WAF web ACL per env is outside the platform spec; the stage throttles every method (below) and writes need IAM-signed requests
  #checkov:skip=CKV2_AWS_51:Clients are not issued certificates; the integrations call Lambda, which needs no client certificate
  #checkov:skip=CKV2_AWS_4:Execution logs would go to a log group API Gateway creates itself, unencrypted and kept forever; the access log below records every request
  rest_api_id          = aws_api_gateway_rest_api.rest_api.id
  stage_name           = var.environment
  deployment_id        = aws_api_gateway_deployment.initial.id
  description          = "Stage ${var.environment} of {{ cookiecutter._platform.names.rest_api }}, redeployed by the API Lambda repositories"
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      requestTime    = "$context.requestTime"
      httpMethod     = "$context.httpMethod"
      resourcePath   = "$context.resourcePath"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      sourceIp       = "$context.identity.sourceIp"
      caller         = "$context.identity.caller"
      userArn        = "$context.identity.userArn"
      errorMessage   = "$context.error.message"
      latencyMs      = "$context.responseLatency"
    })
  }

  lifecycle {
    ignore_changes = [deployment_id]
  }
}

# Throttling and metrics for every method of the stage.
resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:No cache: every read must see the table as it is, and a cache cluster is billed by the hour
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  stage_name  = aws_api_gateway_stage.stage.stage_name
  method_path = "*/*"

  settings {
    throttling_burst_limit = {{ stage.throttling_burst_limit }}
    throttling_rate_limit  = {{ stage.throttling_rate_limit }}
    metrics_enabled        = true
  }
}
