locals {
  provisioned = var.billing_mode == "PROVISIONED"
  autoscale   = local.provisioned && var.enable_autoscaling

  # The key schema is the function contract (docs/function-contract.md): one table, generic keys, one
  # overloaded index. Items, job records and idempotency records differ only in their key prefixes.
  index_name = "gsi1"
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = var.billing_mode
  hash_key     = "pk"
  range_key    = "sk"

  # Starting capacity only: application auto scaling owns it afterwards (see ignore_changes).
  read_capacity  = local.provisioned ? var.autoscaling.read_min : null
  write_capacity = local.provisioned ? var.autoscaling.write_min : null

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "gsi1pk"
    type = "S"
  }

  attribute {
    name = "gsi1sk"
    type = "S"
  }

  global_secondary_index {
    name            = local.index_name
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
    read_capacity   = local.provisioned ? var.autoscaling.read_min : null
    write_capacity  = local.provisioned ? var.autoscaling.write_min : null
  }

  # Job and idempotency records carry expires_at (epoch seconds); DynamoDB deletes them for free.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # enabled = true without a key is the AWS-managed key alias/aws/dynamodb: the failure mode "KMS key
  # unavailable" cannot happen through a key policy we wrote. Omitting the block would use an AWS-owned
  # key that does not show in the account at all.
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection

  # Replicas (global tables) need a stream of new and old images.
  stream_enabled   = length(var.replica_regions) > 0 ? true : null
  stream_view_type = length(var.replica_regions) > 0 ? "NEW_AND_OLD_IMAGES" : null

  dynamic "replica" {
    for_each = toset(var.replica_regions)

    content {
      region_name            = replica.value
      point_in_time_recovery = true
      kms_key_arn            = var.kms_key_arn == null ? null : replace(var.kms_key_arn, split(":", var.kms_key_arn)[3], replica.value)
    }
  }

  #checkov:skip=CKV2_AWS_16:On-demand (the default) scales with traffic by itself; PROVISIONED mode gets application auto scaling below.
  lifecycle {
    # Auto scaling changes the capacities of the table and of its index; reverting them on every apply
    # would fight it. The index's key schema is fixed by the function contract.
    ignore_changes = [read_capacity, write_capacity, global_secondary_index]
  }

  tags = var.tags
}

locals {
  scaling_targets = local.autoscale ? {
    table_read = {
      resource_id = "table/${aws_dynamodb_table.this.name}"
      dimension   = "dynamodb:table:ReadCapacityUnits"
      metric      = "DynamoDBReadCapacityUtilization"
      min         = var.autoscaling.read_min
      max         = var.autoscaling.read_max
    }
    table_write = {
      resource_id = "table/${aws_dynamodb_table.this.name}"
      dimension   = "dynamodb:table:WriteCapacityUnits"
      metric      = "DynamoDBWriteCapacityUtilization"
      min         = var.autoscaling.write_min
      max         = var.autoscaling.write_max
    }
    index_read = {
      resource_id = "table/${aws_dynamodb_table.this.name}/index/${local.index_name}"
      dimension   = "dynamodb:index:ReadCapacityUnits"
      metric      = "DynamoDBReadCapacityUtilization"
      min         = var.autoscaling.read_min
      max         = var.autoscaling.read_max
    }
    index_write = {
      resource_id = "table/${aws_dynamodb_table.this.name}/index/${local.index_name}"
      dimension   = "dynamodb:index:WriteCapacityUnits"
      metric      = "DynamoDBWriteCapacityUtilization"
      min         = var.autoscaling.write_min
      max         = var.autoscaling.write_max
    }
  } : {}
}

resource "aws_appautoscaling_target" "this" {
  for_each = local.scaling_targets

  service_namespace  = "dynamodb"
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.dimension
  min_capacity       = each.value.min
  max_capacity       = each.value.max

  tags = var.tags
}

# Failure mode "DynamoDB throttling": target tracking raises capacity before requests are throttled.
resource "aws_appautoscaling_policy" "this" {
  for_each = local.scaling_targets

  name               = "${var.name}-${replace(each.key, "_", "-")}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.autoscaling.target_utilization

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}

# Recovery strategy "regular backups": PITR covers the last 35 days to the second; AWS Backup keeps
# daily copies for longer and in a vault that deleting the table does not touch.
resource "aws_backup_vault" "this" {
  count = var.backup == null ? 0 : 1

  name        = "${var.name}-backup"
  kms_key_arn = var.kms_key_arn

  tags = var.tags
}

resource "aws_backup_plan" "this" {
  count = var.backup == null ? 0 : 1

  name = "${var.name}-backup"

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this[0].name
    schedule          = var.backup.schedule

    lifecycle {
      delete_after = var.backup.retention_days
    }
  }

  tags = var.tags
}

data "aws_iam_policy_document" "backup_assume" {
  count = var.backup == null ? 0 : 1

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  count = var.backup == null ? 0 : 1

  name_prefix        = "${substr(var.name, 0, 30)}-backup-"
  assume_role_policy = data.aws_iam_policy_document.backup_assume[0].json

  tags = var.tags
}

data "aws_partition" "current" {}

resource "aws_iam_role_policy_attachment" "backup" {
  count = var.backup == null ? 0 : 1

  role       = aws_iam_role.backup[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
}

resource "aws_backup_selection" "this" {
  count = var.backup == null ? 0 : 1

  name         = "${substr(var.name, 0, 40)}-table"
  plan_id      = aws_backup_plan.this[0].id
  iam_role_arn = aws_iam_role.backup[0].arn
  resources    = [aws_dynamodb_table.this.arn]
}
