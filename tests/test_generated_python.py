"""Each generated repository's own tests pass out of the box, Lambda coverage >= 80%."""

from __future__ import annotations

import os
import subprocess
import tempfile
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def repo_python(fleet: Path, platform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv with what the generated repos' requirements-dev.txt files ask for."""
    requirement_files = sorted((fleet / name / "requirements-dev.txt") for name in platform.repo_names)
    lambda_files = {
        (fleet / platform.lambda_repo(f) / "requirements-dev.txt").read_text(encoding="utf-8")
        for f in platform.lambdas.functions
    }
    assert len(lambda_files) == 1, "the Lambda repos disagree on their dev requirements"
    home = tmp_path_factory.mktemp("repo-venv")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    args = [a for f in requirement_files if f.is_file() for a in ("-r", str(f))]
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def run_pytest(
    python: Path, repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The repository's own tests, with the given extra pytest arguments and environment variables."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_", "COV_"))}
    # The session's fleet is shared: nothing of the run (bytecode, coverage data) is written into it.
    scratch = {"PYTHONDONTWRITEBYTECODE": "1", "COVERAGE_FILE": str(Path(tempfile.mkdtemp()) / ".coverage")}
    env = {**base, **scratch, **(env or {})}
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


def test_lambda_repo_tests_pass_with_coverage(fleet: Path, platform, lambda_name: str, repo_python: Path) -> None:
    repo = fleet / platform.lambda_repo(platform.function(lambda_name))
    result = run_pytest(repo_python, repo)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Required test coverage of 80" in result.stdout and "reached" in result.stdout


def test_infrastructure_repo_tests_pass(fleet: Path, platform, repo_python: Path) -> None:
    result = run_pytest(repo_python, fleet / platform.infrastructure.repo)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_python_sources_compile_for_the_lambda_runtime(fleet: Path, repo_name: str) -> None:
    sources = [p for p in (fleet / repo_name).rglob("*.py") if ".git" not in p.parts]
    assert sources
    for source in sources:
        compile(source.read_text(encoding="utf-8"), str(source), "exec")
