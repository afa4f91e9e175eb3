# Reads the catalog and derives everything the root module provisions from it: one Lambda per
# function with its IAM statements and environment, one route per HTTP function, one queue (and
# dead-letter queue) per catalog queue, one event source mapping per queue consumer, one schedule
# per scheduled function, one state machine per ASL file with the values of its placeholders.
# No provider and no resource: it evaluates offline (terraform console), which is how the tests
# check it against the catalog.

locals {
  catalog   = jsondecode(file(var.catalog_path))
  functions = { for f in local.catalog.functions : f.name => f }
  queues    = { for q in local.catalog.queues : q.name => q }
  machines  = { for m in local.catalog.stateMachines : m.name => m }
  perms     = { for n, f in local.functions : n => try(f.permissions, {}) }
  # The cache: a function whose entry declares redis, and every HTTP function (its rate limits).
  uses_cache = { for n, f in local.functions : n => try(local.perms[n].redis, false) || f.trigger.type == "http" }

  arn_prefix  = "arn:${var.partition}"
  lambda_arn  = { for n, f in local.functions : n => "${local.arn_prefix}:lambda:${var.region}:${var.account_id}:function:${var.name_prefix}-${n}" }
  queue_arn   = { for n, q in local.queues : n => "${local.arn_prefix}:sqs:${var.region}:${var.account_id}:${var.name_prefix}-${n}" }
  dlq_arn     = { for n, q in local.queues : n => "${local.arn_prefix}:sqs:${var.region}:${var.account_id}:${var.name_prefix}-${q.deadLetterQueue}" }
  machine_arn = { for n, m in local.machines : n => "${local.arn_prefix}:states:${var.region}:${var.account_id}:stateMachine:${var.name_prefix}-${n}" }
  executions  = { for n, m in local.machines : n => "${local.arn_prefix}:states:${var.region}:${var.account_id}:execution:${var.name_prefix}-${n}:*" }

  # The queues that receive each function's published events.
  publishes_to = {
    for n, p in local.perms : n => sort(distinct(flatten([
      for t in try(p.publishes, []) : [for qn, q in local.queues : qn if contains(q.events, t)]
    ])))
  }
  # The services that keep data: each has a schema, a database role and that role's secret.
  services   = sort(distinct([for f in local.catalog.functions : f.service if f.service != "platform"]))
  keeps_data = { for n, f in local.functions : n => contains(local.services, f.service) }
  prepares   = { for n, p in local.perms : n => try(p.preparesDatabase, false) }
  # The services whose data keys a function makes and unwraps (personal data, sealed).
  personal_data = { for n, p in local.perms : n => sort(try(p.personalData, [])) }

  # The queues (or dead-letter queues) a function sends to other than by publishing events: the
  # webhook deliveries' cues. A name is a catalog queue's or a catalog queue's dead-letter queue's.
  sends_to = { for n, p in local.perms : n => sort(try(p.sendsTo, [])) }
  any_queue_arn = merge(local.queue_arn,
  { for qn, q in local.queues : q.deadLetterQueue => local.dlq_arn[qn] })
  # The functions that reach the internet (through the NAT, in the egress subnets): the webhook deliverer.
  internet_egress = { for n, p in local.perms : n => try(p.internetEgress, false) }

  starts = { for n, p in local.perms : n => sort(try(p.startsStateMachines, [])) }
  # A STANDARD machine is started (StartExecution), an EXPRESS one run and waited for
  # (StartSyncExecution): each function is allowed the one action its machines take.
  express         = { for n, m in local.machines : n => try(m.type, "STANDARD") == "EXPRESS" }
  starts_standard = { for n, ms in local.starts : n => [for m in ms : m if !local.express[m]] }
  starts_express  = { for n, ms in local.starts : n => [for m in ms : m if local.express[m]] }
  redrives        = { for n, p in local.perms : n => sort(try(p.redrivesStateMachines, [])) }
  moves           = { for n, p in local.perms : n => sort(try(p.redrivesQueues, [])) }

  # Exactly what each function's entry declares, each on the ARNs it names.
  statements = {
    for n, f in local.functions : n => concat(
      f.trigger.type == "queue" ? [{
        sid       = "ConsumeItsQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [local.queue_arn[try(f.trigger.queue, "")]]
      }] : [],
      length(local.publishes_to[n]) > 0 ? [{
        sid       = "PublishItsEvents"
        actions   = ["sqs:SendMessage"]
        resources = [for q in local.publishes_to[n] : local.queue_arn[q]]
      }] : [],
      length(local.sends_to[n]) > 0 ? [{
        sid       = "SendItsCues"
        actions   = ["sqs:SendMessage"]
        resources = [for q in local.sends_to[n] : local.any_queue_arn[q]]
      }] : [],
      length(local.starts_standard[n]) > 0 ? [{
        sid       = "StartItsSagas"
        actions   = ["states:StartExecution"]
        resources = [for m in local.starts_standard[n] : local.machine_arn[m]]
      }] : [],
      length(local.starts_express[n]) > 0 ? [{
        sid       = "RunItsExpressWorkflows"
        actions   = ["states:StartSyncExecution"]
        resources = [for m in local.starts_express[n] : local.machine_arn[m]]
      }] : [],
      length(local.redrives[n]) > 0 ? [{
        sid       = "RedriveItsSagas"
        actions   = ["states:DescribeExecution", "states:RedriveExecution"]
        resources = [for m in local.redrives[n] : local.executions[m]]
      }] : [],
      length(local.moves[n]) > 0 ? [{
        sid       = "TakeDeadLetters"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        resources = [for q in local.moves[n] : local.dlq_arn[q]]
        }, {
        sid       = "RedriveDeadLetters"
        actions   = ["sqs:SendMessage"]
        resources = [for q in local.moves[n] : local.queue_arn[q]]
      }] : [],
      local.uses_cache[n] ? [{
        sid       = "ReadTheCacheSecret"
        actions   = ["secretsmanager:GetSecretValue"]
        resources = [var.cache_secret_arn]
      }] : [],
      local.keeps_data[n] ? [{
        sid       = "ReadItsDatabaseSecret"
        actions   = ["secretsmanager:GetSecretValue"]
        resources = [var.database_secret_arns[f.service]]
      }] : [],
      local.prepares[n] ? [{
        sid       = "PrepareTheDatabase"
        actions   = ["secretsmanager:GetSecretValue"]
        resources = concat([var.database_admin_secret_arn], [for s in local.services : var.database_secret_arns[s]])
      }] : [],
      length(local.personal_data[n]) > 0 ? [{
        # Only under the encryption context of the services it names: another service's data keys
        # (another context) are refused by KMS.
        sid       = "UseItsPersonalDataKeys"
        actions   = ["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"]
        resources = var.personal_data_key_arns
        conditions = [{
          test     = "StringEquals"
          variable = "kms:EncryptionContext:service"
          values   = local.personal_data[n]
        }]
      }] : [],
      try(local.perms[n].signsTokens, false) ? [{
        sid       = "SignTokens"
        actions   = ["kms:Sign"]
        resources = [var.token_key_arns[0]]
      }] : [],
      try(local.perms[n].verifiesTokens, false) ? [{
        sid       = "VerifyTokens"
        actions   = ["kms:GetPublicKey"]
        resources = var.token_key_arns
      }] : [],
      try(local.perms[n].signsValetLinks, false) ? [{
        sid       = "SignValetLinks"
        actions   = ["kms:Sign"]
        resources = [var.valet_link_key_arns[0]]
      }] : [],
      try(local.perms[n].verifiesValetLinks, false) ? [{
        sid       = "VerifyValetLinks"
        actions   = ["kms:GetPublicKey"]
        resources = var.valet_link_key_arns
      }] : [],
      try(local.perms[n].sendsEmail, false) ? [{
        sid       = "SendNotifications"
        actions   = ["ses:SendEmail", "ses:SendRawEmail"]
        resources = [var.ses_identity_arn]
      }] : [],
    )
  }

  # The settings each function reads: its handler, the state machines it starts, the queues it writes to.
  state_machine_env = {
    for n, f in local.functions : n => {
      for m in distinct(concat(local.starts[n], local.redrives[n])) :
      format("SAGALINE_STATE_MACHINES_%s_ARN", upper(replace(m, "-", "_"))) => local.machine_arn[m]
    }
  }
  # The secrets a function reads: its database role's (its service's, or the administrator's to
  # prepare the database), the cache user's if it uses the cache. (The API keys are the access
  # service's data, read by the authorizer alone.)
  secrets_env = {
    for n, f in local.functions : n => merge(
      local.keeps_data[n] ? { SAGALINE_DATABASE_SECRET_ARN = var.database_secret_arns[f.service] } : {},
      local.uses_cache[n] ? { SAGALINE_CACHE_SECRET_ARN = var.cache_secret_arn } : {},
      length(local.personal_data[n]) > 0 ? { SAGALINE_CRYPTO_KMS_KEY_ID = var.personal_data_key_arns[0] } : {},
      try(local.perms[n].signsTokens, false) || try(local.perms[n].verifiesTokens, false) ? {
        SAGALINE_TOKENS_KMS_KEY_ID         = var.token_key_arns[0]
        SAGALINE_TOKENS_KMS_VERIFY_KEY_IDS = join(",", var.token_key_arns)
      } : {},
      try(local.perms[n].signsValetLinks, false) || try(local.perms[n].verifiesValetLinks, false) ? {
        SAGALINE_VALET_LINKS_KMS_KEY_ID         = var.valet_link_key_arns[0]
        SAGALINE_VALET_LINKS_KMS_VERIFY_KEY_IDS = join(",", var.valet_link_key_arns)
      } : {},
      local.prepares[n] ? {
        SAGALINE_DATABASE_SECRET_ARN      = var.database_admin_secret_arn
        SAGALINE_DATABASE_SERVICE_SECRETS = jsonencode({ for s in local.services : s => var.database_secret_arns[s] })
      } : {},
    )
  }
  queue_urls_needed = {
    for n, f in local.functions : n => sort(distinct(concat(local.publishes_to[n], local.moves[n],
    [for q in local.moves[n] : local.queues[q].deadLetterQueue], local.sends_to[n])))
  }

  # ASL placeholders: ${reserve_stock_arn} is the ARN of the task function reserve-stock.
  placeholders = {
    for m, sm in local.machines : m => {
      for n, f in local.functions : format("%s_arn", replace(n, "-", "_")) => local.lambda_arn[n]
      if contains(try(f.trigger.stateMachines, []), m)
    }
  }
}
