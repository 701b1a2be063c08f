"""IAM reads: the Lambda execution roles, by name."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from conformance.live.session import LiveEnv, Target

OWNER = "INF-IAM-ROLES"


def role(live: LiveEnv, name: str) -> dict[str, Any]:
    """`get_role(RoleName)['Role']`, its trust policy decoded to a dict."""
    found = live.call("iam", "GetRole", {"RoleName": name}, Target(name, "the execution role", OWNER))["Role"]
    policy = found.get("AssumeRolePolicyDocument")
    if isinstance(policy, str):  # boto3 decodes it; a raw answer is URL-encoded JSON
        found = {**found, "AssumeRolePolicyDocument": json.loads(unquote(policy))}
    return found
