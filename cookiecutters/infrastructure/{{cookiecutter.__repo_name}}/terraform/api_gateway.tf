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
# The REST API and its resource tree. Methods and integrations belong to the Lambda
# repositories: each looks its resource up by path (data "aws_api_gateway_resource") and adds
# its own method, so this repository only shapes the API.
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
