# The bootstrap's own state: in the state bucket it creates, under its own key. The bucket does
# not exist before the first apply, so that one runs with local state (first_apply/, README.md)
# and the state is then migrated here:
#   terraform init -migrate-state -force-copy -backend-config=../terraform/environments/<env>.backend.hcl
terraform {
  backend "s3" {
    key     = "{{ cookiecutter._platform.deploy.bootstrap.state_key }}"
    encrypt = true
  }
}
