output "arn" {
  description = "Queue ARN."
  value       = aws_sqs_queue.this.arn
}

output "url" {
  description = "Queue URL."
  value       = aws_sqs_queue.this.id
}

output "dead_letter_arn" {
  description = "Dead-letter queue ARN."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dead_letter_url" {
  description = "Dead-letter queue URL."
  value       = aws_sqs_queue.dead_letter.id
}
