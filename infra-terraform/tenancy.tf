# The API keys: key => tenant, in a secret that only the HTTP functions may read. Every request's
# x-api-key is looked up there (the functions keep what they read for 5 minutes).

resource "aws_secretsmanager_secret" "api_keys" {
  name       = "${local.name_prefix}/api-keys"
  kms_key_id = aws_kms_key.data.arn
}

resource "aws_secretsmanager_secret_version" "api_keys" {
  secret_id     = aws_secretsmanager_secret.api_keys.id
  secret_string = jsonencode(var.api_keys)
}
