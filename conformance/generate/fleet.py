"""Render every repository of the platform: each into a temporary folder, then moved into place.

Each render gets its own copy of the template with a cookiecutter.json written from the spec,
so a spec other than the checked-in one (more Lambdas, other environments) renders exactly,
and cookiecutter's replay files stay inside the temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.exceptions import CookiecutterException
from cookiecutter.main import cookiecutter

from conformance.generate.answers import infrastructure_template_json, lambda_render_json
from conformance.paths import INFRASTRUCTURE_TEMPLATE, LAMBDA_TEMPLATE, PROJECT_ROOT
from conformance.platform.model import Platform


@dataclass(frozen=True)
class RepoPlan:
    """One repository to render: its name, template, answers and a one-line description."""

    name: str
    template: Path
    answers: dict[str, Any]
    summary: str


@dataclass(frozen=True)
class RepoResult:
    name: str
    path: Path | None
    seconds: float
    error: str | None = None


class GenerateError(RuntimeError):
    """A request the generator refuses as a whole (one line)."""


def plan_fleet(platform: Platform) -> list[RepoPlan]:
    """The repositories the spec describes, infrastructure first."""
    plans = [
        RepoPlan(
            platform.infrastructure.repo,
            INFRASTRUCTURE_TEMPLATE,
            infrastructure_template_json(platform),
            "infrastructure",
        )
    ]
    for function in platform.lambdas.functions:
        trigger = f"{function.http_method} {function.path}" if function.path else "sqs"
        plans.append(
            RepoPlan(
                platform.lambda_repo(function),
                LAMBDA_TEMPLATE,
                lambda_render_json(platform, function.name),
                f"{function.kind.value} {trigger}, {function.operation.value}",
            )
        )
    return plans


def select(plans: list[RepoPlan], only: Iterable[str], platform: Platform) -> list[RepoPlan]:
    """Keep the plans named by repository or Lambda name; unknown names are an error."""
    wanted = set(only)
    if not wanted:
        return plans
    by_lambda = {platform.lambda_repo(f): f.name for f in platform.lambdas.functions}
    chosen = [p for p in plans if p.name in wanted or by_lambda.get(p.name) in wanted]
    known = {p.name for p in chosen} | {by_lambda.get(p.name) for p in chosen}
    unknown = sorted(wanted - known)
    if unknown:
        names = ", ".join(p.name for p in plans)
        raise GenerateError(f"--only: expected one of {names} (or a Lambda name), found {unknown[0]!r}")
    return chosen


def _cookiecutter_config(workdir: Path) -> Path:
    """A cookiecutter config that keeps replay and clone folders inside `workdir`."""
    config = workdir / "cookiecutter-config.yaml"
    config.write_text(
        f"replay_dir: {json.dumps(str(workdir / 'replay'))}\n"
        f"cookiecutters_dir: {json.dumps(str(workdir / 'cookiecutters'))}\n",
        encoding="utf-8",
    )
    return config


def render(plan: RepoPlan, workdir: Path) -> Path:
    """Render one repository inside `workdir` and return its folder."""
    instance = workdir / "template" / plan.template.name
    shutil.copytree(plan.template, instance, symlinks=False)
    (instance / "cookiecutter.json").write_text(json.dumps(plan.answers, indent=1), encoding="utf-8")
    hooks_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = hooks_path  # the hooks run in a subprocess and import this package
    try:
        rendered = cookiecutter(
            str(instance),
            no_input=True,
            output_dir=str(workdir / "out"),
            config_file=str(_cookiecutter_config(workdir)),
        )
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous
    return Path(rendered)


def place(rendered: Path, target: Path, force: bool) -> None:
    """Move a finished render to `target`; replace an existing one only with `force`."""
    if target.exists():
        if not force:
            raise GenerateError(f"{target}: already exists; pass --force to replace it")
        retired = target.with_name(f".{target.name}.replaced")
        shutil.rmtree(retired, ignore_errors=True)
        target.rename(retired)
        rendered.rename(target)
        shutil.rmtree(retired)
    else:
        rendered.rename(target)


def generate_fleet(
    platform: Platform,
    output: Path,
    only: Iterable[str] = (),
    force: bool = False,
    progress: Callable[[RepoPlan, RepoResult], None] | None = None,
) -> list[RepoResult]:
    """Render the selected repositories into `output`; go on past a failed one."""
    plans = select(plan_fleet(platform), only, platform)
    if not force:
        existing = [p.name for p in plans if (output / p.name).exists()]
        if existing:
            raise GenerateError(f"{output / existing[0]}: already exists; pass --force to replace it")
    output.mkdir(parents=True, exist_ok=True)
    results = []
    for plan in plans:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=".generate-", dir=output) as scratch:
            try:
                rendered = render(plan, Path(scratch))
                place(rendered, output / plan.name, force)
                result = RepoResult(plan.name, output / plan.name, time.perf_counter() - started)
            except (CookiecutterException, GenerateError, OSError, RuntimeError) as error:
                message = str(error).splitlines()[0] if str(error) else type(error).__name__
                result = RepoResult(plan.name, None, time.perf_counter() - started, message)
        results.append(result)
        if progress:
            progress(plan, result)
    return results
