# Plan-level tests of the whole stack with a mocked provider: what differs between environments,
# including what the emulator cannot create (provisioned concurrency, application auto scaling).

mock_provider "aws" {
  source = "../tests/mocks"
}

variables {
  function_zip_path   = "artifact.zip"
  function_zip_sha256 = "XEzlCuSO1e/gQJgGXKJZRJilVwm3PQdIXveOnfknoko="
  cors_allow_origins  = ["http://localhost:3000"]
}

# The values of envs/local.tfvars that matter here.
run "local_emulator_environment" {
  command = plan

  variables {
    environment       = "local"
    s3_use_path_style = true
    jobs              = { mapping_enabled = false, restrict_dead_letter_sources = false, subscribe_alias = false }
  }

  assert {
    condition     = module.async_jobs.event_source_mapping_enabled == false
    error_message = "On the emulator the jobs mapping exists but is disabled (seawall's runtime polls the queue)."
  }

  assert {
    condition     = module.api_function.provisioned_concurrency == 0 && length(module.data_table.autoscaling_target_ids) == 0
    error_message = "Nothing the emulator cannot create: no provisioned concurrency, no auto scaling."
  }

  assert {
    condition     = output.environment == "local" && output.region == "us-west-2"
    error_message = "The stack reports its environment and region."
  }
}

run "function_environment_is_the_contract" {
  command = plan

  variables {
    environment     = "dev"
    log_level       = "DEBUG"
    fault_injection = "{\"latency_ms\": 100}"
  }

  assert {
    condition = toset(keys(local.function_environment)) == toset([
      "SEAWALL_ENVIRONMENT", "SEAWALL_TABLE_NAME", "SEAWALL_JOBS_QUEUE_URL", "SEAWALL_CORS_ALLOW_ORIGINS",
      "SEAWALL_LOG_LEVEL", "SEAWALL_FAULT_INJECTION", "SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD",
    ])
    error_message = "The functions get exactly the variables of docs/function-contract.md."
  }

  assert {
    condition     = local.function_environment["SEAWALL_ENVIRONMENT"] == "dev" && local.function_environment["SEAWALL_LOG_LEVEL"] == "DEBUG" && local.function_environment["SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD"] == "false"
    error_message = "The environment variables must follow the stack's inputs."
  }

  assert {
    condition     = local.function_environment["SEAWALL_CORS_ALLOW_ORIGINS"] == "http://localhost:3000"
    error_message = "Allowed origins reach the function as a comma-separated list."
  }
}

# The values of envs/prod.tfvars that the emulator cannot show.
run "prod_warm_scaled_protected" {
  command = plan

  variables {
    environment     = "prod"
    api_function    = { memory_size = 1024, timeout = 10, reserved_concurrency = 100, provisioned_concurrency = 2 }
    worker_function = { timeout = 120, reserved_concurrency = 20 }
    table = {
      billing_mode    = "PROVISIONED"
      replica_regions = ["us-east-2"]
      backup          = { retention_days = 35 }
    }
  }

  assert {
    condition     = module.api_function.provisioned_concurrency == 2
    error_message = "Prod keeps warm execution environments on the API alias."
  }

  assert {
    condition     = length(module.data_table.autoscaling_target_ids) == 4
    error_message = "Prod scales reads and writes of the table and its index."
  }

  assert {
    condition     = module.data_table.deletion_protection && !module.log_bucket.force_destroy
    error_message = "Prod protects the table from deletion and the log bucket from destroy."
  }

  assert {
    condition     = module.async_jobs.event_source_mapping_enabled
    error_message = "On AWS, Lambda polls the jobs queue."
  }
}

run "dev_can_be_torn_down" {
  command = plan

  variables {
    environment = "dev"
  }

  assert {
    condition     = !module.data_table.deletion_protection && module.log_bucket.force_destroy
    error_message = "Outside prod the stack can be destroyed with its logs."
  }

  assert {
    condition     = module.api_function.provisioned_concurrency == 0 && length(module.data_table.autoscaling_target_ids) == 0
    error_message = "Dev defaults to on-demand and no provisioned concurrency."
  }
}

run "rejects_unknown_environment" {
  command = plan

  variables {
    environment = "staging"
  }

  expect_failures = [var.environment]
}

run "rejects_fault_injection_that_is_not_json" {
  command = plan

  variables {
    environment     = "local"
    fault_injection = "latency=100"
  }

  expect_failures = [var.fault_injection]
}

run "rejects_unknown_log_level" {
  command = plan

  variables {
    environment = "local"
    log_level   = "TRACE"
  }

  expect_failures = [var.log_level]
}

run "rejects_api_timeout_too_short_for_one_attempt" {
  command = plan

  variables {
    environment  = "local"
    api_function = { timeout = 2 }
  }

  expect_failures = [var.api_function]
}

run "rejects_worker_timeout_too_short_for_one_attempt" {
  command = plan

  variables {
    environment     = "local"
    worker_function = { timeout = 5 }
  }

  expect_failures = [var.worker_function]
}
