variable "environment" {
  description = "Environment name; part of every resource name."
  type        = string
  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "aws_region" {
  description = "AWS region to deploy to."
  type        = string
  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as eu-west-1."
  }
}

variable "function_zip" {
  description = "Path of the function.zip the Maven build produced (native: provided.al2023; jvm: java21)."
  type        = string
}

variable "runtime_mode" {
  description = "native: the GraalVM/Mandrel build on the provided.al2023 custom runtime (default); jvm: the java21 runtime with SnapStart."
  type        = string
  default     = "native"
  validation {
    condition     = contains(["native", "jvm"], var.runtime_mode)
    error_message = "runtime_mode must be native or jvm."
  }
}

variable "architecture" {
  description = "Lambda architecture; the native build must target the same one."
  type        = string
  default     = "arm64"
  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "log_retention_days" {
  description = "How long function and state machine logs are kept."
  type        = number
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts."
  }
}

variable "notifications_from" {
  description = "The SES-verified e-mail identity notifications are sent from."
  type        = string
  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.notifications_from))
    error_message = "notifications_from must be an e-mail address."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
