{%- set d = cookiecutter._platform.deploy -%}
# API Gateway writes a stage's access log (terraform/api_gateway.tf) only once the account names a
# role it may write logs with: an account setting per region, so it is set up here, once.
data "aws_iam_policy_document" "apigateway_assume_role" {
  statement {
    sid     = "ApiGatewayAssumesTheRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.aws_account_id]
    }
  }
}

resource "aws_iam_role" "apigateway_logs" {
  name               = "{{ d.names.apigateway_logs_role }}"
  description        = "API Gateway writes the REST API stages' logs with this role"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume_role.json
}

# What the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs grants, limited to this account and region.
data "aws_iam_policy_document" "apigateway_logs" {
  statement {
    sid = "WriteStageLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:FilterLogEvents",
      "logs:GetLogEvents",
      "logs:PutLogEvents",
    ]
    resources = ["${local.arn.logs}:log-group:*"]
  }
}

resource "aws_iam_role_policy" "apigateway_logs" {
  name   = "{{ d.names.apigateway_logs_role }}"
  role   = aws_iam_role.apigateway_logs.id
  policy = data.aws_iam_policy_document.apigateway_logs.json
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.apigateway_logs.arn

  depends_on = [aws_iam_role_policy.apigateway_logs]
}
