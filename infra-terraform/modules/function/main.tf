# One catalog function: its Lambda, its own role allowed exactly the catalog entry's statements
# (plus writing its own log group and traces), its log group.

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

# Network interfaces in the private subnets (AWS's managed policy: these EC2 actions take no resource ARN).
resource "aws_iam_role_policy_attachment" "vpc" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "WriteItsLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    # X-Ray offers no resource ARN for these two actions.
    sid       = "WriteItsTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "DecryptItsEnvironment"
    actions   = ["kms:Decrypt"]
    resources = [var.env_kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "this" {
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# What the code waits for (deploy_after): the function's code is updated only after it.
resource "terraform_data" "deploy_after" {
  input = var.deploy_after
}

resource "aws_lambda_function" "this" {
  function_name    = var.name
  role             = aws_iam_role.this.arn
  s3_bucket        = var.s3_bucket
  s3_key           = var.s3_key
  source_code_hash = filebase64sha256(var.zip_path)
  runtime          = var.runtime_mode == "native" ? "provided.al2023" : "java21"
  handler          = var.runtime_mode == "native" ? "bootstrap" : "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest"
  architectures    = [var.architecture]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds
  publish          = var.runtime_mode == "jvm"
  kms_key_arn      = var.env_kms_key_arn
  layers           = var.layers

  environment {
    variables = merge(var.environment, var.runtime_mode == "native" ? { DISABLE_SIGNAL_HANDLERS = "true" } : {})
  }

  tracing_config {
    mode = "Active"
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = var.security_group_ids
  }

  dynamic "snap_start" {
    for_each = var.runtime_mode == "jvm" ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this, aws_iam_role_policy_attachment.vpc, terraform_data.deploy_after]
}

# SnapStart applies to published versions only: the JVM build is invoked through this alias.
resource "aws_lambda_alias" "live" {
  count = var.runtime_mode == "jvm" ? 1 : 0

  name             = "live"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}
