#!/usr/bin/env python3
"""Build the Lambda deployment package: dist/lambda.zip (standard library only).

Zip layout (the function's handler is `src.handler.handler`):

    src/__init__.py, src/handler.py, src/models/..., ...   the code, as the `src` package
    pydantic/, pydantic_core/, ...                        runtime dependencies, at the root

boto3 is left out: the Lambda runtime provides it. Dependencies are installed as Linux wheels
for the function's runtime ({{ cookiecutter._platform.lambdas.runtime }}), whatever machine builds the zip, and the zip
is deterministic (sorted entries, fixed timestamps), so an unchanged build leaves
`source_code_hash` unchanged and Terraform does not redeploy.

    python scripts/package_lambda.py              # code and dependencies
    python scripts/package_lambda.py --no-deps    # code only (fast; for tests)
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
REQUIREMENTS = ROOT / "requirements.txt"
DEFAULT_OUTPUT = ROOT / "dist" / "lambda.zip"

RUNTIME = "{{ cookiecutter._platform.lambdas.runtime }}"
PLATFORM = "manylinux2014_x86_64"
# Provided by the Lambda Python runtime: never packaged.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
# 1980-01-01, the earliest date a zip entry can carry.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
EXCLUDED_PARTS = frozenset({"__pycache__"})
EXCLUDED_SUFFIXES = frozenset({".pyc", ".pyo"})


def python_version(runtime: str = RUNTIME) -> str:
    """The Python version of a Lambda runtime name: 'python3.X' -> '3.X'."""
    match = re.fullmatch(r"python(\d+\.\d+)", runtime)
    if not match:
        raise ValueError(f"not a Python Lambda runtime: {runtime!r}")
    return match.group(1)


def requirement_name(line: str) -> str | None:
    """The distribution name a requirements line installs, None for comments and options."""
    text = line.split("#", 1)[0].strip()
    if not text or text.startswith("-"):
        return None
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", text)
    return match.group(0).lower().replace("_", "-") if match else None


def runtime_requirements(lines: Iterable[str]) -> list[str]:
    """The requirement lines to package: all but comments, options and runtime-provided ones."""
    kept = []
    for line in lines:
        name = requirement_name(line)
        if name is not None and name not in RUNTIME_PROVIDED:
            kept.append(line.split("#", 1)[0].strip())
    return kept


def pip_command(requirements: Sequence[str], target: Path, version: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--target",
        str(target),
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        version,
        "--only-binary=:all:",
        "--upgrade",
        *requirements,
    ]


def install_dependencies(requirements: Sequence[str], target: Path, version: str) -> None:
    if requirements:
        subprocess.run(pip_command(requirements, target, version), check=True)


def copy_sources(source: Path, build: Path) -> None:
    shutil.copytree(
        source,
        build / source.name,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"),
    )


def _included(path: Path, build: Path) -> bool:
    relative = path.relative_to(build)
    return (
        path.is_file()
        and not EXCLUDED_PARTS.intersection(relative.parts)
        and path.suffix not in EXCLUDED_SUFFIXES
    )


def write_zip(build: Path, output: Path) -> list[str]:
    """Zip `build` deterministically into `output`; returns the entry names."""
    files = sorted(
        (path for path in build.rglob("*") if _included(path, build)),
        key=lambda path: path.relative_to(build).as_posix(),
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            name = path.relative_to(build).as_posix()
            entry = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o100644 << 16
            entry.create_system = 3  # Unix, so the permission bits above are honoured
            archive.writestr(entry, path.read_bytes())
            names.append(name)
    return names


def build_package(output: Path, with_dependencies: bool = True) -> list[str]:
    """Build the zip at `output`; returns its entry names."""
    with tempfile.TemporaryDirectory(prefix="lambda-build-") as scratch:
        build = Path(scratch)
        if with_dependencies:
            lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
            install_dependencies(runtime_requirements(lines), build, python_version())
        copy_sources(SOURCE, build)
        return write_zip(build, output)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="zip to write (default: dist/lambda.zip)",
    )
    parser.add_argument(
        "--no-deps", action="store_true", help="package only src/, without dependencies"
    )
    args = parser.parse_args(argv)
    names = build_package(args.output, with_dependencies=not args.no_deps)
    print(f"{args.output}: {len(names)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
