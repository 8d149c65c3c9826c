locals {
  origins      = var.cors.allow_origins
  any_origin   = contains(local.origins, "*")
  exact_origin = !local.any_origin && length(local.origins) == 1 && !strcontains(local.origins[0], "*")

  # One allowed origin (or *) is a static header. Several, or a https://*.domain pattern, cannot be:
  # Access-Control-Allow-Origin carries one origin, so the response must echo the request's Origin when
  # it is allowed, and say "Vary: Origin" so caches keep the answers apart.
  static_origin = local.any_origin ? "*" : (local.exact_origin ? local.origins[0] : null)

  origin_conditions = [
    for o in local.origins : strcontains(o, "*")
    ? "$origin.matches('^${replace(replace(o, ".", "\\."), "*\\.", "[a-zA-Z0-9-]+\\.")}$')"
    : "$origin == '${o}'"
  ]

  # Integration-response template: API Gateway lets a mapping template override a response header.
  echo_origin_template = join("\n", [
    "#set($origin = $input.params().header.get('Origin'))",
    "#if(\"$!origin\" == \"\")#set($origin = $input.params().header.get('origin'))#end",
    "#if(\"$!origin\" != \"\" && (${join(" || ", local.origin_conditions)}))",
    "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
    "#end",
  ])

  cors_headers = merge(
    {
      "Access-Control-Allow-Headers" = join(",", var.cors.allow_headers)
      "Access-Control-Max-Age"       = tostring(var.cors.max_age_seconds)
    },
    local.static_origin == null ? { "Vary" = "Origin" } : { "Access-Control-Allow-Origin" = local.static_origin },
    var.cors.allow_credentials ? { "Access-Control-Allow-Credentials" = "true" } : {},
  )

  # Failure mode "CORS": errors produced by API Gateway itself (bad key, throttling, timeouts) never
  # reach the function, so they need the CORS headers here or browsers hide them from the page.
  gateway_responses = {
    DEFAULT_4XX                  = null
    DEFAULT_5XX                  = null
    ACCESS_DENIED                = null
    INVALID_API_KEY              = null
    MISSING_AUTHENTICATION_TOKEN = null
    QUOTA_EXCEEDED               = null
    THROTTLED                    = null
    INTEGRATION_FAILURE          = null
    INTEGRATION_TIMEOUT          = null
  }

  gateway_cors_headers = merge(
    {
      "Access-Control-Allow-Headers"  = "'${join(",", var.cors.allow_headers)}'"
      "Access-Control-Expose-Headers" = "'${join(",", var.cors.expose_headers)}'"
    },
    # With several origins a gateway response cannot check the Origin: API Gateway runs no Velocity on
    # gateway responses (their templates do simple variable substitution only, and a parameter maps a
    # literal or a request value), so $context.responseOverride and #if are not available there. The
    # choice is between echoing every Origin and echoing none; none would hide throttling (429 and its
    # Retry-After), bad keys and timeouts from the allowed apps too, so the Origin is echoed. What that
    # exposes, proven by tests/conformance/test_vtl_cors.py: a page on a foreign origin can read these
    # bodies (API Gateway's message, the response type and a request id, never data), without the
    # user's credentials (no Access-Control-Allow-Credentials with an echoed Origin), and it cannot
    # send an authenticated request at all (x-api-key needs a preflight, which echoes allowed origins
    # only), so everything it can read it could fetch without a browser.
    local.static_origin == null
    ? { "Access-Control-Allow-Origin" = "method.request.header.Origin", "Vary" = "'Origin'" }
    : { "Access-Control-Allow-Origin" = "'${local.static_origin}'" },
    var.cors.allow_credentials && local.static_origin != null ? { "Access-Control-Allow-Credentials" = "'true'" } : {},
  )
}

resource "aws_api_gateway_method" "options" {
  for_each = local.resource_methods

  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = local.resource_ids[each.key]
  http_method      = "OPTIONS"
  authorization    = "NONE"
  api_key_required = false

  #checkov:skip=CKV2_AWS_53:A CORS preflight has no body to validate; the MOCK integration answers it.
}

# Preflight requests are answered by API Gateway itself: no function invocation, no cold start.
resource "aws_api_gateway_integration" "options" {
  for_each = local.resource_methods

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = local.resource_ids[each.key]
  http_method = aws_api_gateway_method.options[each.key].http_method
  type        = "MOCK"

  request_templates = {
    "application/json" = jsonencode({ statusCode = 200 })
  }
}

resource "aws_api_gateway_method_response" "options" {
  for_each = local.resource_methods

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = local.resource_ids[each.key]
  http_method = aws_api_gateway_method.options[each.key].http_method
  status_code = "200"

  response_parameters = merge(
    { for h in keys(local.cors_headers) : "method.response.header.${h}" => true },
    { "method.response.header.Access-Control-Allow-Methods" = true },
    local.static_origin == null ? { "method.response.header.Access-Control-Allow-Origin" = true } : {},
  )

  response_models = {
    "application/json" = "Empty"
  }
}

resource "aws_api_gateway_integration_response" "options" {
  for_each = local.resource_methods

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = local.resource_ids[each.key]
  http_method = aws_api_gateway_method.options[each.key].http_method
  status_code = aws_api_gateway_method_response.options[each.key].status_code

  response_parameters = merge(
    { for h, v in local.cors_headers : "method.response.header.${h}" => "'${v}'" },
    { "method.response.header.Access-Control-Allow-Methods" = "'${join(",", each.value)}'" },
  )

  response_templates = {
    "application/json" = local.static_origin == null ? local.echo_origin_template : ""
  }

  depends_on = [aws_api_gateway_integration.options]
}

resource "aws_api_gateway_gateway_response" "this" {
  for_each = local.gateway_responses

  rest_api_id   = aws_api_gateway_rest_api.this.id
  response_type = each.key
  status_code   = each.value

  response_parameters = { for h, v in local.gateway_cors_headers : "gatewayresponse.header.${h}" => v }

  # The same error shape as the function's own errors, with the request id to quote to support.
  response_templates = {
    "application/json" = "{\"message\":$context.error.messageString,\"type\":\"$context.error.responseType\",\"requestId\":\"$context.requestId\"}"
  }
}
