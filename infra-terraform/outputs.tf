output "api_url" {
  description = "The HTTP API's URL (the API contract's base URL)."
  value       = aws_apigatewayv2_stage.default.invoke_url
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
  value       = { for k, f in module.function : k => f.name }
}
