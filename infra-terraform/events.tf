# ---- execution events: every status change of the catalog's state machines, onto a queue ---------
#
# Step Functions sends "Step Functions Execution Status Change" events to the account's default
# event bus (STANDARD workflows only); this rule takes those of the catalog's state machines and
# delivers each, whole, to the catalog's execution-events queue (its dead-letter queue catches what
# its subscriber cannot handle). The local engine publishes the same events to the same queue
# (README, "Execution events"). EventBridge may send to the queue, under the queue key, only for
# this rule (the queue policy's and the key policy's aws:SourceArn).

locals {
  # The rule's ARN as AWS makes it, for the queue key's policy (kms.tf), which the queue needs first.
  execution_status_rule_arn = "arn:${data.aws_partition.current.partition}:events:${var.aws_region}:${data.aws_caller_identity.current.account_id}:rule/${local.name_prefix}-execution-status"
}

module "execution_events_queue" {
  source   = "./modules/queue"
  for_each = module.catalog.execution_events == null ? {} : { events = module.catalog.execution_events }

  name                       = each.value.name
  dead_letter_name           = each.value.dead_letter_name
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  max_receive_count          = each.value.max_receive_count
  kms_key_arn                = aws_kms_key.queues.arn
}

resource "aws_cloudwatch_event_rule" "execution_status" {
  for_each = module.execution_events_queue

  name        = "${local.name_prefix}-execution-status"
  description = "Every status change of the catalog's state machines' executions"
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      stateMachineArn = [for m in aws_sfn_state_machine.saga : m.arn]
    }
  })
}

resource "aws_cloudwatch_event_target" "execution_status" {
  for_each = module.execution_events_queue

  rule      = aws_cloudwatch_event_rule.execution_status[each.key].name
  target_id = "execution-events-queue"
  arn       = each.value.arn

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }
  dead_letter_config {
    arn = each.value.dead_letter_arn
  }
}

data "aws_iam_policy_document" "execution_events_queue" {
  for_each = module.execution_events_queue

  statement {
    sid       = "EventBridgeSendsTheExecutionStatusChanges"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.arn, each.value.dead_letter_arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.execution_status[each.key].arn]
    }
  }
}

resource "aws_sqs_queue_policy" "execution_events" {
  for_each = module.execution_events_queue

  queue_url = each.value.url
  policy    = data.aws_iam_policy_document.execution_events_queue[each.key].json
}

# The dead-letter queue takes what EventBridge could not deliver to the queue, under the same rule.
resource "aws_sqs_queue_policy" "execution_events_dead_letters" {
  for_each = module.execution_events_queue

  queue_url = each.value.dead_letter_url
  policy    = data.aws_iam_policy_document.execution_events_queue[each.key].json
}
