terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

variable "endpoint" { type = string }
variable "suffix" { type = string }
variable "description" {
  type    = string
  default = "contact-center events"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true
  endpoints {
    sqs    = var.endpoint
    events = var.endpoint
  }
}

resource "aws_sqs_queue" "dlq" {
  name = "tf-dlq-${var.suffix}"
  tags = { terraform = "true" }
}

resource "aws_sqs_queue" "calls" {
  name                       = "tf-calls-${var.suffix}"
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 })
  tags = { terraform = "true", description = var.description }
}

resource "aws_cloudwatch_event_bus" "genesys" {
  name = "tf-bus-${var.suffix}"
  tags = { terraform = "true" }
}

resource "aws_cloudwatch_event_rule" "start" {
  name           = "tf-rule-${var.suffix}"
  event_bus_name = aws_cloudwatch_event_bus.genesys.name
  description    = var.description
  event_pattern  = jsonencode({ source = [{ prefix = "aws.partner/genesys.com" }] })
  tags           = { terraform = "true" }
}

resource "aws_cloudwatch_event_target" "queue" {
  rule           = aws_cloudwatch_event_rule.start.name
  event_bus_name = aws_cloudwatch_event_bus.genesys.name
  target_id      = "queue"
  arn            = aws_sqs_queue.calls.arn
  dead_letter_config { arn = aws_sqs_queue.dlq.arn }
  retry_policy {
    maximum_retry_attempts       = 3
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_cloudwatch_event_connection" "crm" {
  name               = "tf-conn-${var.suffix}"
  authorization_type = "API_KEY"
  description        = var.description
  auth_parameters {
    api_key {
      key   = "x-api-key"
      value = "secret"
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "crm" {
  name                             = "tf-dest-${var.suffix}"
  connection_arn                   = aws_cloudwatch_event_connection.crm.arn
  invocation_endpoint              = "https://crm.example.com/hooks"
  http_method                      = "POST"
  invocation_rate_limit_per_second = 20
  description                      = var.description
}

resource "aws_cloudwatch_event_target" "crm" {
  rule           = aws_cloudwatch_event_rule.start.name
  event_bus_name = aws_cloudwatch_event_bus.genesys.name
  target_id      = "crm"
  arn            = aws_cloudwatch_event_api_destination.crm.arn
  role_arn       = "arn:aws:iam::123456789012:role/eventbridge"
}

resource "aws_cloudwatch_event_permission" "partner" {
  principal      = "111122223333"
  statement_id   = "partner"
  event_bus_name = aws_cloudwatch_event_bus.genesys.name
}
