provider "aws" {
  region = var.aws_region
  default_tags {
    tags = merge({ Application = "sagaline", Environment = var.environment }, var.tags)
  }
}

# CloudFront-scoped WAF rules live in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
  default_tags {
    tags = merge({ Application = "sagaline", Environment = var.environment }, var.tags)
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name_prefix = "sagaline-${var.environment}"
  # The collector the functions' spans go to (README, "Seeing what the system does"), or none.
  otel_collector_layer = var.otel_collector_layer_arn != null ? var.otel_collector_layer_arn : format(
    "arn:%s:lambda:%s:901920570463:layer:aws-otel-collector-%s-ver-0-117-0:1", data.aws_partition.current.partition,
  var.aws_region, var.architecture == "arm64" ? "arm64" : "amd64")
  otel_layers      = local.otel_collector_layer == "" ? [] : [local.otel_collector_layer]
  ses_identity_arn = "arn:${data.aws_partition.current.partition}:ses:${var.aws_region}:${data.aws_caller_identity.current.account_id}:identity/${var.notifications_from}"
}

# Everything below iterates over what the catalog declares (functions/catalog.json): adding a
# function, route, queue or state machine there adds it here, with no edit of this directory.
module "catalog" {
  source           = "./modules/catalog"
  catalog_path     = "${path.module}/../functions/catalog.json"
  name_prefix      = local.name_prefix
  partition        = data.aws_partition.current.partition
  region           = var.aws_region
  account_id       = data.aws_caller_identity.current.account_id
  ses_identity_arn = local.ses_identity_arn

  database_secret_arns      = local.service_secrets
  database_admin_secret_arn = local.admin_secret
  cache_secret_arn          = aws_secretsmanager_secret.cache.arn
  personal_data_key_arns    = concat([aws_kms_key.personal_data.arn], var.retired_personal_data_key_arns)
  token_key_arns            = concat([aws_kms_key.tokens.arn], var.retired_token_key_arns)
  valet_link_key_arns       = concat([aws_kms_key.valet_links.arn], var.retired_valet_link_key_arns)
}

# ---- queues: one per catalog queue, each with its dead-letter queue -------------------------

module "queue" {
  source   = "./modules/queue"
  for_each = module.catalog.queues

  name                       = each.value.name
  dead_letter_name           = each.value.dead_letter_name
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  max_receive_count          = each.value.max_receive_count
  kms_key_arn                = aws_kms_key.queues.arn
}

locals {
  # Any queue or dead-letter queue by its catalog name => its URL, for the functions' settings.
  queue_urls = merge(
    { for n, q in module.queue : n => q.url },
    { for n, q in module.queue : module.catalog.queues[n].dead_letter_catalog_name => q.dead_letter_url },
  )
}

# ---- functions: one Lambda per catalog function, each with its own role -----------------------

locals {
  # What each function's module gets beyond its code: its IAM statements and its environment.
  function_statements = { for n, f in module.catalog.functions : n => concat(
    f.statements,
    # A function that touches a queue uses the queue key.
    anytrue([for s in f.statements : length([for a in s.actions : a if startswith(a, "sqs:")]) > 0]) ? [{
      sid       = "UseTheQueueKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [aws_kms_key.queues.arn]
    }] : [],
  ) }
  function_environment = { for n, f in module.catalog.functions : n => merge(
    f.environment,
    { for q in f.queue_urls_needed : format("SAGALINE_QUEUES_%s_URL", upper(replace(q, "-", "_"))) => local.queue_urls[q] },
    contains(f.statements[*].sid, "SendNotifications") ? { SAGALINE_NOTIFICATIONS_FROM = var.notifications_from } : {},
    # Quarkus (3.32) creates its datasource, Flyway and Redis beans as a function starts, used or
    # not, and refuses to start without their addresses (connections open on first use only). So
    # every function gets the addresses, and only those whose entry calls for it the credentials,
    # from their secrets: every function reaches the database through RDS Proxy, over TLS with the
    # proxy's certificate verified (it chains to Amazon's roots), a service's functions as the role
    # their secret names, the preparing function as the administrator; a function whose entry
    # declares redis reads the cache user's secret.
    {
      QUARKUS_DATASOURCE_REACTIVE_URL = "postgresql://${aws_db_proxy.this.endpoint}:5432/sagaline?sslmode=verify-full"
      QUARKUS_DATASOURCE_JDBC_URL     = "jdbc:postgresql://${aws_db_proxy.this.endpoint}:5432/sagaline?sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory"
      SAGALINE_CACHE_ADDRESS = format("rediss://%s:%s", aws_elasticache_serverless_cache.redis.endpoint[0].address,
      aws_elasticache_serverless_cache.redis.endpoint[0].port)
    },
    # The cache user is read once, as the function starts (and with SnapStart, into the snapshot):
    # a new password must make a new version of the function.
    f.redis ? { SAGALINE_CACHE_SECRET_VERSION = aws_secretsmanager_secret_version.cache.version_id } : {},
    # Spans by OTLP to the collector layer, which sends them to X-Ray; without one, none are made.
    local.otel_collector_layer == "" ? { SAGALINE_TELEMETRY_TRACES = "false" } : {
      QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT                   = "http://localhost:4317"
    },
  ) }
}

# The function that prepares the database (database.tf) comes first...
module "preparer" {
  source   = "./modules/function"
  for_each = { for n, f in module.catalog.functions : n => f if f.prepares_database }

  name               = each.value.lambda_name
  zip_path           = var.function_zip
  s3_bucket          = aws_s3_object.function_zip.bucket
  s3_key             = aws_s3_object.function_zip.key
  runtime_mode       = var.runtime_mode
  architecture       = var.architecture
  memory_mb          = each.value.memory_mb
  timeout_seconds    = each.value.timeout_seconds
  log_retention_days = var.log_retention_days
  logs_kms_key_arn   = aws_kms_key.logs.arn
  env_kms_key_arn    = aws_kms_key.data.arn
  subnet_ids         = aws_subnet.private[*].id
  security_group_ids = [aws_security_group.functions.id]
  statements         = local.function_statements[each.key]
  environment        = local.function_environment[each.key]
  layers             = local.otel_layers
}

# ...and every other function gets its code only once the database is migrated for it: new code
# never meets the old schema. (Old code does meet the new schema for a moment, so migrations must
# keep what running code uses: expand first, contract in a later release.)
module "function" {
  source   = "./modules/function"
  for_each = { for n, f in module.catalog.functions : n => f if !f.prepares_database }

  name               = each.value.lambda_name
  zip_path           = var.function_zip
  s3_bucket          = aws_s3_object.function_zip.bucket
  s3_key             = aws_s3_object.function_zip.key
  runtime_mode       = var.runtime_mode
  architecture       = var.architecture
  memory_mb          = each.value.memory_mb
  timeout_seconds    = each.value.timeout_seconds
  log_retention_days = var.log_retention_days
  logs_kms_key_arn   = aws_kms_key.logs.arn
  env_kms_key_arn    = aws_kms_key.data.arn
  # A function that delivers webhooks runs where the internet is reachable (network.tf); the others never.
  subnet_ids         = each.value.internet_egress ? aws_subnet.egress[*].id : aws_subnet.private[*].id
  security_group_ids = concat([aws_security_group.functions.id], each.value.internet_egress ? [aws_security_group.internet_egress.id] : [])
  statements         = local.function_statements[each.key]
  environment        = local.function_environment[each.key]
  layers             = local.otel_layers
  # The code waits for this, and only the code: a module-wide depends_on would defer the module's
  # data sources and rewrite every role's policies on each deployment.
  deploy_after = jsonencode({ for n, i in aws_lambda_invocation.prepare_database : n => i.result })
}

locals {
  # Every catalog function's module, by its catalog name.
  lambdas = merge(module.preparer, module.function)
}

# ---- queue consumers: one event source mapping per queue, reporting partial batch failures ----

resource "aws_lambda_event_source_mapping" "consumer" {
  for_each = module.catalog.queues

  event_source_arn        = module.queue[each.key].arn
  function_name           = local.lambdas[each.value.consumer].invoke_target
  batch_size              = each.value.batch_size
  function_response_types = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = each.value.maximum_concurrency
  }
}

# ---- HTTP API: one route per HTTP function --------------------------------------------------

resource "aws_apigatewayv2_api" "http" {
  name          = local.name_prefix
  protocol_type = "HTTP"
}

# One access line per request, with the request id every answer carries (apigw-requestid) and every
# problem names (requestId), and that the functions' log lines carry too.
resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name_prefix}-access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTimeEpoch"
      sourceIp           = "$context.identity.sourceIp"
      method             = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      tenant             = "$context.authorizer.tenant"
      keyId              = "$context.authorizer.keyId"
    })
  }

  # A route without a key (a valet link's) has no key or tenant bucket to meter it: API Gateway
  # throttles it, whichever endpoint it is called on.
  dynamic "route_settings" {
    for_each = toset(module.catalog.public_routes)
    content {
      route_key              = route_settings.value
      throttling_rate_limit  = 20
      throttling_burst_limit = 50
    }
  }

  # route_settings name routes that must exist first
  depends_on = [aws_apigatewayv2_route.function]
}

resource "aws_apigatewayv2_integration" "function" {
  for_each = toset(values(module.catalog.http_routes))

  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = local.lambdas[each.key].invoke_target
  payload_format_version = "2.0"
}

# Every route goes through the catalog's Lambda authorizer first: the x-api-key's principal (key
# id, tenant, scopes) reaches the function in the request's authorizer context; API Gateway keeps
# an answer per key for result_ttl_seconds (so a revoked key may be served that long).
resource "aws_apigatewayv2_authorizer" "api_key" {
  api_id                            = aws_apigatewayv2_api.http.id
  name                              = "${local.name_prefix}-api-key"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = local.lambdas[module.catalog.authorizer.function].invoke_arn
  identity_sources                  = [module.catalog.authorizer.identity_source]
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  authorizer_result_ttl_in_seconds  = module.catalog.authorizer.result_ttl_seconds
}

resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowHttpApiAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = local.lambdas[module.catalog.authorizer.function].name
  qualifier     = local.lambdas[module.catalog.authorizer.function].qualifier
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.api_key.id}"
}

resource "aws_apigatewayv2_route" "function" {
  for_each = module.catalog.http_routes

  api_id    = aws_apigatewayv2_api.http.id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.function[each.value].id}"
  # A public route (a valet link) takes no key: its function checks the link's signature itself.
  authorization_type = contains(module.catalog.public_routes, each.key) ? "NONE" : "CUSTOM"
  authorizer_id      = contains(module.catalog.public_routes, each.key) ? null : aws_apigatewayv2_authorizer.api_key.id
}

resource "aws_lambda_permission" "http" {
  for_each = toset(values(module.catalog.http_routes))

  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = local.lambdas[each.key].name
  qualifier     = local.lambdas[each.key].qualifier
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

# ---- state machines: one per catalog entry, task ARNs filled in by templatefile() -------------

resource "aws_iam_role" "state_machine" {
  for_each = module.catalog.state_machines

  name               = "${each.value.name}-sfn"
  assume_role_policy = data.aws_iam_policy_document.assume["states"].json
}

data "aws_iam_policy_document" "state_machine" {
  for_each = module.catalog.state_machines

  statement {
    sid     = "InvokeItsTasks"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([for fn in values(each.value.placeholders) :
    [fn, "${fn}:*"]])
  }

  statement {
    # Log delivery and X-Ray take no resource ARN (Step Functions' documented policy).
    sid = "DeliverLogsAndTraces"
    actions = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  for_each = module.catalog.state_machines

  role   = aws_iam_role.state_machine[each.key].id
  policy = data.aws_iam_policy_document.state_machine[each.key].json
}

resource "aws_cloudwatch_log_group" "state_machine" {
  for_each = module.catalog.state_machines

  name              = "/aws/vendedlogs/states/${each.value.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_sfn_state_machine" "saga" {
  for_each = module.catalog.state_machines

  name     = each.value.name
  type     = each.value.type
  role_arn = aws_iam_role.state_machine[each.key].arn
  definition = templatefile("${path.module}/../functions/${each.value.definition}",
  { for k, v in each.value.placeholders : k => var.runtime_mode == "jvm" ? "${v}:live" : v })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine[each.key].arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }
}

# ---- schedules: one EventBridge schedule per scheduled function ------------------------------

resource "aws_iam_role" "scheduler" {
  for_each = module.catalog.schedules

  name               = "${module.catalog.functions[each.key].lambda_name}-schedule"
  assume_role_policy = data.aws_iam_policy_document.assume["scheduler"].json
}

resource "aws_iam_role_policy" "scheduler" {
  for_each = module.catalog.schedules

  role = aws_iam_role.scheduler[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "InvokeItsFunction"
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = local.lambdas[each.key].invoke_target
    }]
  })
}

resource "aws_scheduler_schedule" "function" {
  for_each = module.catalog.schedules

  name                = module.catalog.functions[each.key].lambda_name
  schedule_expression = each.value
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = local.lambdas[each.key].invoke_target
    role_arn = aws_iam_role.scheduler[each.key].arn
  }
}
