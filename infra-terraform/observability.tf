# Alarms on what needs a person: a message in a dead-letter queue, a failed saga, a function error,
# an API 5xx (a 5xx is always a bug). One SNS topic; one dashboard.

resource "aws_sns_topic" "alarms" {
  name              = "${local.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.queues.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = module.catalog.queues

  alarm_name          = "${each.value.dead_letter_name}-not-empty"
  alarm_description   = "Messages in the dead-letter queue of ${each.value.name}: see README, Events, queues and the outbox (redrive-dead-letters)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value.dead_letter_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "failed_executions" {
  for_each = module.catalog.state_machines

  alarm_name          = "${each.value.name}-executions-failed"
  alarm_description   = "Executions of ${each.value.name} failed, timed out or were aborted."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.saga[each.key].arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = module.catalog.functions

  alarm_name          = "${each.value.lambda_name}-errors"
  alarm_description   = "Invocations of ${each.value.lambda_name} failed (business errors of saga steps included: read the logs)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = local.lambdas[each.key].name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.trigger_type == "task" ? 10 : 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name_prefix}-api-5xx"
  alarm_description   = "The HTTP API answered 5xx: a bug."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.http.id, Stage = aws_apigatewayv2_stage.default.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name_prefix
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "API requests, 4xx, 5xx", region = var.aws_region, stat = "Sum", period = 60
          metrics = [for m in ["Count", "4xx", "5xx"] : ["AWS/ApiGateway", m, "ApiId", aws_apigatewayv2_api.http.id]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title = "Saga executions", region = var.aws_region, stat = "Sum", period = 60
          metrics = flatten([for k, sm in aws_sfn_state_machine.saga : [
            ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", sm.arn],
            ["AWS/States", "ExecutionsFailed", "StateMachineArn", sm.arn],
          ]])
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Function errors", region = var.aws_region, stat = "Sum", period = 60
          metrics = [for k, f in local.lambdas : ["AWS/Lambda", "Errors", "FunctionName", f.name]]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Dead letters", region = var.aws_region, stat = "Maximum", period = 60
          metrics = [for k, q in module.catalog.queues : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.dead_letter_name]]
        }
      },
    ]
  })
}
