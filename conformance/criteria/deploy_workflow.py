"""The env's deploy workflow of a repository, read once per run and shared by the workflow and backend criteria.

Workflows are read by conformance.evidence.workflow_yaml (lines kept), not by
`FleetEvidence.yaml`, so that every message can name `file:line`; the same strict YAML (no aliases,
no duplicate keys) and the same safe reads apply. Each file is parsed once and kept in
`evidence.scratch` for the session.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.core import Problem, Stop, expected
from conformance.evidence.files import Unreadable
from conformance.evidence.fleet import FleetEvidence, RepoView, YamlFailure
from conformance.evidence.github_expressions import Unknown
from conformance.evidence.workflow_run import Workflow
from conformance.evidence.workflow_yaml import WorkflowFile, load_workflow


def workflow_path(env: str) -> str:
    return f".github/workflows/deploy-{env}.yml"


def workflow_file(view: RepoView, evidence: FleetEvidence, relative: str) -> WorkflowFile | YamlFailure | None:
    """One workflow file of the repository, parsed once per session."""
    key = ("workflow file", view.name, relative)
    if key not in evidence.scratch:
        text = evidence.read(view.name, relative)
        if isinstance(text, Unreadable):  # refused (a link out, too big, not UTF-8): fails, never "missing"
            evidence.scratch[key] = YamlFailure(text.file, text.line, text.reason)
        elif text is None:
            evidence.scratch[key] = None
        else:
            evidence.parse_counts[f"{view.name}/{relative}"] += 1
            evidence.scratch[key] = load_workflow(text, view.where(relative))
    return evidence.scratch[key]


def local_workflows(view: RepoView, evidence: FleetEvidence) -> Callable[[str], WorkflowFile | None]:
    """How a workflow's local reusable workflows (`uses: ./.github/workflows/x.yml`) are read: once each."""

    def called(relative: str) -> WorkflowFile | None:
        loaded = workflow_file(view, evidence, relative)
        return loaded if isinstance(loaded, WorkflowFile) else None

    return called


def read(view: RepoView, evidence: FleetEvidence) -> Workflow | YamlFailure | None:
    """The env's workflow (with the local reusable workflows it calls), a parse failure, or None when missing."""
    assert view.env is not None
    key = ("workflow", view.name, view.env)
    if key not in evidence.scratch:
        found = workflow_file(view, evidence, workflow_path(view.env))
        loader = local_workflows(view, evidence)
        evidence.scratch[key] = Workflow(found, loader) if isinstance(found, WorkflowFile) else found
    return evidence.scratch[key]


def load(view: RepoView, evidence: FleetEvidence) -> Workflow:
    """The env's workflow; Stop naming the file when it is missing or does not parse."""
    found = read(view, evidence)
    if found is None:
        raise Stop(Problem(view.where(workflow_path(view.env or "")), expected("the workflow", "none")))
    if isinstance(found, YamlFailure):
        raise Stop(Problem(f"{found.file}:{found.line}", f"does not parse: {found.reason}"))
    return found


def cannot_resolve(raw: object, unknown: Unknown) -> str:
    """`cannot resolve <as written> (<why>)`: the suite's one wording for what it cannot compute."""
    return f"cannot resolve {raw} ({unknown.reason})"
