"""The drift check's matrix, read from the platform spec so the workflow spells no account or name.

Each entry is one env: the GitHub environment the job runs in (whose name the OIDC subject
carries), the read-only role to assume in the env's account, the region and the alert topic.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.platform.model import Platform

ALL = "all"


class UnknownEnv(ValueError):
    """An env the spec does not have."""


def drift_targets(platform: Platform, requested: str = ALL) -> list[dict[str, Any]]:
    names = list(platform.environments) if requested == ALL else [requested]
    unknown = [n for n in names if n not in platform.environments]
    if unknown:
        expected = ", ".join([ALL, *platform.environments])
        raise UnknownEnv(f"--env: expected one of {expected}, found {unknown[0]!r}")
    targets = []
    for name in names:
        env = platform.environments[name]
        topic = platform.names(name).alert_topic
        targets.append(
            {
                "env": name,
                "region": env.region,
                "account": env.account_id,
                "role_arn": platform.conformance_role_arn(name),
                "topic_arn": f"arn:aws:sns:{env.region}:{env.account_id}:{topic}",
            }
        )
    return targets


def github_outputs(platform: Platform, requested: str = ALL) -> list[str]:
    """`name=value` lines for $GITHUB_OUTPUT: the envs' matrix, the repositories drift checks out (their owner,
    their names as a JSON list for a matrix) and the tool versions the jobs install."""
    return [
        "matrix=" + json.dumps(drift_targets(platform, requested), separators=(",", ":")),
        f"owner={platform.github.organisation}",
        "repositories=" + json.dumps(platform.repo_names, separators=(",", ":")),
        f"python_version={platform.github.python_version}",
        f"terraform_version={platform.github.terraform_version}",
    ]
