# Who may assume the deployment's service roles: Step Functions (the state machines), EventBridge
# Scheduler (the schedules), RDS (the proxy). Each function's own role is in modules/function.
data "aws_iam_policy_document" "assume" {
  for_each = toset(["states", "scheduler", "rds"])

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["${each.key}.amazonaws.com"]
    }
  }
}
