"""The conformance suite's command line, built in one place.

The sandbox, the benchmarks and the project's tests run the suite as a user would (`pytest
--pyargs conformance ...`, the plugin's own options); they all build that line here, so an option
renamed in conformance.plugin is renamed once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path


def suite_args(
    repos_root: Path | str | None = None,
    *,
    repo: Path | str | None = None,
    infra_repo: Path | str | None = None,
    envs: Sequence[str] = (),
    marker: str | None = None,
    platform: Path | str | None = None,
    terraform: str | None = None,
    json_report: Path | str | None = None,
    markdown_report: Path | str | None = None,
    endpoint_url: str | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """pytest's arguments for a run of the suite (the fleet under `repos_root`, or one checkout: `repo`, and the
    infrastructure's `infra_repo`); `extra` (pytest's own options, `-k`, `-n 2`) go last."""
    args = ["--pyargs", "conformance", "-p", "no:cacheprovider"]
    if repos_root is not None:
        args += ["--repos-root", str(repos_root)]
    if repo is not None:  # the checkout's own pytest settings (addopts: --cov...) are for its tests, not the suite
        args += ["-c", os.devnull, "--repo", str(repo)]
    if infra_repo is not None:
        args += ["--infra-repo", str(infra_repo)]
    for env in envs:
        args += ["--env", env]
    if marker:
        args += ["-m", marker]
    if platform is not None:
        args += ["--platform", str(platform)]
    if terraform:
        args += ["--terraform", terraform]
    if json_report is not None:
        args += ["--conformance-json", str(json_report)]
    if markdown_report is not None:
        args += ["--conformance-markdown", str(markdown_report)]
    if endpoint_url:
        args += ["--endpoint-url", endpoint_url]
    return [*args, *extra]


def suite_command(repos_root: Path | str | None = None, **options: object) -> list[str]:
    """The whole command: this Python's pytest with `suite_args(repos_root, **options)`."""
    return [sys.executable, "-m", "pytest", *suite_args(repos_root, **options)]  # type: ignore[arg-type]
