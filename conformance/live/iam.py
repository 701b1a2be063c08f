"""IAM reads: the Lambda execution roles and the drift check's role, by name."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from conformance.live.session import LiveEnv, Target

OWNER = "INF-IAM-ROLES"


def role(live: LiveEnv, name: str, what: str = "the execution role", owner: str = OWNER) -> dict[str, Any]:
    """`get_role(RoleName)['Role']`, its trust policy decoded to a dict."""
    found = live.call("iam", "GetRole", {"RoleName": name}, Target(name, what, owner))["Role"]
    policy = found.get("AssumeRolePolicyDocument")
    if isinstance(policy, str):  # boto3 decodes it; a raw answer is URL-encoded JSON
        found = {**found, "AssumeRolePolicyDocument": json.loads(unquote(policy))}
    return found


def attached_policies(live: LiveEnv, name: str, owner: str) -> list[dict[str, Any]]:
    """Every managed policy attached to the role (`list_attached_role_policies`, all pages)."""
    target = Target(name, "the role", owner)
    return live.pages("iam", "ListAttachedRolePolicies", {"RoleName": name}, "AttachedPolicies", target)
