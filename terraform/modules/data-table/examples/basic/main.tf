# The smallest use of the module: an on-demand table with the AWS-managed key.
module "data_table" {
  source = "../.."

  name = "seawall-example-data"
}

output "table_name" {
  description = "The module's table_name."
  value       = module.data_table.table_name
}

output "index_names" {
  description = "The module's index_names."
  value       = module.data_table.index_names
}
