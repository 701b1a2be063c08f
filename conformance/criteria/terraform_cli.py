"""`terraform fmt -check` and `terraform validate`, run offline where terraform is installed.

`--terraform auto` (the default) runs them where terraform and the provider mirror are found
and skips them with the reason elsewhere; `require` fails instead; `off` skips them.

The run's one TerraformGate (conformance.tooling.terraform_gate) does the work: `prepare` starts
every planned repository's checks in the background, in parallel, when the run begins, so the
cases only wait for their verdict; a verdict whose inputs have not changed since an earlier run
comes from the user's cache folder instead of terraform. A case asked without `prepare` (a
single case, a pytest-xdist worker) runs its own check through the same gate and cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conformance.core import Problem, SkipCase
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.tooling import terraform
from conformance.tooling.terraform_gate import FMT, VALIDATE, TerraformGate, Verdict
from conformance.tooling.verdict_cache import VerdictCache, user_cache_dir

GATE_KEY = ("terraform-gate",)
CACHE_FOLDER = "terraform-verdicts"
COMMAND = {FMT: "terraform fmt -check", VALIDATE: "terraform validate"}


class TerraformSkipped(SkipCase):
    """Terraform checks are off, or terraform is not installed (with --terraform auto)."""


def _gate(evidence: FleetEvidence) -> TerraformGate:
    """The run's gate, made on first use; skips (or, with `require`, raises) when terraform is missing."""
    mode = evidence.options.get("terraform", "auto")
    if mode == "off":
        raise TerraformSkipped("--terraform off")
    if GATE_KEY not in evidence.scratch:
        try:
            folder = user_cache_dir()
            cache = VerdictCache(folder / CACHE_FOLDER) if folder is not None else None
            evidence.scratch[GATE_KEY] = TerraformGate(evidence.root, cache)
        except terraform.TerraformUnavailable as missing:
            if mode == "require":
                raise
            evidence.scratch[GATE_KEY] = TerraformSkipped(str(missing))
    gate = evidence.scratch[GATE_KEY]
    if isinstance(gate, TerraformSkipped):
        raise gate
    return gate


def _folder(repo: str, evidence: FleetEvidence) -> Path | None:
    path = evidence.local_path(repo)
    return None if path is None else path / "terraform"


def _verdict(view: RepoView, evidence: FleetEvidence, check: str) -> Verdict | list[Problem]:
    gate = _gate(evidence)
    if evidence.terraform_refusals(view.name):  # never handed to terraform: it would follow them
        raise TerraformSkipped("terraform/ holds entries the suite refuses to read (TF-PARSE names them): not run")
    if evidence.module_escapes(view.name):  # terraform would copy the module from outside and print it
        raise TerraformSkipped("a module source leaves the repository (TF-PARSE names it): not run")
    folder = _folder(view.name, evidence)
    if folder is None:
        raise TerraformSkipped("terraform checks need a checkout on this machine (the repos are read through --hosts)")
    if not folder.is_dir():
        return [Problem(view.where("terraform"), f"{COMMAND[check]}: expected a terraform folder, found none")]
    verdict = gate.verdict(folder, check)
    if verdict.escapes:
        return [
            Problem(view.where(f"terraform/{e.relative}".rstrip("/")), f"{COMMAND[check]} not run: {e.why} (not read)")
            for e in verdict.escapes
        ]
    return verdict


def prepare(evidence: FleetEvidence, cases: Iterable[tuple[str, str]]) -> None:
    """Start the checks of these (criterion ID, repository) cases in the background, in this order."""
    wanted: dict[str, list[str]] = {}
    for criterion, repo in cases:
        if check := CHECK_OF.get(criterion):
            wanted.setdefault(repo, []).append(check)
    if not wanted:
        return
    try:
        gate = _gate(evidence)
    except (TerraformSkipped, terraform.TerraformUnavailable):
        return  # each case says so itself
    folders = []
    for repo, checks in wanted.items():
        folder = _folder(repo, evidence) if evidence.exists(repo) else None
        if folder is not None and folder.is_dir():
            folders.append((folder, checks))
    gate.start(folders)


def finish(evidence: FleetEvidence) -> None:
    """Stop the run's terraform processes still running and remove its scratch folder."""
    gate = evidence.scratch.pop(GATE_KEY, None)
    if isinstance(gate, TerraformGate):
        gate.close()


def _first_lines(output: str, limit: int = 12) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return "\n".join(lines[:limit])


def fmt(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    verdict = _verdict(view, evidence, FMT)
    if isinstance(verdict, list):
        return verdict
    result = verdict.run
    assert result is not None
    if result.ok:
        return []
    files = [
        line for line in result.output.splitlines() if line.endswith(".tf") and not line.startswith(("---", "+++"))
    ]
    return [
        Problem(
            view.where("terraform"),
            f"terraform fmt -check: files not formatted: {', '.join(files) or _first_lines(result.output)}",
        )
    ]


def validate(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    verdict = _verdict(view, evidence, VALIDATE)
    if isinstance(verdict, list):
        return verdict
    result = verdict.run
    assert result is not None
    if result.ok:
        return []
    return [Problem(view.where("terraform"), f"terraform validate failed:\n{_first_lines(result.output)}")]


FILES = ("terraform/*.tf",)
CRITERIA = [
    Criterion(
        id="TF-FMT",
        profile=Profile.PLATFORM,
        title="terraform fmt -check is clean",
        requirement=Requirement.INFRA_FILES,
        scope=RepoScope.EVERY_REPO,
        files=FILES,
        static=fmt,
        per_env=False,
    ),
    Criterion(
        id="TF-VALIDATE",
        title="terraform validate passes (offline, real AWS provider)",
        requirement=Requirement.INFRA_FILES,
        scope=RepoScope.EVERY_REPO,
        files=FILES,
        static=validate,
        per_env=False,
    ),
]
CHECK_OF = {"TF-FMT": FMT, "TF-VALIDATE": VALIDATE}
