output "state_bucket" {
  description = "The Terraform state bucket of the env (every repository's backend)"
  value       = aws_s3_bucket.state.bucket
}

output "lock_table" {
  description = "The Terraform lock table of the env"
  value       = aws_dynamodb_table.lock.name
}

output "github_oidc_provider_arn" {
  description = "The account's GitHub OIDC provider"
  value       = aws_iam_openid_connect_provider.github.arn
}

output "deploy_role_arns" {
  description = "Each repository's deploy role in this env, by repository"
  value       = { for repo, role in aws_iam_role.deploy : repo => role.arn }
}
