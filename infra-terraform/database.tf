# Aurora PostgreSQL Serverless v2 behind RDS Proxy. Each service has its own database role, allowed
# only its own schema. Its credentials are a Secrets Manager secret, which RDS Proxy authenticates
# with and the service's functions read at start (never from their environment). The function
# prepare-database, invoked by this configuration on every apply that changes the code, migrates
# the database as its administrator and creates or updates every role and its grants.

locals {
  # Services that own a schema: every catalog service but the platform's operators' commands.
  services        = toset(module.catalog.services)
  service_secrets = { for s, secret in aws_secretsmanager_secret.service : s => secret.arn }
  admin_secret    = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

resource "aws_security_group" "database" {
  name        = "${local.name_prefix}-database"
  description = "Aurora and RDS Proxy: PostgreSQL from the functions and the proxy"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_functions" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = aws_security_group.functions.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "database_from_proxy" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_egress_rule" "proxy_to_database" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_db_subnet_group" "this" {
  name       = local.name_prefix
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_rds_cluster" "this" {
  cluster_identifier              = local.name_prefix
  engine                          = "aurora-postgresql"
  engine_mode                     = "provisioned"
  engine_version                  = "16.6"
  database_name                   = "sagaline"
  master_username                 = "sagaline_admin"
  manage_master_user_password     = true
  master_user_secret_kms_key_id   = aws_kms_key.data.key_id
  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.database.id]
  storage_encrypted               = true
  kms_key_id                      = aws_kms_key.data.arn
  backup_retention_period         = var.environment == "prod" ? 14 : 1
  deletion_protection             = var.environment == "prod"
  skip_final_snapshot             = var.environment != "prod"
  final_snapshot_identifier       = var.environment == "prod" ? "${local.name_prefix}-final" : null
  enabled_cloudwatch_logs_exports = ["postgresql"]

  serverlessv2_scaling_configuration {
    min_capacity = var.database_min_acu
    max_capacity = var.database_max_acu
  }
}

resource "aws_rds_cluster_instance" "this" {
  count = var.environment == "prod" ? 2 : 1

  identifier           = "${local.name_prefix}-${count.index}"
  cluster_identifier   = aws_rds_cluster.this.id
  instance_class       = "db.serverless"
  engine               = aws_rds_cluster.this.engine
  engine_version       = aws_rds_cluster.this.engine_version
  db_subnet_group_name = aws_db_subnet_group.this.name
}

# One role per service: its name and a generated password, kept in its own secret.
resource "random_password" "service" {
  for_each = local.services

  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "service" {
  for_each = local.services

  name       = "${local.name_prefix}/database/${each.key}"
  kms_key_id = aws_kms_key.data.arn
}

resource "aws_secretsmanager_secret_version" "service" {
  for_each = local.services

  secret_id = aws_secretsmanager_secret.service[each.key].id
  secret_string = jsonencode({
    username = "svc_${each.key}"
    password = random_password.service[each.key].result
    schema   = each.key
  })
}

resource "aws_iam_role" "proxy" {
  name               = "${local.name_prefix}-rds-proxy"
  assume_role_policy = data.aws_iam_policy_document.assume["rds"].json
}

data "aws_iam_policy_document" "proxy" {
  statement {
    sid       = "ReadTheServiceSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = concat(values(local.service_secrets), [local.admin_secret])
  }
  statement {
    sid       = "DecryptThem"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.data.arn]
  }
}

resource "aws_iam_role_policy" "proxy" {
  role   = aws_iam_role.proxy.id
  policy = data.aws_iam_policy_document.proxy.json
}

resource "aws_db_proxy" "this" {
  name                   = local.name_prefix
  engine_family          = "POSTGRESQL"
  role_arn               = aws_iam_role.proxy.arn
  vpc_subnet_ids         = aws_subnet.private[*].id
  vpc_security_group_ids = [aws_security_group.database.id]
  require_tls            = true

  dynamic "auth" {
    for_each = local.service_secrets
    content {
      auth_scheme = "SECRETS"
      iam_auth    = "DISABLED"
      secret_arn  = auth.value
      description = "role of the ${auth.key} service"
    }
  }

  # The administrator (the master secret RDS manages), for prepare-database: it too goes through
  # the proxy, whose certificate the functions can verify (the cluster's chains to the RDS CA).
  auth {
    auth_scheme = "SECRETS"
    iam_auth    = "DISABLED"
    secret_arn  = local.admin_secret
    description = "administrator, for prepare-database"
  }
}

resource "aws_db_proxy_default_target_group" "this" {
  db_proxy_name = aws_db_proxy.this.name
  connection_pool_config {
    max_connections_percent = 90
  }
}

resource "aws_db_proxy_target" "this" {
  db_proxy_name         = aws_db_proxy.this.name
  target_group_name     = aws_db_proxy_default_target_group.this.name
  db_cluster_identifier = aws_rds_cluster.this.cluster_identifier
}

# The deployment step: migrations, then one role per service with its grants. Invoked again when
# the code (and with it the migrations) or a service's secret changes; a failure fails the apply.
resource "aws_lambda_invocation" "prepare_database" {
  for_each = { for n, f in module.catalog.functions : n => f if f.prepares_database }

  function_name = module.preparer[each.key].name
  qualifier     = module.preparer[each.key].qualifier
  input         = jsonencode({})
  triggers = {
    code    = filebase64sha256(var.function_zip)
    secrets = sha256(jsonencode({ for s, v in aws_secretsmanager_secret_version.service : s => v.version_id }))
  }

  # It goes through the proxy: the proxy must have the cluster behind it and be allowed the secrets.
  depends_on = [aws_rds_cluster_instance.this, aws_vpc_endpoint.interface, aws_db_proxy_target.this, aws_iam_role_policy.proxy]
}
