resource "aws_api_gateway_api_key" "this" {
  name        = "${var.name}-key"
  description = "Key for every route except the public ones."
  enabled     = true

  tags = var.tags
}

resource "aws_api_gateway_usage_plan" "this" {
  name        = "${var.name}-plan"
  description = "Throttle and quota for the API key."

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttle.rate_limit
    burst_limit = var.throttle.burst_limit
  }

  quota_settings {
    limit  = var.quota.limit
    period = var.quota.period
  }

  tags = var.tags
}

resource "aws_api_gateway_usage_plan_key" "this" {
  key_id        = aws_api_gateway_api_key.this.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this.id
}
