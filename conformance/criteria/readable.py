"""The files the suite reads can be read, and the Terraform parses: never a silent pass.

A file that does not parse, or that the reader refuses (a link leaving the repos root, a FIFO or
device, more than the size limit, not UTF-8: conformance.evidence.files), fails the criteria
that need it as a file they cannot find. These two criteria fail for it too, always, naming the
file, the line and why, so a broken file that holds nothing a criterion looks for is still seen.

TF-PARSE also names what Terraform would read but the suite cannot judge: `*.tf.json` (JSON syntax is
not read; one that is not JSON fails at its line), override files (Terraform merges them into the
blocks they name; the suite does not), and module sources leading out of the repository. Under a
Lambda's src/, REPO-FILES-SAFE names every file that cannot be read (LAMBDA-HANDLER fails for it too).
"""

from __future__ import annotations

import json

from conformance.core import Problem
from conformance.criteria.base import Criterion, RepoScope, Requirement
from conformance.criteria.layout import infrastructure_layout, lambda_layout
from conformance.evidence.files import HCL_MAX_BYTES, MAX_BYTES, megabytes
from conformance.evidence.fleet import TERRAFORM, TF_JSON, FleetEvidence, RepoView, is_hcl, not_read
from conformance.evidence.hcl import ParseFailure
from conformance.evidence.modules import configuration


def json_failure(evidence: FleetEvidence, repo: str, path: str) -> Problem | None:
    """A `.tf.json` Terraform would refuse as JSON: where it stops parsing (None: it is JSON)."""
    text = evidence.text(repo, path)
    if text is None:
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return Problem(f"{repo}/{path}:{error.lineno}", f"does not parse: {error.msg} (column {error.colno})")
    except RecursionError:
        return Problem(f"{repo}/{path}:1", "does not parse: nests too deeply to be read")
    return None


def not_judged(view: RepoView, evidence: FleetEvidence, paths: list[str], skip: set[str]) -> list[Problem]:
    """Files Terraform reads that the suite does not (JSON syntax, override files), and module sources
    leading out of the repository: each named, never ignored."""
    problems = []
    for path in paths:
        if f"{view.name}/{path}" in skip or (why := not_read(path)) is None:
            continue
        broken = json_failure(evidence, view.name, path) if path.endswith(TF_JSON) else None
        problems.append(broken or Problem(f"{view.name}/{path}:1", why))
    problems += [Problem(str(e.location), e.message) for e in evidence.module_escapes(view.name)]
    return problems + outside_terraform(view, evidence, {p.where for p in problems})


def outside_terraform(view: RepoView, evidence: FleetEvidence, named: set[str]) -> list[Problem]:
    """The same for local modules the configuration reads from outside terraform/ (`../modules/x`), in any env."""
    problems: list[Problem] = []
    for env in view.platform.environments:
        found = configuration(evidence, view.name, env)
        for folder in found.folders:
            if folder == TERRAFORM or folder.startswith(f"{TERRAFORM}/"):
                continue
            for path in evidence.list(view.name, folder, None):
                if why := not_read(path):
                    broken = json_failure(evidence, view.name, path) if path.endswith(TF_JSON) else None
                    problems.append(broken or Problem(f"{view.name}/{path}:1", why))
        problems += [
            Problem(f"{f.file}:{max(f.line, 1)}", f"does not parse: {f.reason}")
            for f in found.failures
            if not f.file.startswith(f"{view.name}/{TERRAFORM}/")  # those are read above
        ]
        problems += [Problem(str(e.location), e.message) for e in found.escapes]
    unique = {p.where + p.message: p for p in problems if p.where not in named}
    return list(unique.values())


def terraform_parses(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """Every file under terraform/ can be read, and every HCL one (.tf, .tfvars, .hcl, .tfbackend) parses."""
    refused = evidence.terraform_refusals(view.name)
    problems = [Problem(u.where, f"cannot be read: {u.reason}") for u in refused]
    skip = {u.file for u in refused}
    if evidence.refusal(view.name, TERRAFORM):
        return problems
    module_failures = {f.file: f for f in view.module.failures}
    paths = evidence.terraform_files(view.name)
    for path in paths:
        shown = f"{view.name}/{path}"
        if shown in skip or not is_hcl(path) or not_read(path):
            continue
        in_module = path.count("/") == 1 and path.endswith(".tf")  # terraform/x.tf: read with the module
        failure = module_failures.get(shown) if in_module else evidence.hcl(view.name, path)
        if isinstance(failure, ParseFailure):
            problems.append(Problem(f"{failure.file}:{max(failure.line, 1)}", f"does not parse: {failure.reason}"))
    return problems + not_judged(view, evidence, paths, skip)


def files_readable(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """The repository and every file of its tree outside terraform/ (TF-PARSE's) can be read."""
    if refused := evidence.refusal(view.name):
        return [Problem(view.name, f"cannot be read: the repository {refused.reason}; nothing in it is read")]
    if view.function is None:
        paths = infrastructure_layout(view.platform)
    else:
        paths, _ = lambda_layout(view.function, view.platform)
    problems = []
    for path in paths:
        if path.startswith(f"{TERRAFORM}/"):
            continue
        if refused := evidence.unreadable(view.name, path):
            problems.append(Problem(refused.where, f"cannot be read: {refused.reason}"))
    if view.function is not None:  # the handler's whole source tree, not only the files the layout names
        named = {p.where for p in problems}
        problems += [
            Problem(u.where, f"cannot be read: {u.reason}")
            for u in evidence.source_refusals(view.name)
            if u.where not in named
        ]
    return problems


EVERY = RepoScope.EVERY_REPO
CRITERIA = [
    Criterion(
        id="REPO-FILES-SAFE",
        title=f"Every file of the tree is a regular UTF-8 file inside the repos root, at most {megabytes(MAX_BYTES)}",
        requirement=Requirement.LAMBDA_FILES,
        scope=EVERY,
        files=("<tree>",),
        static=files_readable,
        per_env=False,
    ),
    Criterion(
        id="TF-PARSE",
        title=(
            f"Every Terraform file can be read (HCL at most {megabytes(HCL_MAX_BYTES)}) and parses (.tf, .tfvars,"
            " backend settings, at any depth); none the suite cannot judge (JSON, overrides, modules outside)"
        ),
        requirement=Requirement.INFRA_FILES,
        scope=EVERY,
        files=("terraform/**",),
        static=terraform_parses,
        per_env=False,
    ),
]
