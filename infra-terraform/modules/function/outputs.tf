output "name" {
  description = "Function name."
  value       = aws_lambda_function.this.function_name
}

output "arn" {
  description = "Unqualified function ARN."
  value       = aws_lambda_function.this.arn
}

output "invoke_target" {
  description = "What triggers invoke: the alias live (jvm) or the function itself (native)."
  value       = var.runtime_mode == "jvm" ? aws_lambda_alias.live[0].arn : aws_lambda_function.this.arn
}

output "qualifier" {
  description = "The alias triggers invoke (jvm), or null. Taken from the alias itself, so that an invocation waits for it to point at the new version."
  value       = var.runtime_mode == "jvm" ? aws_lambda_alias.live[0].name : null
}

output "role_name" {
  description = "The function's own IAM role."
  value       = aws_iam_role.this.name
}

output "invoke_arn" {
  description = "The invoke_target as API Gateway's URI of it (arn:aws:apigateway:...:lambda:path/.../invocations), as an authorizer names it."
  value       = var.runtime_mode == "jvm" ? aws_lambda_alias.live[0].invoke_arn : aws_lambda_function.this.invoke_arn
}
