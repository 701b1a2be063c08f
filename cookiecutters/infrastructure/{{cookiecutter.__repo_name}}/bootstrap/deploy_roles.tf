{%- set p = cookiecutter._platform -%}
{%- set d = p.deploy -%}
{%- set b = d.bootstrap -%}
{%- set hcl_env = "${var.environment}" -%}
# One deploy role per repository in this env: the role its deploy workflow assumes. Each trusts
# only that repository's jobs running in the env's GitHub environment (the OIDC subject
# repo:<org>/<repo>:environment:<env>, audience sts.amazonaws.com), and may change only what
# that repository manages, found by the names the platform spec gives it, plus its own state.
#
# Where AWS takes no narrower resource, an action is granted on "*" (each said below): listing log
# groups and KMS aliases, creating a KMS key (then usable only while tagged with the repository),
# and the event source mappings (only for the repository's own function). API Gateway names REST
# APIs by generated ids, so the API permissions reach every REST API of the env's region, by verb.

locals {
  # The GitHub environment the env's deploy jobs run in: their OIDC subject names it.
  github_environment = {
{%- set width = b.github_environments.keys() | map('length') | max %}
{%- for env, github_environment in b.github_environments.items() %}
    {{ env.ljust(width) }} = "{{ github_environment }}"
{%- endfor %}
  }[var.environment]

  infrastructure_repo = "{{ cookiecutter.repo_name }}"
  # Each Lambda repository: its function, its execution role (owned by terraform/) and its API method.
  lambda_repos = {
{%- for f in p.functions %}
    "{{ f.repo }}" = {
      function    = "{{ f.function_name }}"
      role        = "{{ f.role_name }}"
      http_method = {{ ('"' ~ f.http_method ~ '"') if f.http_method else "null" }}
    }
{%- endfor %}
  }
  repos = concat([local.infrastructure_repo], keys(local.lambda_repos))
}

data "aws_iam_policy_document" "deploy_trust" {
  for_each = toset(local.repos)

  statement {
    sid     = "DeployJobsOfTheRepositoryInThisEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:{{ p.github.organisation }}/${each.key}:environment:${local.github_environment}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = toset(local.repos)

  name                 = "{{ b.repo_deploy_role | replace('{repo}', '${each.key}') }}"
  description          = "Deploys ${each.key} to ${var.environment} from its GitHub workflow (OIDC)"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust[each.key].json
  max_session_duration = 3600
}

# -- every repository: its own state -------------------------------------------------------------

data "aws_iam_policy_document" "deploy_state" {
  for_each = toset(local.repos)

  statement {
    sid       = "ListTheStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ReadAndWriteItsOwnState"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.state.arn}/{{ p.state.key_pattern | replace('{repo}', '${each.key}') }}"]
  }

  # The Lambda repositories read the infrastructure outputs (terraform_remote_state).
  dynamic "statement" {
    for_each = each.key == local.infrastructure_repo ? [] : [each.key]

    content {
      sid       = "ReadTheInfrastructureState"
      actions   = ["s3:GetObject"]
      resources = ["${aws_s3_bucket.state.arn}/{{ p.state.infrastructure_key }}"]
    }
  }

  # Only its own state's lock and digest items.
  statement {
    sid       = "LockItsOwnState"
    actions   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.lock.arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values = [
        "${aws_s3_bucket.state.bucket}/{{ p.state.key_pattern | replace('{repo}', '${each.key}') }}",
        "${aws_s3_bucket.state.bucket}/{{ p.state.key_pattern | replace('{repo}', '${each.key}') }}-md5",
      ]
    }
  }

  statement {
    sid       = "UseTheStateKeyThroughS3AndDynamoDB"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com", "dynamodb.${var.aws_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "deploy_state" {
  for_each = toset(local.repos)

  name   = "terraform-state"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy_state[each.key].json
}

# -- the infrastructure repository: the shared resources ------------------------------------------

data "aws_iam_policy_document" "deploy_infrastructure" {
  #checkov:skip=CKV_AWS_356:kms:CreateKey and the List calls take no resource-level permission; each such grant is said below
  #checkov:skip=CKV_AWS_111:kms:CreateKey takes no resource; the keys it creates are usable only while tagged with the repository
  #checkov:skip=CKV_AWS_109:Permissions management is limited to the repository's own roles, by name, and its own keys, by tag
  statement {
    sid       = "ManageTheTable"
    actions   = ["dynamodb:*"]
    resources = ["${local.arn.dynamodb}:table/{{ p.names.table }}", "${local.arn.dynamodb}:table/{{ p.names.table }}/*"]
  }

  statement {
    sid     = "ManageTheQueues"
    actions = ["sqs:*"]
    resources = [
{%- for name in [p.names.queue, p.names.dead_letter, d.names.audit_queue, d.names.audit_dead_letter] %}
      "${local.arn.sqs}:{{ name }}",
{%- endfor %}
    ]
  }

  # The topics and their subscriptions (<topic ARN>:<id>).
  statement {
    sid     = "ManageTheTopics"
    actions = ["sns:*"]
    resources = [
{%- for name in [p.names.alert_topic, d.names.events_topic] %}
      "${local.arn.sns}:{{ name }}",
      "${local.arn.sns}:{{ name }}:*",
{%- endfor %}
    ]
  }

  # The bucket and its settings; no object in it.
  statement {
    sid       = "ManageTheAuditBucket"
    actions   = ["s3:*"]
    resources = ["${local.arn.s3}{{ p.names.audit_bucket }}"]
  }

  statement {
    sid       = "ManageTheAlarm"
    actions   = ["cloudwatch:*"]
    resources = ["${local.arn.cloudwatch}:alarm:{{ p.names.dlq_alarm }}"]
  }

  statement {
    sid       = "ManageTheAccessLog"
    actions   = ["logs:*"]
    resources = ["${local.arn.logs}:log-group:{{ d.names.api_access_log_group }}", "${local.arn.logs}:log-group:{{ d.names.api_access_log_group }}:*"]
  }

  # DescribeLogGroups takes no resource-level permission.
  statement {
    sid       = "ListLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }

  # The Lambdas' execution roles and the drift check's role, by name: never a deploy role.
  statement {
    sid = "ManageItsRoles"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [
{%- for f in p.functions %}
      "${local.arn.iam}:role/{{ f.role_name }}",
{%- endfor %}
      "${local.arn.iam}:role/{{ p.conformance.role_name }}",
    ]
  }

  # REST APIs are named by generated ids: every REST API of the region, and their tags.
  statement {
    sid       = "ManageTheRestApi"
    actions   = ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"]
    resources = ["${local.arn.apigateway}:/restapis", "${local.arn.apigateway}:/restapis/*", "${local.arn.apigateway}:/tags/*"]
  }

  # CreateKey takes no resource: only with the repository's tag (the provider's default tags).
  statement {
    sid       = "CreateKeys"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Repository"
      values   = [local.infrastructure_repo]
    }
  }

  statement {
    sid       = "ManageItsKeys"
    actions   = ["kms:*"]
    resources = ["${local.arn.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Repository"
      values   = [local.infrastructure_repo]
    }
  }

  statement {
    sid     = "ManageItsKeyAliases"
    actions = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = [
{%- for name in [p.names.table, p.names.audit_bucket, p.names.alert_topic, p.names.lambda_logs_key, d.names.events_topic] %}
      "${local.arn.kms}:alias/{{ name }}",
{%- endfor %}
    ]
  }

  # ListAliases takes no resource-level permission.
  statement {
    sid       = "ListKeyAliases"
    actions   = ["kms:ListAliases"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "deploy_infrastructure" {
  name   = "resources"
  role   = aws_iam_role.deploy[local.infrastructure_repo].id
  policy = data.aws_iam_policy_document.deploy_infrastructure.json
}

# -- each Lambda repository: its function, log group, trigger -------------------------------------

data "aws_iam_policy_document" "deploy_lambda" {
  for_each = local.lambda_repos

  #checkov:skip=CKV_AWS_356:ListAliases, DescribeLogGroups and the event source mapping calls take no narrower resource; each is said below
  #checkov:skip=CKV_AWS_111:The event source mapping writes are limited to the repository's own function by lambda:FunctionArn
  statement {
    sid       = "ManageItsFunction"
    actions   = ["lambda:*"]
    resources = ["${local.arn.lambda}:function:${each.value.function}", "${local.arn.lambda}:function:${each.value.function}:*"]
  }

  # Its execution role is the infrastructure repository's: read it, and hand it to Lambda only.
  statement {
    sid       = "ReadItsExecutionRole"
    actions   = ["iam:GetRole"]
    resources = ["${local.arn.iam}:role/${each.value.role}"]
  }

  statement {
    sid       = "PassItsExecutionRoleToLambda"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn.iam}:role/${each.value.role}"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  statement {
    sid       = "ManageItsLogGroup"
    actions   = ["logs:*"]
    resources = ["${local.arn.logs}:log-group:/aws/lambda/${each.value.function}", "${local.arn.logs}:log-group:/aws/lambda/${each.value.function}:*"]
  }

  # DescribeLogGroups and ListAliases take no resource-level permission; the log groups' key is
  # found by its alias.
  statement {
    sid       = "ListLogGroupsAndKeyAliases"
    actions   = ["kms:ListAliases", "logs:DescribeLogGroups"]
    resources = ["*"]
  }

  statement {
    sid       = "DescribeTheLogGroupsKey"
    actions   = ["kms:DescribeKey"]
    resources = ["${local.arn.kms}:key/*"]
  }

  dynamic "statement" {
    for_each = each.value.http_method == null ? [] : [each.value.http_method]

    content {
      sid     = "ManageItsApiMethod"
      actions = ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:PUT"]
      resources = [
        "${local.arn.apigateway}:/restapis/*/resources/*/methods/${statement.value}",
        "${local.arn.apigateway}:/restapis/*/resources/*/methods/${statement.value}/*",
      ]
    }
  }

  dynamic "statement" {
    for_each = each.value.http_method == null ? [] : [each.value.http_method]

    content {
      sid       = "FindItsResourceAndRedeployTheStage"
      actions   = ["apigateway:DELETE", "apigateway:GET", "apigateway:POST"]
      resources = ["${local.arn.apigateway}:/restapis/*/resources", "${local.arn.apigateway}:/restapis/*/resources/*", "${local.arn.apigateway}:/restapis/*/deployments", "${local.arn.apigateway}:/restapis/*/deployments/*"]
    }
  }

  # The provider reads the stage before deleting a deployment; the stage itself is the
  # infrastructure repository's, so it may be read here, never changed or deleted.
  dynamic "statement" {
    for_each = each.value.http_method == null ? [] : [each.value.http_method]

    content {
      sid       = "ReadTheStage"
      actions   = ["apigateway:GET"]
      resources = ["${local.arn.apigateway}:/restapis/*/stages/*"]
    }
  }

  # Event source mappings are named by generated ids: the writes only for its own function.
  dynamic "statement" {
    for_each = each.value.http_method == null ? [each.key] : []

    content {
      sid       = "ManageItsEventSourceMapping"
      actions   = ["lambda:CreateEventSourceMapping", "lambda:DeleteEventSourceMapping", "lambda:UpdateEventSourceMapping"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "lambda:FunctionArn"
        values   = ["${local.arn.lambda}:function:${each.value.function}"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.http_method == null ? [each.key] : []

    content {
      sid       = "ReadEventSourceMappings"
      actions   = ["lambda:GetEventSourceMapping", "lambda:ListEventSourceMappings"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "deploy_lambda" {
  for_each = local.lambda_repos

  name   = "resources"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy_lambda[each.key].json
}
