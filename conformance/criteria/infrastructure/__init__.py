"""Infrastructure repository / Resources and Outputs: one module per AWS service, like conformance.live.

Each module holds its service's helpers (finding the resource in the HCL), its static checks (the
HCL evaluated for each env), its live checks (the deployed resources, read through
conformance.live) and its register, `CRITERIA`, in report order. Simple checks are declared as
data (conformance.criteria.values); the rest are functions beside their criterion.
"""

from conformance.criteria.base import RepoScope, Requirement

RESOURCES = Requirement.INFRA_RESOURCES
INFRASTRUCTURE = RepoScope.INFRASTRUCTURE
TERRAFORM = ("terraform/*.tf", "terraform/environments/{env}.tfvars")  # the files a per-env HCL check reads
