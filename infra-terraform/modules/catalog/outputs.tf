output "functions" {
  description = "Every catalog function: name, service, Lambda name, memory, timeout, trigger, IAM statements and environment (without queue URLs and endpoints)."
  value = {
    for n, f in local.functions : n => {
      name              = n
      service           = f.service
      lambda_name       = "${var.name_prefix}-${n}"
      lambda_arn        = local.lambda_arn[n]
      memory_mb         = f.memoryMb
      timeout_seconds   = f.timeoutSeconds
      trigger_type      = f.trigger.type
      redis             = local.uses_cache[n]
      keeps_data        = local.keeps_data[n]
      prepares_database = local.prepares[n]
      statements        = local.statements[n]
      environment       = merge({ QUARKUS_LAMBDA_HANDLER = n }, local.state_machine_env[n], local.secrets_env[n])
      queue_urls_needed = local.queue_urls_needed[n]
      internet_egress   = local.internet_egress[n]
    }
  }
}

output "http_routes" {
  description = "API Gateway route key (\"POST /orders\") => the function that serves it."
  value       = { for n, f in local.functions : format("%s %s", try(f.trigger.method, ""), try(f.trigger.path, "")) => n if f.trigger.type == "http" }
}

output "queues" {
  description = "Every catalog queue with its dead-letter queue and its consumer's event source mapping settings."
  value = {
    for n, q in local.queues : n => {
      name                       = "${var.name_prefix}-${n}"
      arn                        = local.queue_arn[n]
      dead_letter_name           = "${var.name_prefix}-${q.deadLetterQueue}"
      dead_letter_catalog_name   = q.deadLetterQueue
      dead_letter_arn            = local.dlq_arn[n]
      visibility_timeout_seconds = q.visibilityTimeoutSeconds
      max_receive_count          = q.maxReceiveCount
      batch_size                 = q.batchSize
      maximum_concurrency        = q.maximumConcurrency
      events                     = q.events
      consumer                   = one([for fn, f in local.functions : fn if try(f.trigger.queue, "") == n])
    }
  }
}

output "schedules" {
  description = "Scheduled function => its schedule expression (rate(...))."
  value       = { for n, f in local.functions : n => try(f.trigger.schedule, "") if f.trigger.type == "schedule" }
}

output "state_machines" {
  description = "Every catalog state machine: name, type, ARN, ASL file and the values of its placeholders."
  value = {
    for m, sm in local.machines : m => {
      name         = "${var.name_prefix}-${m}"
      arn          = local.machine_arn[m]
      type         = try(sm.type, "STANDARD")
      definition   = sm.definition
      placeholders = local.placeholders[m]
    }
  }
}

output "services" {
  description = "The services that keep data, each with its own schema, database role and secret (every catalog service but platform)."
  value       = local.services
}

output "authorizer" {
  description = "The HTTP API's Lambda authorizer: its function, identity source and result cache ttl (seconds)."
  value = {
    function           = local.catalog.authorizer.function
    identity_source    = local.catalog.authorizer.identitySource
    result_ttl_seconds = local.catalog.authorizer.resultTtlSeconds
  }
}

output "http_scopes" {
  description = "API Gateway route key => the scope a key needs for it (checked by the function); public routes have none."
  value       = { for n, f in local.functions : format("%s %s", f.trigger.method, f.trigger.path) => f.trigger.scope if f.trigger.type == "http" && !try(f.trigger.public, false) }
}

output "public_routes" {
  description = "The route keys that take no key (no authorizer): a valet link's, whose function checks the link's signature."
  value       = sort([for n, f in local.functions : format("%s %s", f.trigger.method, f.trigger.path) if f.trigger.type == "http" && try(f.trigger.public, false)])
}

output "execution_events" {
  description = "The queue the state machines' execution status changes go to (an EventBridge rule's target) and its dead-letter queue, or null when the catalog declares none."
  value = try(local.catalog.executionEvents, null) == null ? null : {
    catalog_name               = local.catalog.executionEvents.queue
    name                       = "${var.name_prefix}-${local.catalog.executionEvents.queue}"
    dead_letter_name           = "${var.name_prefix}-${local.catalog.executionEvents.deadLetterQueue}"
    visibility_timeout_seconds = local.catalog.executionEvents.visibilityTimeoutSeconds
    max_receive_count          = local.catalog.executionEvents.maxReceiveCount
  }
}
