data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # The resource tree, built from the route paths: first segments hang off the root, second segments
  # off their first segment. Two for_each resources instead of one, because a resource cannot refer
  # to another instance of itself as its parent.
  paths = keys(var.routes)
  top_parts = toset(concat(
    [for p in local.paths : split("/", trimprefix(p, "/"))[0]],
  ))
  child_parts = {
    for p in local.paths : trimprefix(p, "/") => {
      parent = split("/", trimprefix(p, "/"))[0]
      part   = split("/", trimprefix(p, "/"))[1]
    } if length(split("/", trimprefix(p, "/"))) == 2
  }

  resource_ids = merge(
    { for k, r in aws_api_gateway_resource.top : "/${k}" => r.id },
    { for k, r in aws_api_gateway_resource.child : "/${k}" => r.id },
  )

  # "GET /items" => { path, method, public }
  methods = merge([
    for path, verbs in var.routes : {
      for verb in verbs : "${verb} ${path}" => {
        path   = path
        method = verb
        public = contains(var.public_paths, path)
      }
    }
  ]...)

  # Every resource answers OPTIONS with the methods it really has.
  resource_methods = {
    for path in keys(local.resource_ids) : path => sort(concat(lookup(var.routes, path, []), ["OPTIONS"]))
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = var.description

  # API keys are read from the X-Api-Key header (not from a Lambda authorizer).
  api_key_source = "HEADER"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    # A replacement API exists (with its own URL) before the old one is deleted.
    create_before_destroy = true
  }

  tags = var.tags
}

resource "aws_api_gateway_resource" "top" {
  for_each = local.top_parts

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.key
}

resource "aws_api_gateway_resource" "child" {
  for_each = local.child_parts

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.top[each.value.parent].id
  path_part   = each.value.part
}

resource "aws_api_gateway_method" "this" {
  for_each = local.methods

  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = local.resource_ids[each.value.path]
  http_method      = each.value.method
  authorization    = "NONE"
  api_key_required = !each.value.public

  #checkov:skip=CKV_AWS_59:Every route requires an API key except the public health check (public_paths); IAM or Cognito authorizers are out of scope.
  #checkov:skip=CKV2_AWS_53:Lambda proxy integrations: the handler validates every request body and returns 400 itself, so the error format is the API's own.
}

# Lambda proxy integrations to the live alias, with an explicit timeout (failure mode "API Gateway
# integration timeout": the function's timeout is validated to be below it).
resource "aws_api_gateway_integration" "this" {
  for_each = local.methods

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = local.resource_ids[each.value.path]
  http_method             = aws_api_gateway_method.this[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_invoke_arn
  timeout_milliseconds    = floor(var.integration_timeout_seconds * 1000)
}

resource "aws_lambda_permission" "this" {
  statement_id  = "AllowInvokeFrom-${var.name}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  qualifier     = var.function_alias
  principal     = "apigateway.amazonaws.com"
  # Only this API, any stage, method and path: test invocations from the console come from no stage.
  source_arn = "${aws_api_gateway_rest_api.this.execution_arn}/*/*/*"
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  description = "Managed by Terraform; replaced whenever the API definition changes."

  # A deployment is a snapshot: without a new one, changed methods or integrations would not reach the
  # stage. Hash everything that shapes the API so any change redeploys.
  triggers = {
    redeployment = sha1(jsonencode([
      local.resource_ids,
      [for k, m in aws_api_gateway_method.this : [k, m.id, m.api_key_required, m.authorization]],
      [for k, i in aws_api_gateway_integration.this : [k, i.id, i.uri, i.timeout_milliseconds]],
      [for k, m in aws_api_gateway_method.options : [k, m.id]],
      [for k, i in aws_api_gateway_integration.options : [k, i.id, i.request_templates]],
      [for k, r in aws_api_gateway_integration_response.options : [k, r.id, r.response_parameters, r.response_templates]],
      [for k, r in aws_api_gateway_gateway_response.this : [k, r.id, r.response_parameters, r.response_templates]],
    ]))
  }

  lifecycle {
    # The stage keeps pointing at the old deployment until the new one exists.
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_integration.this,
    aws_api_gateway_integration.options,
    aws_api_gateway_integration_response.options,
  ]
}

resource "aws_api_gateway_stage" "this" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing_enabled

  cache_cluster_enabled = var.caching.enabled
  cache_cluster_size    = var.caching.enabled ? var.caching.size : null

  # Failure mode "S3 logging configuration": access logs go to the log bucket through Firehose, whose
  # own delivery errors are logged and alarmed on (monitoring module).
  access_log_settings {
    destination_arn = aws_kinesis_firehose_delivery_stream.access_logs.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTimeEpoch"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      apiKeyId           = "$context.identity.apiKeyId"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integration.status"
      integrationError   = "$context.integration.error"
      errorMessage       = "$context.error.message"
      errorType          = "$context.error.responseType"
    })
  }

  depends_on = [aws_api_gateway_account.this]

  #checkov:skip=CKV2_AWS_29:A WAF web ACL is an account-level choice outside this stack; the usage plan throttles and caps every key.
  #checkov:skip=CKV2_AWS_51:Clients authenticate with API keys over TLS; mutual TLS needs a custom domain, which this stack does not own.
  tags = var.tags
}

resource "aws_api_gateway_method_settings" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled = true
    logging_level   = var.logging_level
    # Full request and response bodies in the logs would leak item data.
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttle.rate_limit
    throttling_burst_limit = var.throttle.burst_limit

    # Performance degradation: GET responses can be cached at the stage; keys and items change through
    # the API, so the TTL stays short and clients cannot ask to bypass it without authorisation.
    caching_enabled                            = var.caching.enabled
    cache_ttl_in_seconds                       = var.caching.ttl_seconds
    cache_data_encrypted                       = true
    require_authorization_for_cache_control    = true
    unauthorized_cache_control_header_strategy = "SUCCEED_WITH_RESPONSE_HEADER"
  }
}
