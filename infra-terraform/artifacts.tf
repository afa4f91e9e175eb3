# function.zip is uploaded once, to a private, encrypted bucket, and every Lambda takes its code
# from there (the JVM package is above Lambda's 50 MB limit for a direct upload).

resource "aws_s3_bucket" "artifacts" {
  bucket_prefix = "${local.name_prefix}-artifacts-"
  force_destroy = var.environment != "prod"
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_object" "function_zip" {
  bucket      = aws_s3_bucket.artifacts.id
  key         = "function-${filemd5(var.function_zip)}.zip"
  source      = var.function_zip
  source_hash = filemd5(var.function_zip)
  depends_on  = [aws_s3_bucket_server_side_encryption_configuration.artifacts]
}
