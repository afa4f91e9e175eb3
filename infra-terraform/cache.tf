# ElastiCache serverless (Redis OSS): idempotency keys and the outbox sweepers' leases. TLS is
# always on; functions connect as their own user (a generated password, kept in a secret),
# limited to their keys; the default user is off.

resource "aws_security_group" "cache" {
  name        = "${local.name_prefix}-cache"
  description = "ElastiCache serverless: Redis (TLS) from the functions"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_ingress_rule" "cache_from_functions" {
  security_group_id            = aws_security_group.cache.id
  referenced_security_group_id = aws_security_group.functions.id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6380
}

resource "aws_elasticache_user" "functions" {
  user_id       = "${local.name_prefix}-functions"
  user_name     = "${local.name_prefix}-functions"
  engine        = "REDIS"
  access_string = "on ~idempotency:* ~lock:* ~campaigns:* ~ratelimit:* +@read +@write +@scripting +time -@dangerous"
  authentication_mode {
    type      = "password"
    passwords = [random_password.redis.result]
  }
}

resource "random_password" "redis" {
  length  = 40
  special = false
}

resource "aws_elasticache_user" "default" {
  user_id       = "${local.name_prefix}-default"
  user_name     = "default"
  engine        = "REDIS"
  access_string = "off -@all"
  authentication_mode {
    type = "no-password-required"
  }
}

resource "aws_elasticache_user_group" "this" {
  user_group_id = local.name_prefix
  engine        = "REDIS"
  user_ids      = [aws_elasticache_user.default.user_id, aws_elasticache_user.functions.user_id]
}

resource "aws_elasticache_serverless_cache" "redis" {
  name                 = local.name_prefix
  engine               = "redis"
  kms_key_id           = aws_kms_key.data.arn
  subnet_ids           = aws_subnet.private[*].id
  security_group_ids   = [aws_security_group.cache.id]
  user_group_id        = aws_elasticache_user_group.this.user_group_id
  major_engine_version = "7"

  cache_usage_limits {
    data_storage {
      maximum = var.cache_max_gb
      unit    = "GB"
    }
  }
}

# The functions' user, in a secret that only the functions whose entry declares redis may read.
resource "aws_secretsmanager_secret" "cache" {
  name       = "${local.name_prefix}/cache"
  kms_key_id = aws_kms_key.data.arn
}

resource "aws_secretsmanager_secret_version" "cache" {
  secret_id = aws_secretsmanager_secret.cache.id
  secret_string = jsonencode({
    username = aws_elasticache_user.functions.user_name
    password = random_password.redis.result
  })
}
