# The payment example (examples/payment) on Terraform: four Lambda functions behind an IAM-authorised
# HTTP API, each with a role that may do only what its handler does, and the KMS key that wraps the card
# numbers' data keys. The tables are in tables.tf, the output of
# `dynamorm generate --format terraform --models templates/models.ts`, unchanged. Bundle the handlers
# first: `node templates/bundle.mjs`. README.md beside this file explains the rest.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4.0"
    }
  }
}

variable "cursor_secret" {
  description = "Signs the listing cursors (DYNAMORM_CURSOR_SECRET): at least 32 random characters"
  type        = string
  sensitive   = true
  validation {
    condition     = length(var.cursor_secret) >= 32
    error_message = "cursor_secret needs at least 32 characters."
  }
}

variable "bundle_dir" {
  description = "The bundled handlers; by default templates/.build/payment, where node templates/bundle.mjs writes them"
  type        = string
  default     = null
}

locals {
  # One function per handler of templates/handler.ts, and the route that invokes it.
  functions = {
    create  = "POST /payments"
    capture = "POST /payments/{id}/capture"
    refund  = "POST /payments/{id}/refund"
    list    = "GET /merchants/{merchantId}/payments"
  }
  # Data keys are made and opened only with this encryption context (dynamorm/encryption's default).
  kms_context = "dynamorm-field-encryption"
}

data "archive_file" "payment" {
  type        = "zip"
  source_dir  = coalesce(var.bundle_dir, "${path.module}/../.build/payment")
  output_path = "${path.module}/.build/payment.zip"
}

resource "aws_kms_key" "payment" {
  description             = "Wraps the data keys of the payment card numbers (dynamorm/encryption)"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  lifecycle {
    prevent_destroy = true
  }
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "payment" {
  for_each           = local.functions
  name_prefix        = "payment-${each.key}-"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_iam_role_policy_attachment" "logs" {
  for_each   = local.functions
  role       = aws_iam_role.payment[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# What each handler does, and nothing more (test/integration/templates compares these with the
# requests each handler sends).

data "aws_iam_policy_document" "create" {
  statement {
    sid       = "PaymentAndGuard"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.payment_example.arn]
  }
  statement {
    sid       = "IdempotencyRecords"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.payment_example_idempotency.arn]
  }
  statement {
    sid       = "AuditChain"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.payment_example_audit.arn]
  }
  statement {
    sid       = "NewCardDataKeys"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.payment.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.kms_context]
    }
  }
}

data "aws_iam_policy_document" "capture" {
  statement {
    sid       = "Payment"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.payment_example.arn]
  }
  statement {
    sid       = "AuditChain"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.payment_example_audit.arn]
  }
  statement {
    sid       = "ReadCardDataKeys"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.payment.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.kms_context]
    }
  }
}

data "aws_iam_policy_document" "refund" {
  statement {
    sid       = "Payment"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.payment_example.arn]
  }
  statement {
    sid       = "Refund"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.payment_example_refunds.arn]
  }
  statement {
    sid       = "AuditChain"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.payment_example_audit.arn]
  }
  statement {
    sid       = "ReadCardDataKeys"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.payment.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.kms_context]
    }
  }
}

data "aws_iam_policy_document" "list" {
  statement {
    sid       = "MerchantStatusIndex"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.payment_example.arn}/index/gsi-merchant-status"]
  }
  statement {
    sid       = "ReadCardDataKeys"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.payment.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.kms_context]
    }
  }
}

resource "aws_iam_role_policy" "payment" {
  for_each = {
    create  = data.aws_iam_policy_document.create.json
    capture = data.aws_iam_policy_document.capture.json
    refund  = data.aws_iam_policy_document.refund.json
    list    = data.aws_iam_policy_document.list.json
  }
  name   = "payment-${each.key}"
  role   = aws_iam_role.payment[each.key].id
  policy = each.value
}

resource "aws_lambda_function" "payment" {
  for_each         = local.functions
  function_name    = "payment-example-${each.key}"
  role             = aws_iam_role.payment[each.key].arn
  filename         = data.archive_file.payment.output_path
  source_code_hash = data.archive_file.payment.output_base64sha256
  handler          = "index.${each.key}"
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  memory_size      = 512
  timeout          = 10

  environment {
    variables = {
      PAYMENT_KEY_ARN        = aws_kms_key.payment.arn
      DYNAMORM_CURSOR_SECRET = var.cursor_secret
    }
  }
}

resource "aws_apigatewayv2_api" "payment" {
  name          = "payment-example"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.payment.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_apigatewayv2_integration" "payment" {
  for_each               = local.functions
  api_id                 = aws_apigatewayv2_api.payment.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.payment[each.key].invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "payment" {
  for_each           = local.functions
  api_id             = aws_apigatewayv2_api.payment.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.payment[each.key].id}"
  authorization_type = "AWS_IAM"
}

resource "aws_lambda_permission" "api" {
  for_each      = local.functions
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.payment[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.payment.execution_arn}/*/*"
}

output "api_url" {
  value = aws_apigatewayv2_stage.default.invoke_url
}

output "payment_key_arn" {
  value = aws_kms_key.payment.arn
}
