"""Outputs: exactly the outputs the Lambda repos import (outputs.tf), and the deployed state holding
each of them, equal to the live resource (INF-STATE-OUTPUTS, live only: where data.tf reads it).
"""

from __future__ import annotations

import json

from conformance.core import Problem, SkipCase, expected
from conformance.criteria.base import Criterion, Requirement
from conformance.criteria.infrastructure import INFRASTRUCTURE
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live import state as state_live
from conformance.live.errors import Missing
from conformance.live.view import LiveView

GET_OBJECT = "get_object → outputs"


def outputs(view: RepoView, _: FleetEvidence) -> list[Problem]:
    wanted = set(view.platform.infrastructure.outputs)
    found = set(view.module.outputs)
    problems = []
    if missing := sorted(wanted - found):
        problems.append(
            Problem(f"{view.name}/terraform/outputs.tf", expected(f"outputs {', '.join(missing)}", "none of them"))
        )
    if extra := sorted(found - wanted - set(view.platform.infrastructure.extra_outputs)):
        problems.append(
            Problem(
                f"{view.name}/terraform/outputs.tf", expected("only the required outputs", f"also {', '.join(extra)}")
            )
        )
    return problems


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
            owner = view.owner(gone.kind)
            uncompared.append(f"{name} ({gone.resource} is missing, reported once under {owner})")
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


CRITERIA = [
    Criterion(
        id="INF-OUTPUTS",
        title="Exactly the outputs the Lambda repos import",
        requirement=Requirement.INFRA_OUTPUTS,
        scope=INFRASTRUCTURE,
        files=("terraform/outputs.tf",),
        static=outputs,
        per_env=False,
    ),
    Criterion(
        id="INF-STATE-OUTPUTS",
        title="The deployed state holds every output, equal to the live resource",
        requirement=Requirement.INFRA_OUTPUTS,
        scope=INFRASTRUCTURE,
        files=("<AWS>",),
        live=state_outputs_live,
        live_reads=state_live.reads,
        owns=("state",),
    ),
]
