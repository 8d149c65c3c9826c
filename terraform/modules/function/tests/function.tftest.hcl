# Plan-level tests with a mocked provider: no network, no credentials, no zip read.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name                            = "seawall-test-api"
  handler                         = "seawall_handler.api.handler"
  zip_path                        = "artifact.zip"
  zip_sha256                      = "XEzlCuSO1e/gQJgGXKJZRJilVwm3PQdIXveOnfknoko="
  timeout                         = 10
  api_integration_timeout_seconds = 29
  policy_statements = {
    ReadItems = {
      actions   = ["dynamodb:GetItem", "dynamodb:Query"]
      resources = ["arn:aws:dynamodb:us-west-2:123456789012:table/seawall-test-data"]
    }
  }
}

run "python312_from_the_cli_zip_behind_alias_live" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12" && aws_lambda_function.this.handler == "seawall_handler.api.handler"
    error_message = "Runtime and handler must follow the function contract."
  }

  assert {
    condition     = aws_lambda_function.this.source_code_hash == var.zip_sha256 && aws_lambda_function.this.filename == "artifact.zip"
    error_message = "The code must come from the CLI's zip, pinned by its sha256."
  }

  assert {
    condition     = aws_lambda_function.this.publish && aws_lambda_alias.live.name == "live"
    error_message = "Versions must be published and served through the alias live."
  }

  assert {
    condition     = length(aws_lambda_provisioned_concurrency_config.this) == 0 && aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "No provisioned or reserved concurrency unless asked for."
  }

  assert {
    condition     = one(aws_lambda_function.this.tracing_config).mode == "PassThrough"
    error_message = "Active tracing is off unless asked for."
  }
}

run "own_log_group_with_the_chosen_retention" {
  command = plan

  variables {
    log_retention_days = 14
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/seawall-test-api" && aws_cloudwatch_log_group.this.retention_in_days == 14
    error_message = "The function's own log group must exist with the chosen retention."
  }
}

run "least_privilege_policy" {
  command = plan

  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.this.statement : [for a in s.actions : !strcontains(a, "*")]]))
    error_message = "No statement may use a wildcard action."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.sid == "WriteOwnLogs" && s.resources == toset(["arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/seawall-test-api:*"])
    ])
    error_message = "The function may write to its own log group only."
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "UseCustomerKeys" || s.sid == "WriteTraces"]) == 0
    error_message = "No KMS or X-Ray permissions unless a customer key or tracing is used."
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.this.statement : s.sid == "ReadItems" && s.actions == toset(["dynamodb:GetItem", "dynamodb:Query"])])
    error_message = "The caller's statements must be passed through unchanged."
  }
}

run "customer_key_and_tracing_add_only_their_permissions" {
  command = plan

  variables {
    kms_key_arns    = ["arn:aws:kms:us-west-2:123456789012:key/abc"]
    tracing_enabled = true
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.this.statement : s.sid == "UseCustomerKeys" && s.resources == toset(var.kms_key_arns)])
    error_message = "KMS permissions must name the customer key only."
  }

  assert {
    condition     = one(aws_lambda_function.this.tracing_config).mode == "Active"
    error_message = "tracing_enabled must turn on active tracing."
  }
}

run "provisioned_concurrency_on_the_alias" {
  command = plan

  variables {
    reserved_concurrency    = 20
    provisioned_concurrency = 2
  }

  assert {
    condition     = aws_lambda_provisioned_concurrency_config.this[0].qualifier == "live" && aws_lambda_provisioned_concurrency_config.this[0].provisioned_concurrent_executions == 2
    error_message = "Provisioned concurrency must be attached to the live alias."
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 20
    error_message = "Reserved concurrency must follow the variable."
  }
}

run "rejects_timeout_at_the_api_integration_timeout" {
  command = plan

  variables {
    timeout = 29
  }

  expect_failures = [var.timeout]
}

run "rejects_timeout_above_lambda_maximum" {
  command = plan

  variables {
    timeout                         = 901
    api_integration_timeout_seconds = null
  }

  expect_failures = [var.timeout]
}

run "rejects_integration_timeout_above_29s" {
  command = plan

  variables {
    api_integration_timeout_seconds = 30
  }

  expect_failures = [var.api_integration_timeout_seconds]
}

run "rejects_memory_outside_lambda_range" {
  command = plan

  variables {
    memory_size = 64
  }

  expect_failures = [var.memory_size]
}

run "rejects_retention_cloudwatch_does_not_accept" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_a_hex_digest" {
  command = plan

  variables {
    zip_sha256 = "5c4ce50ae48ed5efe0405c065ca259449629c25b0a6e7dc8748f5eefa7279222"
  }

  expect_failures = [var.zip_sha256]
}

run "rejects_wildcard_actions" {
  command = plan

  variables {
    policy_statements = {
      Everything = {
        actions   = ["dynamodb:*"]
        resources = ["arn:aws:dynamodb:us-west-2:123456789012:table/seawall-test-data"]
      }
    }
  }

  expect_failures = [var.policy_statements]
}

run "rejects_wildcard_resources" {
  command = plan

  variables {
    policy_statements = {
      AnyTable = {
        actions   = ["dynamodb:GetItem"]
        resources = ["*"]
      }
    }
  }

  expect_failures = [var.policy_statements]
}

run "rejects_provisioned_above_reserved" {
  command = plan

  variables {
    reserved_concurrency    = 1
    provisioned_concurrency = 2
  }

  expect_failures = [var.provisioned_concurrency]
}

run "rejects_names_too_long_for_the_role" {
  command = plan

  variables {
    name = "a-function-name-that-is-far-too-long-to-become-an-iam-role-name"
  }

  expect_failures = [var.name]
}

run "canary_keeps_the_alias_on_the_stable_version_and_routes_a_share_to_the_new_one" {
  command = plan

  variables {
    canary = { stable_version = "3", weight = 0.1 }
  }

  assert {
    condition     = aws_lambda_alias.live.function_version == "3" && length(aws_lambda_alias.live.routing_config) == 1
    error_message = "During a canary the alias must stay on the stable version, with routing to the new one."
  }
}

run "without_a_canary_the_alias_follows_the_new_version_with_no_routing" {
  command = plan

  assert {
    condition     = length(aws_lambda_alias.live.routing_config) == 0
    error_message = "Outside a canary the alias must carry no routing configuration."
  }
}

run "canary_weight_must_be_a_fraction" {
  command = plan

  variables {
    canary = { stable_version = "3", weight = 10 }
  }

  expect_failures = [var.canary]
}

run "runtime_follows_the_python_that_built_the_zip" {
  command = plan

  variables {
    runtime = "python3.11"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.11"
    error_message = "The runtime must be the one the CLI passes (the Python whose .pyc the zip carries)."
  }
}

run "runtime_outside_the_supported_ones_is_refused" {
  command = plan

  variables {
    runtime = "python3.9"
  }

  expect_failures = [var.runtime]
}

run "a_second_region_names_its_role_apart" {
  command = plan

  variables {
    iam_name_suffix = "-us-east-2"
  }

  assert {
    condition     = aws_iam_role.this.name == "seawall-test-api-role-us-east-2"
    error_message = "IAM names are account-wide: a second region's role must carry the suffix."
  }
}
