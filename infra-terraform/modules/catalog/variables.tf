variable "catalog_path" {
  description = "Path of functions/catalog.json, the one place a function, queue or state machine is declared."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name (Lambda, queue, state machine), e.g. sagaline-dev."
  type        = string
}

variable "partition" {
  description = "AWS partition of the ARNs (aws, aws-cn, aws-us-gov)."
  type        = string
}

variable "region" {
  description = "AWS region of the ARNs."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the ARNs."
  type        = string
}

variable "ses_identity_arn" {
  description = "ARN of the verified SES identity notifications are sent from; functions with sendsEmail may send as it only."
  type        = string
}

variable "database_secret_arns" {
  description = "Service => ARN of the Secrets Manager secret of its database role, for every service in the output services."
  type        = map(string)
}

variable "database_admin_secret_arn" {
  description = "ARN of the database administrator's secret, which only the function that prepares the database may read."
  type        = string
}

variable "personal_data_key_arns" {
  description = "The KMS keys that wrap the data keys of personal data: the current one first (new data keys are wrapped under it), then any retired one still unwrapping what it wrapped until reseal-*-data has re-wrapped it."
  type        = list(string)
}

variable "token_key_arns" {
  description = "The asymmetric KMS keys (ECC_NIST_P256) of short-lived access tokens: the current one first (it signs), then any retired one that still verifies the tokens it signed until they expire (an hour at most)."
  type        = list(string)
}

variable "valet_link_key_arns" {
  description = "The asymmetric KMS keys (ECC_NIST_P256) of valet links, apart from the tokens' so that neither signer can make the other's: the current one first (it signs), then any retired one still verifying the links it signed."
  type        = list(string)
}

variable "cache_secret_arn" {
  description = "ARN of the secret of the cache user, which the functions whose entry declares redis read."
  type        = string
}
