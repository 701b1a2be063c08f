# The account's GitHub OIDC provider: GitHub Actions jobs exchange their token for the credentials
# of a role that trusts it (the deploy roles here, the drift check's role in terraform/). AWS
# verifies GitHub's certificate itself, so no thumbprint is pinned.
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}
