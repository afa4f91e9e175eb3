# Customer-managed keys, rotated yearly: one for data at rest (Aurora, Secrets Manager, ElastiCache),
# one for the data keys of personal data, one that signs tokens, one for the queues, one for the logs.

locals {
  # In a key policy: the key itself.
  this_key = "arn:${data.aws_partition.current.partition}:kms:${var.aws_region}:${data.aws_caller_identity.current.account_id}:key/*"
}

# What every key policy starts with: the account administers the key (IAM policies then grant its use).
data "aws_iam_policy_document" "key_administration" {
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = [local.this_key]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

data "aws_iam_policy_document" "logs_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]
  statement {
    sid       = "CloudWatchLogsUseTheKey"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = [local.this_key]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}

data "aws_iam_policy_document" "queues_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]
  statement {
    # CloudWatch alarms publish to the alarm topic, which this key encrypts.
    sid       = "CloudWatchPublishesAlarms"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = [local.this_key]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
  statement {
    # EventBridge sends the execution status changes to their queue (events.tf), for that rule only.
    sid       = "EventBridgeSendsExecutionEvents"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.this_key]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.execution_status_rule_arn]
    }
  }
}

resource "aws_kms_key" "data" {
  description         = "${local.name_prefix}: data at rest (Aurora, secrets, cache)"
  enable_key_rotation = true
}

resource "aws_kms_alias" "data" {
  name          = "alias/${local.name_prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

# The master key of personal data: it wraps each customer's data key of each service (envelope
# encryption, README "Security"), under an encryption context naming the service, tenant and
# customer; a function may use it only under its own services' context (the catalog's personalData).
# KMS rotates its material yearly (what it wrapped still opens). To move to another key, add it as a
# second resource (never replace this one), list this one in retired_personal_data_key_arns, apply,
# and invoke reseal-customers-data and reseal-notifications-data until both answer "stale": 0; keep
# it listed 14 days more (a CustomerRegistered in a dead-letter queue carries a key it wrapped).
resource "aws_kms_key" "personal_data" {
  description         = "${local.name_prefix}: data keys of personal data (customers' names and e-mail addresses)"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key_administration.json
}

resource "aws_kms_alias" "personal_data" {
  name          = "alias/${local.name_prefix}-personal-data"
  target_key_id = aws_kms_key.personal_data.key_id
}

# The platform's signing keys (ES256), one per kind of token so that neither signer can make the
# other kind: KMS signs (create-token, create-invoice-link), and the authorizer and the valet link's
# function verify with the key's public key. Asymmetric keys do not rotate by themselves. To change
# one, add a second resource (never replace this one: a replaced key is scheduled for deletion and
# stops verifying at once), make it the current one, list this one in retired_*_key_arns until its
# last token (an hour) or link (30 days) has expired, then remove it.
resource "aws_kms_key" "tokens" {
  description              = "${local.name_prefix}: signs short-lived access tokens"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  policy                   = data.aws_iam_policy_document.key_administration.json
}

resource "aws_kms_alias" "tokens" {
  name          = "alias/${local.name_prefix}-tokens"
  target_key_id = aws_kms_key.tokens.key_id
}

resource "aws_kms_key" "valet_links" {
  description              = "${local.name_prefix}: signs valet links"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  policy                   = data.aws_iam_policy_document.key_administration.json
}

resource "aws_kms_alias" "valet_links" {
  name          = "alias/${local.name_prefix}-valet-links"
  target_key_id = aws_kms_key.valet_links.key_id
}

resource "aws_kms_key" "queues" {
  description         = "${local.name_prefix}: SQS queues and the alarm topic"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.queues_key.json
}

resource "aws_kms_alias" "queues" {
  name          = "alias/${local.name_prefix}-queues"
  target_key_id = aws_kms_key.queues.key_id
}

resource "aws_kms_key" "logs" {
  description         = "${local.name_prefix}: CloudWatch Logs"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.logs_key.json
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${local.name_prefix}-logs"
  target_key_id = aws_kms_key.logs.key_id
}
