# A REST API in front of an existing function's alias, logging to an existing bucket.
module "rest_api" {
  source = "../.."

  name                = "seawall-example"
  function_name       = "seawall-example-api"
  function_invoke_arn = "arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:123456789012:function:seawall-example-api:live/invocations"
  log_bucket_arn      = "arn:aws:s3:::seawall-example-logs-123456789012-us-west-2"
  cors                = { allow_origins = ["http://localhost:3000"] }
}

output "invoke_url" {
  description = "The module's invoke_url."
  value       = module.rest_api.invoke_url
}
