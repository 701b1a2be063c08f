"""More corrections of moto's answers (server process only): the stage and the state bucket.

**S3 bucket policies and TLS.** moto evaluates a bucket policy on object requests but ignores
its conditions, so the usual "deny every request without TLS" statement (`Bool
aws:SecureTransport false`) denies every request. Every AWS client reaches S3 over TLS, and the
emulator stands in for it on 127.0.0.1: a statement that applies only to requests without TLS
is left out of the evaluation (no other statement is touched). Without this, the state bucket
the bootstrap creates refuses Terraform's own state.

**API Gateway deployments and stages.** The infrastructure repository owns the REST API's
stage; every API Lambda repository redeploys it with `CreateDeployment(stageName=...)`. moto 5
answers three things differently from AWS:

- `CreateDeployment` naming an existing stage replaces the stage with a bare one (its access log,
  tracing, description and method settings gone); AWS only points the stage at the new
  deployment. The infrastructure repository's plan would then never be clean.
- `DeleteDeployment` is refused ("Active stages pointing to this deployment") whenever the stage
  the deployment was created with still exists, even once the stage points at a newer deployment;
  AWS refuses only while a stage points at it. Replacing a Lambda repository's deployment
  (create_before_destroy) would fail.
- A deployment is not a snapshot: AWS records the API's methods when the deployment is created
  and returns them as `apiSummary` (`GetDeployment` with `embed=apisummary`); moto has no record.
  The sandbox reads it to show that the stage serves every API Lambda's method.

Each correction adds an answer AWS gives; none makes the emulator accept more than AWS would.
"""

from __future__ import annotations

import json
from typing import Any

PATCHED = "_sandbox_patched"


def api_summary(rest_api: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """The API's methods as AWS summarises them: path -> method -> authorisation."""
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for resource in rest_api.resources.values():
        for verb, method in (resource.resource_methods or {}).items():
            summary.setdefault(resource.get_path(), {})[verb] = {
                "authorizationType": method.authorization_type,
                "apiKeyRequired": bool(method.api_key_required),
            }
    return summary


def patch_create_deployment() -> None:
    """An existing stage keeps its settings; only its deployment changes. Each deployment records its summary."""
    from moto.apigateway.models import RestAPI

    original = RestAPI.create_deployment
    if getattr(original, PATCHED, False):
        return

    def create_deployment(self: Any, name: str, description: str, stage_variables: Any = None) -> Any:
        existing = self.stages.get(name) if name else None
        deployment = original(self, name, description, stage_variables)
        deployment.api_summary = api_summary(self)
        if existing is not None:
            existing.deployment_id = deployment.id
            if stage_variables:
                existing.variables.update(stage_variables)
            self.stages[name] = existing
        return deployment

    setattr(create_deployment, PATCHED, True)
    RestAPI.create_deployment = create_deployment  # type: ignore[method-assign]


def patch_delete_deployment() -> None:
    """Refuse to delete a deployment only while a stage points at it."""
    from moto.apigateway.exceptions import StageStillActive
    from moto.apigateway.models import RestAPI

    original = RestAPI.delete_deployment
    if getattr(original, PATCHED, False):
        return

    def delete_deployment(self: Any, deployment_id: str) -> Any:
        if deployment_id in self.deployments and any(s.deployment_id == deployment_id for s in self.stages.values()):
            raise StageStillActive()
        deployment = self.deployments.get(deployment_id)
        if deployment is not None:
            deployment.stage_name = None  # moto's own check looks at the stage it was created with
        return original(self, deployment_id)

    setattr(delete_deployment, PATCHED, True)
    RestAPI.delete_deployment = delete_deployment  # type: ignore[method-assign]


def patch_get_deployment_summary() -> None:
    """`GetDeployment(embed=apisummary)` returns the methods recorded when the deployment was created."""
    from moto.apigateway.responses import APIGatewayResponse

    original = APIGatewayResponse.get_deployment
    if getattr(original, PATCHED, False):
        return

    def get_deployment(self: Any) -> str:
        answer = original(self)
        embed = self.querystring.get("embed", []) if isinstance(self.querystring, dict) else []
        if "apisummary" not in [value.lower() for value in embed]:
            return answer
        parts = self.path.split("/")
        deployment = self.backend.get_deployment(parts[2], parts[4])
        document = json.loads(answer)
        document["apiSummary"] = getattr(deployment, "api_summary", {})
        return json.dumps(document)

    setattr(get_deployment, PATCHED, True)
    APIGatewayResponse.get_deployment = get_deployment  # type: ignore[method-assign]


def _only_without_tls(statement: dict[str, Any]) -> bool:
    """A statement whose one condition is `Bool aws:SecureTransport false`."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or list(condition) != ["Bool"]:
        return False
    test = condition["Bool"]
    values = test.get("aws:SecureTransport") if isinstance(test, dict) and len(test) == 1 else None
    return values in ("false", ["false"])


def patch_s3_bucket_policy_tls() -> None:
    """Bucket policies: a statement only for requests without TLS never applies to the emulator's."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission
    if getattr(original, PATCHED, False):
        return

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return original(self, action, resource)
        policy = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        statements = policy.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        applying = [s for s in statements if not _only_without_tls(s)]
        if not applying:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**policy, "Statement": applying})).is_action_permitted(action, resource)

    setattr(get_permission, PATCHED, True)
    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


PATCHES = {
    "s3-bucket-policy-tls": patch_s3_bucket_policy_tls,
    "apigateway-create-deployment-keeps-the-stage": patch_create_deployment,
    "apigateway-delete-deployment-only-when-unused": patch_delete_deployment,
    "apigateway-deployment-api-summary": patch_get_deployment_summary,
}
