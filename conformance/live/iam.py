"""IAM reads: the Lambda execution roles and the drift check's role, by name."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv

EXECUTION_ROLES = "roles"


def role(live: LiveEnv, name: str, what: str = "the execution role", kind: str = EXECUTION_ROLES) -> dict[str, Any]:
    """`get_role(RoleName)['Role']`, its trust policy decoded to a dict; `kind` says which role it is."""
    found = live.call("iam", "GetRole", {"RoleName": name}, Subject(name, what, kind))["Role"]
    policy = found.get("AssumeRolePolicyDocument")
    if isinstance(policy, str):  # boto3 decodes it; a raw answer is URL-encoded JSON
        found = {**found, "AssumeRolePolicyDocument": json.loads(unquote(policy))}
    return found


def attached_policies(live: LiveEnv, name: str, kind: str) -> list[dict[str, Any]]:
    """Every managed policy attached to the role (`list_attached_role_policies`, all pages)."""
    subject = Subject(name, "the role", kind)
    return live.pages("iam", "ListAttachedRolePolicies", {"RoleName": name}, "AttachedPolicies", subject)
