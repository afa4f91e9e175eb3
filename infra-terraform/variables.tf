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

variable "vpc_cidr" {
  description = "CIDR block of the VPC; three private /20 subnets are cut from it."
  type        = string
  default     = "10.40.0.0/16"
  validation {
    condition     = can(cidrsubnet(var.vpc_cidr, 4, 2))
    error_message = "vpc_cidr must be an IPv4 CIDR block of /24 or larger."
  }
}

variable "database_min_acu" {
  description = "Aurora Serverless v2 minimum capacity (ACU); 0 lets an idle cluster pause (engine 16.3+)."
  type        = number
  default     = 0
  validation {
    condition     = var.database_min_acu >= 0 && var.database_min_acu <= 256
    error_message = "database_min_acu must be within 0..256."
  }
}

variable "database_max_acu" {
  description = "Aurora Serverless v2 maximum capacity (ACU)."
  type        = number
  default     = 4
  validation {
    condition     = var.database_max_acu >= 1 && var.database_max_acu <= 256
    error_message = "database_max_acu must be within 1..256."
  }
}

variable "cache_max_gb" {
  description = "Maximum data stored in the ElastiCache serverless cache (GB)."
  type        = number
  default     = 1
  validation {
    condition     = var.cache_max_gb >= 1 && var.cache_max_gb <= 5000
    error_message = "cache_max_gb must be within 1..5000."
  }
}

variable "alarm_email" {
  description = "E-mail address the alarms are sent to (an SNS subscription to confirm); empty: none."
  type        = string
  default     = ""
}

variable "api_rate_limit_per_5_min" {
  description = "Requests one IP address may make in 5 minutes before the WAF blocks it."
  type        = number
  default     = 2000
  validation {
    condition     = var.api_rate_limit_per_5_min >= 10
    error_message = "api_rate_limit_per_5_min must be at least 10 (WAF's minimum)."
  }
}


variable "retired_personal_data_key_arns" {
  description = "KMS keys that wrapped personal data's data keys before aws_kms_key.personal_data: still allowed to unwrap, until reseal-customers-data and reseal-notifications-data have re-wrapped everything under the current key (README, \"Security\"). Empty unless moving to a new key."
  type        = list(string)
  default     = []
}

variable "retired_token_key_arns" {
  description = "KMS keys that signed access tokens before aws_kms_key.tokens: they still verify what they signed, until it has expired (an hour at most). Empty unless moving to a new key."
  type        = list(string)
  default     = []
}

variable "retired_valet_link_key_arns" {
  description = "KMS keys that signed valet links before aws_kms_key.valet_links: they still verify the links they signed, until those expire (30 days at most). Empty unless moving to a new key."
  type        = list(string)
  default     = []
}

variable "otel_collector_layer_arn" {
  description = <<-EOT
    The Lambda layer that takes each function's traces by OTLP on localhost:4317 and sends them to
    X-Ray. Null (the default): AWS's ADOT collector layer for the region and architecture,
    aws-otel-collector-<amd64|arm64>-ver-0-117-0:1 (check its ARN for your region:
    https://aws-otel.github.io/docs/getting-started/lambda). Empty: no layer, and the functions make
    no spans of their own (Lambda's and Step Functions' X-Ray segments remain).
  EOT
  type        = string
  default     = null
}
