variable "name" {
  description = "Queue name."
  type        = string
}

variable "dead_letter_name" {
  description = "Name of its dead-letter queue."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays hidden; at least the consumer's timeout."
  type        = number
  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be within 0..43200."
  }
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue."
  type        = number
  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be within 1..1000."
  }
}

variable "kms_key_arn" {
  description = "The customer-managed KMS key the queue and its dead-letter queue are encrypted with."
  type        = string
}
