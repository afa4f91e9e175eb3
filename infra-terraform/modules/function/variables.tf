variable "name" {
  description = "Lambda function name."
  type        = string
}

variable "zip_path" {
  description = "Path of function.zip (for its hash: a new package redeploys the function)."
  type        = string
}

variable "s3_bucket" {
  description = "Bucket holding function.zip."
  type        = string
}

variable "s3_key" {
  description = "Key of function.zip in the bucket."
  type        = string
}

variable "runtime_mode" {
  description = "native (provided.al2023, handler bootstrap) or jvm (java21 with SnapStart, published behind the alias live)."
  type        = string
  validation {
    condition     = contains(["native", "jvm"], var.runtime_mode)
    error_message = "runtime_mode must be native or jvm."
  }
}

variable "architecture" {
  description = "arm64 or x86_64."
  type        = string
}

variable "memory_mb" {
  description = "Memory, from the catalog."
  type        = number
}

variable "timeout_seconds" {
  description = "Timeout, from the catalog."
  type        = number
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
}

variable "statements" {
  description = "The IAM statements the catalog entry grants: sid, actions, resources (ARNs), and conditions if any."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
}

variable "environment" {
  description = "Environment variables (QUARKUS_LAMBDA_HANDLER, state machine ARNs, queue URLs, ...)."
  type        = map(string)
}

variable "logs_kms_key_arn" {
  description = "The KMS key the function's log group is encrypted with."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the function runs in."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the function's network interfaces."
  type        = list(string)
}

variable "env_kms_key_arn" {
  description = "The KMS key the function's environment (which holds its database and cache credentials) is encrypted with."
  type        = string
}

variable "deploy_after" {
  description = "A value the function's code waits for before it is deployed (the database preparation its code needs); empty for none."
  type        = string
  default     = ""
}

variable "layers" {
  description = "Lambda layers of the function (the OpenTelemetry collector's, when traces are exported)."
  type        = list(string)
  default     = []
}
