"""Criteria with only a live check: facts that exist only once deployed.

- LIVE-ACCOUNT: the credentials are the env's account's (the guard every live read passes; this
  case is where a wrong account, missing credentials or an unreachable endpoint is reported).
- INF-STATE-OUTPUTS: the infrastructure's Terraform state, where the Lambda repos' data.tf reads
  it, holds every required output, each equal to the live resource's value.
"""

from __future__ import annotations

import json

from conformance.criteria.base import Criterion, Problem, Requirement, Scope, SkipCase, reads
from conformance.live import state as state_live
from conformance.live.errors import Missing
from conformance.live.resources import LiveView

GET_OBJECT = "get_object → outputs"


def account_live(view: LiveView) -> list[Problem]:
    view.live.require_account()  # raises Stopped with the one line when it is not the env's account
    return []


def state_outputs_live(view: LiveView) -> list[Problem]:
    where = view.names.state
    raw = state_live.document(view.live)
    try:
        document = json.loads(raw)
    except ValueError:
        return [Problem.drift(where, "a Terraform state (JSON)", "a body that is not JSON", "get_object → Body")]
    outputs = document.get("outputs") if isinstance(document, dict) else None
    if not isinstance(outputs, dict):
        return [Problem.drift(where, "a Terraform state with outputs", "none", GET_OBJECT)]
    problems, uncompared = [], []
    for name, source in view.platform.infrastructure.outputs.items():
        if name not in outputs:
            problems.append(Problem.drift(where, f"output {name}", "none", GET_OBJECT))
            continue
        entry = outputs[name]
        found = entry.get("value") if isinstance(entry, dict) else entry
        try:
            wanted = state_live.live_value(view.live, source)
        except Missing as gone:
            uncompared.append(f"{name} ({gone.resource} is missing, reported once under {gone.owner})")
            continue
        if found != wanted:
            problems.append(
                Problem.drift(
                    where, f"{wanted!r} (the live {source})", repr(found), f"get_object → outputs.{name}.value"
                )
            )
    if not problems and uncompared:
        raise SkipCase(f"cannot compare outputs {', '.join(uncompared)}")
    return problems


LIVE = ("<AWS>",)
CRITERIA = [
    Criterion(
        "LIVE-ACCOUNT",
        "The live checks read the env's own account (credentials, endpoint, STS identity)",
        Requirement.INFRA_RESOURCES,
        Scope.INFRASTRUCTURE,
        LIVE,
        live=account_live,
        live_reads=reads("sts:GetCallerIdentity@account"),
    ),
    Criterion(
        "INF-STATE-OUTPUTS",
        "The deployed state holds every output, equal to the live resource",
        Requirement.INFRA_OUTPUTS,
        Scope.INFRASTRUCTURE,
        LIVE,
        live=state_outputs_live,
        live_reads=state_live.reads,
    ),
]
