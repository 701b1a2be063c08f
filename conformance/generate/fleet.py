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
from conformance.generate.interrupt import (
    Interrupted,
    deferred_signals,
    direct_children,
    hooks_in_their_own_process_group,
    stop_children,
)
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
    hooks_in_their_own_process_group()
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
    expected = workdir / "out" / plan.name
    if Path(rendered).resolve() != expected.resolve():
        raise GenerateError(f"{plan.name}: rendered to {rendered}, expected {expected}")
    return expected


def _remove(path: Path) -> None:
    """Remove a folder, file or link at `path`; a link is removed, never what it points to."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def place(rendered: Path, target: Path, force: bool) -> None:
    """Move a finished render to `target`; replace an existing one only with `force`."""
    if target.exists() or target.is_symlink():
        if not force:
            raise GenerateError(f"{target}: already exists; pass --force to replace it")
        retired = target.with_name(f".{target.name}.replaced")
        _remove(retired)
        target.rename(retired)
        rendered.rename(target)
        _remove(retired)
    else:
        rendered.rename(target)


def repo_folder(output: Path, name: str) -> Path:
    """`output/name`, refused unless it is one plain folder directly inside `output`."""
    target = output / name
    if name in ("", ".", "..") or "/" in name or "\\" in name or target.parent != output:
        raise GenerateError(f"{name!r}: expected a repository name that is one folder inside {output}")
    return target


def prepare_output(output: Path) -> Path:
    """The output folder, resolved once: refused in one line, before anything is written, when it is a
    file, lies under a file or cannot be written in."""
    try:
        resolved = output.resolve()
    except (OSError, RuntimeError) as error:
        raise GenerateError(f"{output}: cannot be resolved ({error})") from None
    if resolved.exists() and not resolved.is_dir():
        raise GenerateError(f"{output}: expected a folder for the repositories, found a file")
    existing = resolved
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise GenerateError(f"{output}: cannot be a folder, {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise GenerateError(f"{output}: cannot write in {existing} (permission denied)")
    return resolved


def _create(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".generate-probe-", dir=output))
    except OSError as error:
        raise GenerateError(f"{output}: cannot write the repositories here ({error.strerror or error})") from None


def generate_fleet(
    platform: Platform,
    output: Path,
    only: Iterable[str] = (),
    force: bool = False,
    progress: Callable[[RepoPlan, RepoResult], None] | None = None,
) -> list[RepoResult]:
    """Render the selected repositories into `output`; go on past a failed one.

    Nothing is written outside `output`. Each repository is rendered in a scratch folder that is
    removed whatever happens, even on KeyboardInterrupt (what SIGINT and SIGTERM raise in the
    generator's CLI): the render's own processes are stopped first, so none writes it back.
    """
    plans = select(plan_fleet(platform), only, platform)
    output = prepare_output(output)
    targets = {plan.name: repo_folder(output, plan.name) for plan in plans}
    if not force:
        existing = [name for name, target in targets.items() if target.exists() or target.is_symlink()]
        if existing:
            raise GenerateError(f"{targets[existing[0]]}: already exists; pass --force to replace it")
    spared = direct_children()
    written: list[str] = []
    results = []
    try:
        _create(output)
        for plan in plans:
            started = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix=".generate-", dir=output) as scratch:
                try:
                    rendered = render(plan, Path(scratch))
                    with deferred_signals():  # the repository is either placed whole or not at all
                        place(rendered, targets[plan.name], force)
                        written.append(plan.name)
                    result = RepoResult(plan.name, targets[plan.name], time.perf_counter() - started)
                except KeyboardInterrupt:
                    stop_children(spared)
                    raise
                except (CookiecutterException, GenerateError, OSError, RuntimeError) as error:
                    message = str(error).splitlines()[0] if str(error) else type(error).__name__
                    result = RepoResult(plan.name, None, time.perf_counter() - started, message)
            results.append(result)
            if progress:
                progress(plan, result)
    except Interrupted as stop:
        stop.written = written
        raise
    return results
