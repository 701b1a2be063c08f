{%- set table = cookiecutter._platform.table -%}
# The products table. Its key attributes and indexes come from infra/platform.yaml; items carry
# more attributes than these, but DynamoDB only declares the ones used as keys.
resource "aws_dynamodb_table" "table" {
  name                        = "{{ cookiecutter._platform.names.table }}"
  billing_mode                = "{{ table.billing_mode }}"
  hash_key                    = "{{ table.hash_key.name }}"
{%- if table.range_key %}
  range_key                   = "{{ table.range_key.name }}"
{%- endif %}
  deletion_protection_enabled = true
{%- for attribute in table.attributes %}

  attribute {
    name = "{{ attribute.name }}"
    type = "{{ attribute.type }}"
  }
{%- endfor %}
{%- for index in table.global_secondary_indexes %}

  global_secondary_index {
    name            = "{{ index.name }}"
    hash_key        = "{{ index.hash_key.name }}"
{%- if index.range_key %}
    range_key       = "{{ index.range_key.name }}"
{%- endif %}
    projection_type = "ALL"
  }
{%- endfor %}

  point_in_time_recovery {
    enabled = {{ table.point_in_time_recovery | lower }}
  }

  # Encrypted with the table's own customer-managed key (kms.tf).
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.table.arn
  }
}
