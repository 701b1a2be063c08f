# Copied into bootstrap/ for the first apply into a new account only, and removed again before the
# state is migrated into the bucket (README.md, "First deploy into a new account"): it replaces the
# S3 backend of backend.tf with local state while the state bucket does not exist yet.
terraform {
  backend "local" {}
}
