"""The requirement's criteria: declarations and checks, one module per area.

`base` says what a criterion is, `values` declares simple checks as data, `hcl_checks` and
`iam_policy` are the HCL helpers the checks share; `infrastructure/` holds the infrastructure
repository's criteria, one module per AWS service; the other modules one area each (repository
files, remote state, the Lambda's own Terraform, the backend, workflows, terraform's CLI). The
registry that lists them all is conformance.catalogue; nothing here imports it (or pytest, or boto3).
"""
