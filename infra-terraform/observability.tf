# Alarms on what needs a person: a message in a dead-letter queue, a failed saga, a function error,
# an API 5xx (a 5xx is always a bug), an outbox that no longer drains, orders rejected for a
# technical reason, the payment gateway's circuit open. One SNS topic; one dashboard. The Sagaline
# namespace is what the functions measure themselves, written as CloudWatch embedded metric format
# at the end of each invocation (README, "Seeing what the system does"): its dimensions are each
# meter's tags, all of them, so an alarm names every one.

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
  # every catalog queue's dead-letter queue, and the execution events' (what EventBridge could not
  # deliver, or what their subscriber could not handle)
  for_each = merge(
    { for n, q in module.catalog.queues : n => { name = q.name, dead_letter_name = q.dead_letter_name } },
    module.catalog.execution_events == null ? {} : { (module.catalog.execution_events.catalog_name) = {
      name             = module.catalog.execution_events.name
      dead_letter_name = module.catalog.execution_events.dead_letter_name
    } },
  )

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

locals {
  payment_circuit = "io.sagaline.payments.PaymentGatewayClient$Guarded.authorize"
}

resource "aws_cloudwatch_metric_alarm" "outbox_not_draining" {
  # the services with an outbox: each has its sweeper, sweep-<service>-outbox, which reports its backlog
  for_each = toset([for n, f in module.catalog.functions : trimsuffix(trimprefix(n, "sweep-"), "-outbox")
  if startswith(n, "sweep-") && endswith(n, "-outbox")])

  alarm_name          = "${local.name_prefix}-${each.key}-outbox-not-draining"
  alarm_description   = "A message of the ${each.key} outbox has waited over 5 minutes: its queue or Step Functions refuses it (README, Events, queues and the outbox). A sweeper that fails is its function's errors alarm; one that stops sends no data, which this alarm reads as OK."
  namespace           = "Sagaline"
  metric_name         = "sagaline.outbox.oldest.age.seconds"
  dimensions          = { service = each.key }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 300
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "technical_rejections" {
  alarm_name          = "${local.name_prefix}-orders-rejected-for-a-technical-reason"
  alarm_description   = "PlaceOrder rejected orders with SYSTEM_ERROR: a step failed for a technical reason after its retries (the console or X-Ray shows which)."
  namespace           = "Sagaline"
  metric_name         = "sagaline.sagas.ended"
  dimensions          = { machine = "place-order", outcome = "REJECTED", reason = "SYSTEM_ERROR" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "payment_circuit_open" {
  alarm_name          = "${local.name_prefix}-payment-circuit-open"
  alarm_description   = "The payment gateway's circuit breaker is open: AuthorizePayment rejects orders as PAYMENT_UNAVAILABLE without calling it."
  namespace           = "Sagaline"
  metric_name         = "ft.circuitbreaker.state.current"
  dimensions          = { method = local.payment_circuit, state = "open" }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
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
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title   = "Sagas ended, by machine, outcome and reason", region = var.aws_region, period = 60
          metrics = [[{ id = "ended", expression = "SEARCH('{Sagaline,machine,outcome,reason} MetricName=\"sagaline.sagas.ended\"', 'Sum', 60)" }]]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title   = "Compensations, by step", region = var.aws_region, period = 60
          metrics = [[{ id = "compensations", expression = "SEARCH('{Sagaline,compensates,machine,step} MetricName=\"sagaline.compensations\"', 'Sum', 60)" }]]
        }
      },
      {
        type = "metric", x = 0, y = 18, width = 12, height = 6
        properties = {
          title   = "Saga step latency p99 (ms), by step and outcome", region = var.aws_region, period = 60
          metrics = [[{ id = "p99", expression = "SEARCH('{Sagaline,machine,outcome,step} MetricName=\"sagaline.saga.step.duration\"', 'p99', 60)" }]]
        }
      },
      {
        type = "metric", x = 12, y = 18, width = 12, height = 6
        properties = {
          title = "Outbox backlog and oldest message (s)", region = var.aws_region, period = 60
          metrics = [
            [{ id = "backlog", expression = "SEARCH('{Sagaline,service} MetricName=\"sagaline.outbox.backlog\"', 'Maximum', 60)" }],
            [{ id = "age", expression = "SEARCH('{Sagaline,service} MetricName=\"sagaline.outbox.oldest.age.seconds\"', 'Maximum', 60)" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 24, width = 12, height = 6
        properties = {
          title   = "Queue depth", region = var.aws_region, stat = "Maximum", period = 60
          metrics = [for k, q in module.catalog.queues : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name]]
        }
      },
      {
        type = "metric", x = 12, y = 24, width = 12, height = 6
        properties = {
          title = "Answers by route and status; 429s by limit", region = var.aws_region, period = 60
          metrics = [
            [{ id = "answers", expression = "SEARCH('{Sagaline,route,status} MetricName=\"sagaline.http.responses\"', 'Sum', 60)" }],
            [{ id = "limited", expression = "SEARCH('{Sagaline,limit} MetricName=\"sagaline.http.rate.limited\"', 'Sum', 60)" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 30, width = 12, height = 6
        properties = {
          title   = "Campaigns cache: hits and misses, by tier", region = var.aws_region, period = 60
          metrics = [[{ id = "cache", expression = "SEARCH('{Sagaline,cache,result,tier} MetricName=\"sagaline.cache.requests\"', 'Sum', 60)" }]]
        }
      },
      {
        type = "metric", x = 12, y = 30, width = 12, height = 6
        properties = {
          title   = "Circuit breakers (1 = in that state)", region = var.aws_region, period = 60
          metrics = [[{ id = "circuits", expression = "SEARCH('{Sagaline,method,state} MetricName=\"ft.circuitbreaker.state.current\"', 'Maximum', 60)" }]]
        }
      },
    ]
  })
}
