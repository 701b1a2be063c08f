"""scripts/package_lambda.py: the zip layout the Terraform handler string relies on."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from scripts import package_lambda


def test_code_only_package_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "one.zip", tmp_path / "two.zip"

    assert package_lambda.main(["--no-deps", "--output", str(first)]) == 0
    assert package_lambda.main(["--no-deps", "--output", str(second)]) == 0

    assert (
        hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    )
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        dates = {entry.date_time for entry in archive.infolist()}
    assert names == sorted(names)
    assert dates == {package_lambda.FIXED_DATE_TIME}
    # The Lambda handler is src.handler.handler: src/ is a package at the zip root.
    assert "src/__init__.py" in names
    assert "src/handler.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_runtime_provided_requirements_are_left_out() -> None:
    lines = ["# runtime", "boto3>=1.34,<2", "pydantic>=2.7,<3  # models", "", "-r other.txt"]

    assert package_lambda.runtime_requirements(lines) == ["pydantic>=2.7,<3"]


def test_dependencies_are_linux_wheels_for_the_runtime(tmp_path: Path) -> None:
    version = package_lambda.python_version()
    command = package_lambda.pip_command(["pydantic>=2.7,<3"], tmp_path, version)

    assert command[-1] == "pydantic>=2.7,<3"
    assert command[command.index("--platform") + 1] == package_lambda.PLATFORM
    assert command[command.index("--python-version") + 1] == version
    assert "--only-binary=:all:" in command


def test_python_version_of_the_runtime() -> None:
    assert package_lambda.RUNTIME == "python" + package_lambda.python_version()
    with pytest.raises(ValueError):
        package_lambda.python_version("nodejs")
