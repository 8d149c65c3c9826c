# Plan-level tests with a mocked provider: no network, no credentials.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name = "seawall-test-data"
}

run "key_schema_is_the_contract" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.hash_key == "pk" && aws_dynamodb_table.this.range_key == "sk"
    error_message = "The table keys must be pk (partition) and sk (sort), as docs/function-contract.md says."
  }

  assert {
    condition = anytrue([
      for i in aws_dynamodb_table.this.global_secondary_index :
      i.name == "gsi1" && i.hash_key == "gsi1pk" && i.range_key == "gsi1sk" && i.projection_type == "ALL"
    ])
    error_message = "Index gsi1 on gsi1pk/gsi1sk projecting all attributes is part of the contract."
  }

  assert {
    condition     = one(aws_dynamodb_table.this.ttl).enabled && one(aws_dynamodb_table.this.ttl).attribute_name == "expires_at"
    error_message = "TTL must be on expires_at."
  }
}

run "on_demand_encrypted_recoverable_by_default" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "The default must be on-demand."
  }

  assert {
    # enabled without a key ARN is the AWS-managed key alias/aws/dynamodb (the ARN is only known after apply).
    condition     = one(aws_dynamodb_table.this.server_side_encryption).enabled
    error_message = "Encryption must be on with the AWS-managed key alias/aws/dynamodb by default."
  }

  assert {
    condition     = one(aws_dynamodb_table.this.point_in_time_recovery).enabled
    error_message = "Point-in-time recovery must be on."
  }

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled == false
    error_message = "Deletion protection is off unless asked for (dev and local tear down)."
  }

  assert {
    condition     = length(aws_appautoscaling_target.this) == 0 && length(aws_backup_plan.this) == 0
    error_message = "No auto scaling on-demand, and no backup plan unless asked for."
  }
}

run "provisioned_mode_scales_reads_and_writes" {
  command = plan

  variables {
    billing_mode = "PROVISIONED"
    autoscaling  = { read_min = 5, read_max = 50, write_min = 2, write_max = 20, target_utilization = 60 }
  }

  assert {
    condition     = aws_dynamodb_table.this.read_capacity == 5 && aws_dynamodb_table.this.write_capacity == 2
    error_message = "Provisioned capacity starts at the minimum."
  }

  assert {
    condition     = toset(keys(aws_appautoscaling_target.this)) == toset(["table_read", "table_write", "index_read", "index_write"])
    error_message = "The table and its index must both scale reads and writes."
  }

  assert {
    condition     = aws_appautoscaling_target.this["table_read"].max_capacity == 50 && aws_appautoscaling_target.this["index_write"].max_capacity == 20
    error_message = "Scaling bounds must come from the autoscaling variable."
  }

  assert {
    condition     = alltrue([for p in aws_appautoscaling_policy.this : p.policy_type == "TargetTrackingScaling" && one(p.target_tracking_scaling_policy_configuration).target_value == 60])
    error_message = "Every scaling policy must track the target utilisation."
  }
}

run "autoscaling_can_be_left_to_the_caller" {
  command = plan

  variables {
    billing_mode       = "PROVISIONED"
    enable_autoscaling = false
  }

  assert {
    condition     = length(aws_appautoscaling_target.this) == 0
    error_message = "enable_autoscaling = false must create no scaling targets."
  }
}

run "customer_key_prod_protection_replicas_backup" {
  command = plan

  variables {
    kms_key_arn         = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    deletion_protection = true
    replica_regions     = ["us-east-2"]
    backup              = { retention_days = 35 }
  }

  assert {
    condition     = one(aws_dynamodb_table.this.server_side_encryption).kms_key_arn == var.kms_key_arn
    error_message = "A customer key must be used when given."
  }

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "Deletion protection must follow the variable."
  }

  assert {
    condition = anytrue([
      for r in aws_dynamodb_table.this.replica :
      r.region_name == "us-east-2" && r.point_in_time_recovery && r.kms_key_arn == "arn:aws:kms:us-east-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    ])
    error_message = "Each replica region gets a replica with PITR and the key of its own region."
  }

  assert {
    condition     = aws_dynamodb_table.this.stream_enabled && aws_dynamodb_table.this.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "Replicas need a stream of new and old images."
  }

  assert {
    condition     = one(one(aws_backup_plan.this[0].rule).lifecycle).delete_after == 35
    error_message = "The backup plan must keep copies for retention_days."
  }
}

run "rejects_invalid_table_name" {
  command = plan

  variables {
    name = "no spaces allowed"
  }

  expect_failures = [var.name]
}

run "rejects_unknown_billing_mode" {
  command = plan

  variables {
    billing_mode = "ON_DEMAND"
  }

  expect_failures = [var.billing_mode]
}

run "rejects_inverted_scaling_bounds" {
  command = plan

  variables {
    autoscaling = { read_min = 100, read_max = 10 }
  }

  expect_failures = [var.autoscaling]
}

run "rejects_target_utilization_outside_aws_range" {
  command = plan

  variables {
    autoscaling = { target_utilization = 95 }
  }

  expect_failures = [var.autoscaling]
}

run "rejects_key_alias_instead_of_arn" {
  command = plan

  variables {
    kms_key_arn = "alias/aws/dynamodb"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_zero_day_backup_retention" {
  command = plan

  variables {
    backup = { retention_days = 0 }
  }

  expect_failures = [var.backup]
}
