"""What the figures were measured on: they mean nothing without the machine and the versions."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

# The project's side; checkov's versions come from its own virtualenv (see benchmarks.checkov).
PACKAGES = ("python-hcl2", "lark", "PyYAML", "pydantic", "pytest", "pytest-xdist", "moto", "boto3", "botocore")


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def terraform_version() -> str:
    try:
        result = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True, timeout=60)
        return json.loads(result.stdout)["terraform_version"]
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
        return "not installed"


def aws_provider_versions() -> str:
    """The hashicorp/aws versions in the mirror the sandbox installs from ("registry" without one)."""
    try:
        from conformance.tooling.terraform import PROVIDER, TerraformUnavailable, installation

        try:
            mirror = installation().mirror
        except TerraformUnavailable:
            return "no mirror"
        if mirror is None:
            return "registry (no mirror)"
        folder = mirror / PROVIDER
        found = sorted({p.name.split("_")[3] for p in folder.glob("*.zip") if p.name.count("_") >= 3})
        found += sorted(p.name for p in folder.iterdir() if p.is_dir())
        return ", ".join(found) or "none"
    except OSError:
        return "unknown"


def describe() -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "cpu": cpu_model(),
        "memory_gib": memory_gib(),
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {name: package_version(name) for name in PACKAGES},
        "terraform": terraform_version(),
        "aws_provider": aws_provider_versions(),
    }
