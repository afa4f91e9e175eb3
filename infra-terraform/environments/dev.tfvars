environment        = "dev"
aws_region         = "eu-west-1"
function_zip       = "../target/lambda/function.zip"
runtime_mode       = "native"
architecture       = "arm64"
log_retention_days = 14
notifications_from = "orders@dev.example.com"
tags               = { CostCenter = "sagaline-dev" }
