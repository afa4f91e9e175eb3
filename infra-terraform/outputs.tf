output "api_url" {
  description = "The API's URL for callers (the API contract's base URL): CloudFront with the WAF in front of the HTTP API."
  value       = "https://${aws_cloudfront_distribution.api.domain_name}"
}

output "api_origin_url" {
  description = "The HTTP API's own URL (behind CloudFront; for diagnosis)."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "database_endpoint" {
  description = "The RDS Proxy endpoint the functions connect to."
  value       = aws_db_proxy.this.endpoint
}

output "database_cluster_endpoint" {
  description = "The Aurora cluster's writer endpoint (for operators; the functions, prepare-database included, go through the proxy)."
  value       = aws_rds_cluster.this.endpoint
}

output "cache_endpoint" {
  description = "The ElastiCache serverless endpoint (TLS)."
  value       = "${aws_elasticache_serverless_cache.redis.endpoint[0].address}:${aws_elasticache_serverless_cache.redis.endpoint[0].port}"
}

output "alarm_topic_arn" {
  description = "The SNS topic the alarms go to."
  value       = aws_sns_topic.alarms.arn
}

output "state_machine_arns" {
  description = "State machine name => ARN."
  value       = { for k, sm in aws_sfn_state_machine.saga : k => sm.arn }
}

output "queue_urls" {
  description = "Queue and dead-letter queue catalog name => URL."
  value       = local.queue_urls
}

output "function_names" {
  description = "Catalog function => Lambda function name."
  value       = { for k, f in local.lambdas : k => f.name }
}

output "execution_events_queue_url" {
  description = "The queue every status change of the state machines' executions goes to (EventBridge's \"Step Functions Execution Status Change\" events), for its subscriber; null when the catalog declares none."
  value       = one([for q in module.execution_events_queue : q.url])
}
