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
{%- set width = (ns.parameters | map('length') | max) if ns.parameters else 0 -%}
# {{ method }} {{ cookiecutter.path }} -> this function (Lambda proxy integration).
#
# The infrastructure repository owns the REST API and creates a resource for every path of the
# platform spec; this repository owns only its method on that resource, the integration and
# the permission for API Gateway to invoke the function.
data "aws_api_gateway_resource" "this" {
  rest_api_id = local.{{ ns.api_id }}
  path        = "{{ cookiecutter.path }}"
}

# Authorization NONE for now: the product API is public while authentication is designed
# (stage 2). Switch to AWS_IAM or a Cognito/Lambda authorizer here when it is.
resource "aws_api_gateway_method" "this" {
  #checkov:skip=CKV_AWS_59:The product API is public until authentication is designed (stage 2), see above
  #checkov:skip=CKV2_AWS_53:The handler validates every request against its pydantic models and answers 400; an API Gateway model would duplicate them
  rest_api_id   = local.{{ ns.api_id }}
  resource_id   = data.aws_api_gateway_resource.this.id
  http_method   = "{{ method }}"
  authorization = "NONE"
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
