# Plan-level tests with a mocked provider: no network, no credentials.

mock_provider "aws" {
  source = "../../tests/mocks"

  # Mocked ARNs are random strings; the provider validates these ones as ARNs.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = { execution_arn = "arn:aws:execute-api:us-west-2:123456789012:mocked" }
  }

  mock_resource "aws_kinesis_firehose_delivery_stream" {
    defaults = { arn = "arn:aws:firehose:us-west-2:123456789012:deliverystream/mocked" }
  }
}

variables {
  name                = "seawall-test"
  function_name       = "seawall-test-api"
  function_invoke_arn = "arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:123456789012:function:seawall-test-api:live/invocations"
  log_bucket_arn      = "arn:aws:s3:::seawall-test-logs-123456789012-us-west-2"
  cors                = { allow_origins = ["http://localhost:3000"] }
}

run "routes_match_the_handler" {
  command = plan

  assert {
    condition = toset(keys(aws_api_gateway_method.this)) == toset([
      "GET /health", "GET /items", "POST /items", "GET /items/{id}", "PUT /items/{id}", "DELETE /items/{id}", "POST /jobs", "GET /jobs/{id}",
    ])
    error_message = "The API must expose exactly the handler's routes."
  }

  assert {
    condition     = toset(keys(aws_api_gateway_resource.top)) == toset(["health", "items", "jobs"]) && toset([for r in aws_api_gateway_resource.child : r.path_part]) == toset(["{id}"])
    error_message = "The resource tree must be /health, /items, /items/{id}, /jobs, /jobs/{id}."
  }

  assert {
    condition     = alltrue([for k, m in aws_api_gateway_method.this : m.api_key_required == (k != "GET /health")])
    error_message = "Every route needs the API key except GET /health."
  }

  assert {
    condition = alltrue([
      for i in aws_api_gateway_integration.this :
      i.type == "AWS_PROXY" && i.integration_http_method == "POST" && i.uri == var.function_invoke_arn && i.timeout_milliseconds == 29000
    ])
    error_message = "Every route must be a Lambda proxy integration to the alias with an explicit timeout."
  }

  assert {
    condition     = aws_lambda_permission.this.qualifier == "live" && aws_lambda_permission.this.principal == "apigateway.amazonaws.com"
    error_message = "API Gateway must be allowed to invoke the live alias."
  }
}

run "preflight_on_every_resource" {
  command = plan

  assert {
    condition     = toset(keys(aws_api_gateway_method.options)) == toset(["/health", "/items", "/items/{id}", "/jobs", "/jobs/{id}"])
    error_message = "Every resource must answer OPTIONS."
  }

  assert {
    condition     = alltrue([for m in aws_api_gateway_method.options : !m.api_key_required && m.authorization == "NONE"])
    error_message = "Preflight requests carry no API key: OPTIONS must not require one."
  }

  assert {
    condition     = alltrue([for i in aws_api_gateway_integration.options : i.type == "MOCK"])
    error_message = "OPTIONS must be answered by API Gateway itself (MOCK)."
  }

  assert {
    condition     = aws_api_gateway_integration_response.options["/items/{id}"].response_parameters["method.response.header.Access-Control-Allow-Methods"] == "'DELETE,GET,OPTIONS,PUT'"
    error_message = "Allow-Methods must list the methods of that resource."
  }

  assert {
    condition     = aws_api_gateway_integration_response.options["/items"].response_parameters["method.response.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'"
    error_message = "With one exact origin, the preflight answers it statically."
  }

  assert {
    condition = alltrue([
      for k, r in aws_api_gateway_integration_response.options : alltrue([
        for h in keys(r.response_parameters) : contains(keys(aws_api_gateway_method_response.options[k].response_parameters), h)
      ])
    ])
    error_message = "Every header the integration response sets must be declared in the method response."
  }
}

run "several_origins_are_echoed_when_allowed" {
  command = plan

  variables {
    cors = { allow_origins = ["http://localhost:3000", "https://*.example.com"] }
  }

  assert {
    condition     = strcontains(aws_api_gateway_integration_response.options["/items"].response_templates["application/json"], "$origin.matches('^https://[a-zA-Z0-9-]+\\.example\\.com$')")
    error_message = "A wildcard origin must become an anchored pattern in the preflight template."
  }

  assert {
    condition     = aws_api_gateway_integration_response.options["/items"].response_parameters["method.response.header.Vary"] == "'Origin'"
    error_message = "Echoed origins must come with Vary: Origin."
  }

  assert {
    condition     = aws_api_gateway_gateway_response.this["DEFAULT_4XX"].response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == "method.request.header.Origin"
    error_message = "Gateway errors must echo the origin when several are allowed."
  }
}

run "echoed_origins_never_come_with_credentials" {
  command = plan

  variables {
    cors = { allow_origins = ["http://localhost:3000", "https://*.example.com"], allow_credentials = true }
  }

  assert {
    condition     = alltrue([for r in aws_api_gateway_gateway_response.this : !contains(keys(r.response_parameters), "gatewayresponse.header.Access-Control-Allow-Credentials")])
    error_message = "A gateway response that echoes any Origin must not let browsers read it with the user's credentials."
  }

  assert {
    condition     = aws_api_gateway_integration_response.options["/items"].response_parameters["method.response.header.Access-Control-Allow-Credentials"] == "'true'"
    error_message = "The preflight, which checks the origin, still allows credentials."
  }
}

run "errors_readable_by_browsers" {
  command = plan

  assert {
    condition     = alltrue([for t in ["DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED", "QUOTA_EXCEEDED", "INTEGRATION_TIMEOUT", "INVALID_API_KEY"] : contains(keys(aws_api_gateway_gateway_response.this), t)])
    error_message = "Gateway responses must cover the default 4XX/5XX, throttling, quota, timeout and API-key errors."
  }

  assert {
    condition     = alltrue([for r in aws_api_gateway_gateway_response.this : r.response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'"])
    error_message = "Every gateway response must carry Access-Control-Allow-Origin."
  }
}

run "stage_usage_plan_and_logs" {
  # apply (against the mock) so that the Firehose ARN is known in the stage's access-log settings.
  command = apply

  variables {
    throttle = { rate_limit = 20, burst_limit = 40 }
    quota    = { limit = 5000, period = "WEEK" }
  }

  assert {
    condition     = one(aws_api_gateway_stage.this.access_log_settings).destination_arn == aws_kinesis_firehose_delivery_stream.access_logs.arn
    error_message = "Access logs must go to the Firehose stream."
  }

  assert {
    condition     = startswith(aws_kinesis_firehose_delivery_stream.access_logs.name, "amazon-apigateway-")
    error_message = "API Gateway only delivers to Firehose streams named amazon-apigateway-*."
  }

  assert {
    condition     = one(aws_kinesis_firehose_delivery_stream.access_logs.extended_s3_configuration).bucket_arn == var.log_bucket_arn
    error_message = "The stream must write to the log bucket."
  }

  assert {
    condition     = one(aws_kinesis_firehose_delivery_stream.access_logs.server_side_encryption).enabled
    error_message = "The stream must be encrypted."
  }

  assert {
    condition     = one(aws_api_gateway_usage_plan.this.throttle_settings).rate_limit == 20 && one(aws_api_gateway_usage_plan.this.quota_settings).period == "WEEK"
    error_message = "The usage plan must carry the throttle and the quota."
  }

  assert {
    condition     = one(aws_api_gateway_usage_plan.this.api_stages).stage == aws_api_gateway_stage.this.stage_name && aws_api_gateway_usage_plan_key.this.key_id == aws_api_gateway_api_key.this.id
    error_message = "The key must be in the plan, and the plan on the stage."
  }

  assert {
    condition = (
      one(aws_api_gateway_method_settings.this.settings).metrics_enabled &&
      one(aws_api_gateway_method_settings.this.settings).logging_level == "ERROR" &&
      one(aws_api_gateway_method_settings.this.settings).throttling_burst_limit == 40 &&
      one(aws_api_gateway_method_settings.this.settings).data_trace_enabled == false
    )
    error_message = "Method settings must turn on metrics, error logging and throttling, without logging bodies."
  }

  assert {
    condition     = length(aws_api_gateway_deployment.this.triggers["redeployment"]) == 40
    error_message = "The deployment must be keyed on a hash of the API definition."
  }
}

run "no_wildcard_actions" {
  command = plan

  variables {
    manage_account_logging_role = true # so that the account logging role's policy is checked too
  }

  assert {
    condition = alltrue(flatten([
      for d in concat([data.aws_iam_policy_document.firehose], data.aws_iam_policy_document.apigateway_logging) : [
        for s in d.statement : [for a in s.actions : !strcontains(a, "*")]
      ]
    ]))
    error_message = "No policy of the module may use a wildcard action."
  }
}

run "caching_is_optional" {
  command = plan

  variables {
    caching = { enabled = true, size = "1.6", ttl_seconds = 30 }
  }

  assert {
    condition     = aws_api_gateway_stage.this.cache_cluster_enabled && aws_api_gateway_stage.this.cache_cluster_size == "1.6"
    error_message = "Caching must size the stage cache."
  }

  assert {
    condition     = one(aws_api_gateway_method_settings.this.settings).caching_enabled && one(aws_api_gateway_method_settings.this.settings).cache_ttl_in_seconds == 30 && one(aws_api_gateway_method_settings.this.settings).cache_data_encrypted
    error_message = "Cached responses must be encrypted and kept for the TTL."
  }
}

run "rejects_integration_timeout_above_29s" {
  command = plan

  variables {
    integration_timeout_seconds = 30
  }

  expect_failures = [var.integration_timeout_seconds]
}

run "rejects_names_that_overflow_the_stream_name" {
  command = plan

  variables {
    name = "a-rest-api-name-that-is-much-too-long"
  }

  expect_failures = [var.name]
}

run "rejects_three_segment_paths" {
  command = plan

  variables {
    routes = { "/items/{id}/history" = ["GET"] }
  }

  expect_failures = [var.routes]
}

run "rejects_unknown_methods" {
  command = plan

  variables {
    routes = { "/items" = ["FETCH"] }
  }

  expect_failures = [var.routes]
}

run "rejects_origins_with_paths" {
  command = plan

  variables {
    cors = { allow_origins = ["https://app.example.com/"] }
  }

  expect_failures = [var.cors]
}

run "rejects_credentials_with_any_origin" {
  command = plan

  variables {
    cors = { allow_origins = ["*"], allow_credentials = true }
  }

  expect_failures = [var.cors]
}

run "rejects_unknown_cache_size" {
  command = plan

  variables {
    caching = { enabled = true, size = "2" }
  }

  expect_failures = [var.caching]
}

run "rejects_unknown_logging_level" {
  command = plan

  variables {
    logging_level = "DEBUG"
  }

  expect_failures = [var.logging_level]
}

run "rejects_unknown_quota_period" {
  command = plan

  variables {
    quota = { period = "YEAR" }
  }

  expect_failures = [var.quota]
}

run "rejects_zero_throttle" {
  command = plan

  variables {
    throttle = { rate_limit = 0 }
  }

  expect_failures = [var.throttle]
}

run "rejects_absolute_log_prefix" {
  command = plan

  variables {
    access_log_prefix = "/logs"
  }

  expect_failures = [var.access_log_prefix]
}

run "rejects_firehose_buffer_above_128mb" {
  command = plan

  variables {
    firehose_buffering = { size_mb = 256 }
  }

  expect_failures = [var.firehose_buffering]
}
