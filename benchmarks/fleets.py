"""Fleets of any size: the spec with extra Lambdas, rendered once and cached by what shapes it.

A fleet of N repositories is the spec's infrastructure repo plus N - 1 Lambda repos: the spec's
own Lambdas first, then `extra_0001`, `extra_0002`, ... each a copy of one of the spec's API
Lambdas in turn, on a path of its own (an event-driven Lambda needs a queue of its own, and the
spec has one per consumer, so extra consumers cannot be copied). Rendering 200
repositories takes minutes, so each render is kept under the work folder, keyed by a hash of the
spec text and of everything that renders it (templates, generator, model).
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.paths import GENERATE_SCRIPT, PROJECT_ROOT, SPEC

# What a render depends on besides the spec: a change here must not reuse an old render.
RENDER_INPUTS = ("cookiecutters", "conformance/generate", "conformance/platform")
EXTRA_PREFIX = "extra"
META = "meta.json"


def scaled_spec(base: dict[str, Any], repos: int) -> dict[str, Any]:
    """The spec with Lambdas added (or none) so that it describes `repos` repositories in all."""
    functions = list(base["lambdas"]["functions"])
    wanted = repos - 1
    if wanted < len(functions):
        raise ValueError(f"a fleet of {repos} repos is smaller than the spec's own ({len(functions) + 1})")
    spec = copy.deepcopy(base)
    shapes = [f for f in functions if f.get("kind") == "api"]
    extras = []
    for number in range(1, wanted - len(functions) + 1):
        shape = dict(shapes[(number - 1) % len(shapes)])
        name = f"{EXTRA_PREFIX}_{number:04d}"
        shape["name"] = name
        if shape.get("path"):
            # A path of its own, keeping the shape's parameter ({id}) when it has one.
            shape["path"] = f"/{EXTRA_PREFIX}/{name}" + ("/{id}" if "{" in shape["path"] else "")
        extras.append(shape)
    spec["lambdas"]["functions"] = functions + extras
    return spec


def load_base(path: Path = SPEC) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def spec_text(spec: dict[str, Any]) -> str:
    return yaml.safe_dump(spec, sort_keys=False, width=200)


def render_inputs_digest(root: Path = PROJECT_ROOT) -> str:
    """A hash of every file the generator renders from (templates, hooks, generator, model)."""
    digest = hashlib.sha256()
    for folder in RENDER_INPUTS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def fleet_key(text: str, inputs_digest: str) -> str:
    return hashlib.sha256(f"{inputs_digest}\n{text}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Fleet:
    """A rendered fleet: its spec file, its repositories, and what rendering it cost."""

    repos: int
    spec: Path
    root: Path
    generate_seconds: float
    cached: bool
    generated_at: str

    @property
    def generate_seconds_per_repo(self) -> float:
        return self.generate_seconds / self.repos


def ensure_fleet(work: Path, repos: int, base: dict[str, Any] | None = None) -> Fleet:
    """The fleet of `repos` repositories, rendered with scripts/generate_repos.py unless cached."""
    text = spec_text(scaled_spec(base if base is not None else load_base(), repos))
    folder = work / "fleets" / f"{repos:04d}-{fleet_key(text, render_inputs_digest())}"
    meta_path = folder / META
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return Fleet(repos, folder / "platform.yaml", folder / "repos", meta["seconds"], True, meta["at"])
    for stale in folder.parent.glob(f"{repos:04d}-*"):  # renders of an older spec or template: 1 MiB per repo
        shutil.rmtree(stale, ignore_errors=True)
    folder.mkdir(parents=True)
    spec = folder / "platform.yaml"
    spec.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(GENERATE_SCRIPT), "--output", str(folder / "repos"), "--platform", str(spec), "--force"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"generating {repos} repos failed: {(result.stderr or result.stdout).strip()[-500:]}")
    at = time.strftime("%Y-%m-%d %H:%M")
    meta_path.write_text(json.dumps({"seconds": seconds, "at": at, "repos": repos}), encoding="utf-8")
    return Fleet(repos, spec, folder / "repos", seconds, False, at)
