locals {
  prefix  = "${var.name}-${var.environment}"
  is_prod = var.environment == "prod"

  # The one place that defines what the functions are told (docs/function-contract.md).
  function_environment = {
    SEAWALL_ENVIRONMENT                   = var.environment
    SEAWALL_TABLE_NAME                    = module.data_table.table_name
    SEAWALL_JOBS_QUEUE_URL                = module.async_jobs.queue_url
    SEAWALL_CORS_ALLOW_ORIGINS            = join(",", var.cors_allow_origins)
    SEAWALL_LOG_LEVEL                     = var.log_level
    SEAWALL_FAULT_INJECTION               = var.fault_injection
    SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD = tostring(var.allow_fault_injection_in_prod)
  }

  table_resources = concat([module.data_table.table_arn], module.data_table.index_arns)
  customer_keys   = compact([var.table.kms_key_arn])
}

module "log_bucket" {
  source = "../modules/log-bucket"

  name_prefix                     = "${local.prefix}-logs"
  name_suffix                     = var.log_bucket_suffix
  force_destroy                   = !local.is_prod
  transition_days                 = var.log_bucket.transition_days
  expiration_days                 = var.log_bucket.expiration_days
  abort_incomplete_multipart_days = var.log_bucket.abort_incomplete_multipart_days
  writer_role_arns                = [module.rest_api.firehose_role_arn]
}

module "data_table" {
  source = "../modules/data-table"

  name                = "${local.prefix}-data"
  billing_mode        = var.table.billing_mode
  enable_autoscaling  = var.table.enable_autoscaling
  autoscaling         = var.table.autoscaling
  kms_key_arn         = var.table.kms_key_arn
  deletion_protection = local.is_prod
  replica_regions     = var.table.replica_regions
  backup              = var.table.backup
}

module "api_function" {
  source = "../modules/function"

  iam_name_suffix = var.iam_name_suffix

  name                            = "${local.prefix}-api"
  description                     = "seawall API: items and jobs over REST."
  handler                         = "seawall_handler.api.handler"
  zip_path                        = var.function_zip_path
  zip_sha256                      = var.function_zip_sha256
  runtime                         = var.function_runtime
  memory_size                     = var.api_function.memory_size
  timeout                         = var.api_function.timeout
  api_integration_timeout_seconds = var.api_integration_timeout_seconds
  reserved_concurrency            = var.api_function.reserved_concurrency
  provisioned_concurrency         = var.api_function.provisioned_concurrency
  canary                          = var.api_canary
  log_retention_days              = var.log_retention_days
  tracing_enabled                 = var.tracing_enabled
  environment_variables           = local.function_environment
  kms_key_arns                    = local.customer_keys

  # Exactly the calls the API handler makes (packages/handler: items, idempotency records, job records
  # and chunks, the jobs queue), on this table, its index and this queue only.
  policy_statements = merge({
    ReadWriteItems = {
      actions = [
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ]
      resources = local.table_resources
    }
    EnqueueJobs = {
      actions   = ["sqs:SendMessage"]
      resources = [module.async_jobs.queue_arn]
    }
  }, var.api_function_extra_policy_statements)
}

module "worker_function" {
  source = "../modules/function"

  iam_name_suffix = var.iam_name_suffix

  name                    = "${local.prefix}-worker"
  description             = "seawall jobs worker: runs the jobs the API queued."
  handler                 = "seawall_handler.worker.handler"
  zip_path                = var.function_zip_path
  zip_sha256              = var.function_zip_sha256
  runtime                 = var.function_runtime
  memory_size             = var.worker_function.memory_size
  timeout                 = var.worker_function.timeout
  reserved_concurrency    = var.worker_function.reserved_concurrency
  provisioned_concurrency = var.worker_function.provisioned_concurrency
  log_retention_days      = var.log_retention_days
  tracing_enabled         = var.tracing_enabled
  environment_variables   = local.function_environment
  kms_key_arns            = local.customer_keys

  # The worker reads and updates job records, writes items in batches and reads the queue's redrive
  # policy; the SQS actions are what the event source mapping needs, on this queue only.
  policy_statements = {
    ProcessJobs = {
      actions = [
        "dynamodb:BatchWriteItem",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
      ]
      resources = [module.data_table.table_arn]
    }
    ConsumeJobs = {
      actions = [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
      ]
      resources = [module.async_jobs.queue_arn]
    }
  }
}

module "async_jobs" {
  source = "../modules/async-jobs"

  name                = "${local.prefix}-jobs"
  worker_function_arn = var.jobs.subscribe_alias ? module.worker_function.alias_arn : module.worker_function.version_arn
  worker_timeout      = var.worker_function.timeout
  max_receive_count   = var.jobs.max_receive_count
  batch_size          = var.jobs.batch_size
  maximum_concurrency = var.jobs.maximum_concurrency
  mapping_enabled     = var.jobs.mapping_enabled

  restrict_dead_letter_sources = var.jobs.restrict_dead_letter_sources
}

module "rest_api" {
  source = "../modules/rest-api"

  iam_name_suffix = var.iam_name_suffix

  name                        = local.prefix
  description                 = "seawall ${var.environment} API"
  function_name               = module.api_function.function_name
  function_alias              = module.api_function.alias_name
  function_invoke_arn         = module.api_function.alias_invoke_arn
  integration_timeout_seconds = var.api_integration_timeout_seconds
  cors                        = { allow_origins = var.cors_allow_origins }
  throttle                    = var.api_throttle
  quota                       = var.api_quota
  logging_level               = var.api_logging_level
  manage_account_logging_role = var.manage_account_logging_role
  caching                     = var.api_caching
  xray_tracing_enabled        = var.tracing_enabled
  log_bucket_arn              = module.log_bucket.bucket_arn
  firehose_buffering          = var.firehose_buffering
  log_retention_days          = var.log_retention_days
}

module "monitoring" {
  source = "../modules/monitoring"

  name_prefix = local.prefix

  functions = {
    api = {
      name                 = module.api_function.function_name
      timeout              = module.api_function.timeout
      reserved_concurrency = module.api_function.reserved_concurrency
      log_group_name       = module.api_function.log_group_name
    }
    worker = {
      name                 = module.worker_function.function_name
      timeout              = module.worker_function.timeout
      reserved_concurrency = module.worker_function.reserved_concurrency
      log_group_name       = module.worker_function.log_group_name
    }
  }

  api = {
    name                        = module.rest_api.api_name
    stage                       = module.rest_api.stage_name
    integration_timeout_seconds = var.api_integration_timeout_seconds
  }

  table = {
    name         = module.data_table.table_name
    billing_mode = module.data_table.billing_mode
    index_names  = module.data_table.index_names
  }

  queues = {
    jobs_name             = module.async_jobs.queue_name
    dead_letter_name      = module.async_jobs.dead_letter_queue_name
    dlq_retention_seconds = module.async_jobs.dead_letter_retention_seconds
  }

  access_log_stream_name = module.rest_api.access_log_stream_name
  alarm_email_addresses  = var.alarm_email_addresses
}
