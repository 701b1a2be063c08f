{%- set alarm = cookiecutter._platform.dlq_alarm -%}
# Alarms. A message in the dead-letter queue means a product change was not processed: alert
# the topic when it arrives and again when the queue is empty.
resource "aws_cloudwatch_metric_alarm" "dlq_alarm" {
  alarm_name          = "{{ cookiecutter._platform.names.dlq_alarm }}"
  alarm_description   = "Messages are waiting in the dead-letter queue {{ cookiecutter._platform.names.dead_letter }}"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = {{ alarm.period_seconds }}
  evaluation_periods  = 1
  threshold           = {{ alarm.threshold }}
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alert_topic.arn]
  ok_actions          = [aws_sns_topic.alert_topic.arn]

  dimensions = {
    QueueName = aws_sqs_queue.dead_letter.name
  }
}

# The REST API stage's access log (api_gateway.tf): one JSON line per request, encrypted with the
# log groups' key (kms.tf), kept as long as the env's other logs.
resource "aws_cloudwatch_log_group" "api_access" {
  name              = local.api_access_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.lambda_logs.arn
}
