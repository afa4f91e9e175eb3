# A VPC with private subnets only: the functions, the database proxy and the cache live there and
# reach AWS services through VPC endpoints, never through the internet.

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = local.name_prefix }
}

resource "aws_subnet" "private" {
  count = 3

  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = { Name = "${local.name_prefix}-private-${count.index}" }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
}

resource "aws_route_table_association" "private" {
  count = 3

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_security_group" "functions" {
  name        = "${local.name_prefix}-functions"
  description = "Lambda functions: out to the database proxy, the cache and the VPC endpoints only"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_egress_rule" "functions_https" {
  security_group_id = aws_security_group.functions.id
  description       = "AWS APIs through the VPC endpoints"
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "functions_postgres" {
  security_group_id            = aws_security_group.functions.id
  description                  = "PostgreSQL through RDS Proxy"
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_egress_rule" "functions_redis" {
  security_group_id            = aws_security_group.functions.id
  description                  = "ElastiCache serverless (TLS)"
  referenced_security_group_id = aws_security_group.cache.id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6380
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name_prefix}-endpoints"
  description = "VPC interface endpoints: HTTPS from the functions"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id            = aws_security_group.endpoints.id
  referenced_security_group_id = aws_security_group.functions.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

# The AWS APIs the functions call: queues, state machines, secrets, e-mail, KMS, X-Ray.
resource "aws_vpc_endpoint" "interface" {
  for_each = toset(["sqs", "states", "secretsmanager", "email", "kms", "xray", "logs"])

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.aws_region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
}

# ---- the one way out: the webhook deliverer's egress to receivers on the internet -------------
# Functions that declare internetEgress (deliver-webhooks) run in egress subnets whose only route
# out is a NAT gateway, with a second security group that lets HTTPS out to anywhere. The subnets'
# network ACL refuses every private, carrier-grade NAT and link-local range beyond our own VPC, so
# even a delivery that got past the code's address check (which every delivery makes against the
# very address it connects to) reaches no private network beyond our VPC; inside it, its security
# groups allow what every function's do (the proxy, the cache, the endpoints). AWS's link-local
# services (the VPC's DNS, its time) are beyond any network ACL: the code's check refuses them. One
# NAT gateway (in the first zone): if that zone fails, deliveries wait and are retried, nothing is lost.

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = local.name_prefix }
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, 3)
  availability_zone = data.aws_availability_zones.available.names[0]
  tags              = { Name = "${local.name_prefix}-public" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
  tags   = { Name = "${local.name_prefix}-nat" }
}

resource "aws_nat_gateway" "this" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
  tags          = { Name = local.name_prefix }
  depends_on    = [aws_internet_gateway.this]
}

resource "aws_subnet" "egress" {
  count = 3

  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, 4 + count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = { Name = "${local.name_prefix}-egress-${count.index}" }
}

resource "aws_route_table" "egress" {
  vpc_id = aws_vpc.this.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this.id
  }
}

resource "aws_route_table_association" "egress" {
  count = 3

  subnet_id      = aws_subnet.egress[count.index].id
  route_table_id = aws_route_table.egress.id
}

locals {
  # What the egress subnets may never reach beyond the VPC itself (rule numbers from 110).
  refused_ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]
}

resource "aws_network_acl" "egress" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.egress[*].id
  tags       = { Name = "${local.name_prefix}-egress" }

  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = var.vpc_cidr
    from_port  = 0
    to_port    = 0
  }
  dynamic "egress" {
    for_each = local.refused_ranges
    content {
      rule_no    = 110 + egress.key
      action     = "deny"
      protocol   = "-1"
      cidr_block = egress.value
      from_port  = 0
      to_port    = 0
    }
  }
  egress {
    rule_no    = 200
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }

  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = var.vpc_cidr
    from_port  = 0
    to_port    = 0
  }
  # the answers to its requests (a network ACL keeps no state)
  ingress {
    rule_no    = 200
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }
}

resource "aws_security_group" "internet_egress" {
  name        = "${local.name_prefix}-internet-egress"
  description = "Functions that deliver webhooks: HTTPS out to the internet, besides the functions group"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_egress_rule" "internet_https" {
  security_group_id = aws_security_group.internet_egress.id
  description       = "Webhook receivers (https on 443 only)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}
