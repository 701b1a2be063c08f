"""`terraform fmt -check` and `terraform validate`, run offline where terraform is installed.

`--terraform auto` (the default) runs them where terraform and the provider mirror are found
and skips them with the reason elsewhere; `require` fails instead; `off` skips them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conformance.core import Problem, SkipCase
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.tooling import terraform


class TerraformSkipped(SkipCase):
    """Terraform checks are off, or terraform is not installed (with --terraform auto)."""


def _environment(evidence: FleetEvidence) -> dict[str, str]:
    mode = evidence.options.get("terraform", "auto")
    if mode == "off":
        raise TerraformSkipped("--terraform off")
    try:
        terraform.terraform_binary()
        key = ("terraform-env",)
        if key not in evidence.scratch:
            workdir = Path(tempfile.mkdtemp(prefix="conformance-terraform-"))
            env = terraform.offline_environment(workdir)
            env["TF_PLUGIN_CACHE_DIR"] = str(workdir / "plugin-cache")
            (workdir / "plugin-cache").mkdir()
            evidence.scratch[key] = env
        return evidence.scratch[key]
    except terraform.TerraformUnavailable as missing:
        if mode == "require":
            raise
        raise TerraformSkipped(str(missing)) from None


def _first_lines(output: str, limit: int = 12) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return "\n".join(lines[:limit])


def _local_terraform_dir(view: RepoView, evidence: FleetEvidence) -> Path:
    path = evidence.local_path(view.name)
    if path is None:
        raise TerraformSkipped("terraform checks need a checkout on this machine (the repos are read through --hosts)")
    return path / "terraform"


def fmt(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    env = _environment(evidence)
    result = terraform.fmt_check(_local_terraform_dir(view, evidence), env)
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
    env = _environment(evidence)
    with tempfile.TemporaryDirectory(prefix="conformance-validate-") as scratch:
        copy = Path(scratch) / "terraform"
        shutil.copytree(_local_terraform_dir(view, evidence), copy, ignore=shutil.ignore_patterns(".terraform"))
        result = terraform.validate(copy, env)
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
