"""Layout and housekeeping files: the trees of the requirement, git, .gitignore, docs, requirements."""

from __future__ import annotations

import configparser
import re

from conformance.core import Problem, expected
from conformance.criteria.base import Criterion, RepoScope, Requirement
from conformance.criteria.layout import infrastructure_layout, lambda_layout
from conformance.evidence.fleet import FleetEvidence, RepoView


def present(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return []  # the runner fails this case itself when the repository is missing


def layout(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    if view.function is None:
        required, forbidden = infrastructure_layout(view.platform), []
    else:
        required, forbidden = lambda_layout(view.function, view.platform)
    problems = [
        Problem(view.where(p), expected("the file", "none")) for p in required if not evidence.is_file(view.name, p)
    ]
    kind = view.function.kind.value if view.function else ""
    problems += [
        Problem(
            view.where(p),
            expected(f"no such file for a {kind} Lambda{' without DynamoDB' if 'repositor' in p else ''}", "one"),
        )
        for p in forbidden
        if evidence.exists(view.name, p)
    ]
    return problems


def git(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    commits = evidence.commit_count(view.name)
    if isinstance(commits, str) or commits < 1:
        return [Problem(view.name, expected("a git repository with at least one commit", commits))]
    return []


PYTHON_IGNORES = {
    "__pycache__/": ("__pycache__", "__pycache__/", "**/__pycache__/"),
    "*.pyc": ("*.pyc", "*.py[cod]", "*.py[co]"),
}


def gitignore(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    text = evidence.text(view.name, ".gitignore")
    if text is None:
        return [Problem(view.where(".gitignore"), expected("a .gitignore", "none"))]
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    entries = set(lines)
    problems = []
    env_rules = [line for line in lines if line.lstrip("!") in {".env", "/.env", ".env*", "*.env", "**/.env"}]
    if not env_rules or env_rules[-1].startswith("!"):
        found = "a later !.env un-ignores it" if env_rules else "no .env entry"
        problems.append(Problem(view.where(".gitignore"), expected(".env ignored", found)))
    for name, accepted in PYTHON_IGNORES.items():
        if not entries & set(accepted):
            problems.append(Problem(view.where(".gitignore"), expected(f"the Python entry {name}", "none")))
    return problems


def docs(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    problems = []
    for name in ("README.md", "CLAUDE.md"):
        text = evidence.text(view.name, name)
        if text is None or not text.strip():
            problems.append(
                Problem(view.where(name), expected("a non-empty file", "none" if text is None else "an empty file"))
            )
    return problems


REQUIREMENT_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def package_names(text: str) -> set[str]:
    """Distribution names in a requirements file: pins, extras, markers and comments tolerated."""
    names = set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = REQUIREMENT_LINE.match(line)
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


REQUIRED_PACKAGES = {"requirements.txt": ("boto3", "pydantic"), "requirements-dev.txt": ("pytest", "moto", "black")}


def requirements(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    problems = []
    for file, wanted in REQUIRED_PACKAGES.items():
        text = evidence.text(view.name, file)
        if text is None:
            problems.append(Problem(view.where(file), expected("the file", "none")))
            continue
        names = package_names(text)
        if file == "requirements-dev.txt" and re.search(r"^\s*-r\s+requirements\.txt", text, re.M):
            names |= package_names(evidence.text(view.name, "requirements.txt") or "")
        missing = [n for n in wanted if n not in names]
        if missing:
            problems.append(Problem(view.where(file), expected(", ".join(wanted), f"no {', '.join(missing)}")))
    return problems


def pytest_ini(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    text = evidence.text(view.name, "pytest.ini")
    if text is None:
        return [Problem(view.where("pytest.ini"), expected("the file", "none"))]
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error as error:
        return [Problem(view.where("pytest.ini"), f"does not parse: {str(error).splitlines()[0]}")]
    if not parser.has_section("pytest"):
        return [Problem(view.where("pytest.ini"), expected("a [pytest] section", f"sections {parser.sections()}"))]
    return []


EVERY = RepoScope.EVERY_REPO
CRITERIA = [
    Criterion(
        id="REPO-PRESENT",
        title="The repository exists",
        requirement=Requirement.GIT,
        scope=EVERY,
        files=("<repo>/",),
        static=present,
        per_env=False,
    ),
    Criterion(
        id="INF-FILES",
        title="Every file of the infrastructure tree",
        requirement=Requirement.INFRA_FILES,
        scope=RepoScope.INFRASTRUCTURE,
        files=("<tree>",),
        static=layout,
        per_env=False,
    ),
    Criterion(
        id="LAMBDA-FILES",
        title="Every file of the Lambda tree, kind-specific ones exactly where they apply",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("<tree>",),
        static=layout,
        per_env=False,
    ),
    Criterion(
        id="REPO-GIT",
        title="A git repository with at least one commit",
        requirement=Requirement.GIT,
        scope=EVERY,
        files=(".git",),
        static=git,
        per_env=False,
    ),
    Criterion(
        id="REPO-GITIGNORE",
        title=".gitignore covers .env and the Python standard entries",
        requirement=Requirement.LAMBDA_FILES,
        scope=EVERY,
        files=(".gitignore",),
        static=gitignore,
        per_env=False,
    ),
    Criterion(
        id="REPO-DOCS",
        title="README.md and CLAUDE.md are there and not empty",
        requirement=Requirement.LAMBDA_FILES,
        scope=EVERY,
        files=("README.md", "CLAUDE.md"),
        static=docs,
        per_env=False,
    ),
    Criterion(
        id="LAMBDA-REQUIREMENTS",
        title="requirements.txt (boto3, pydantic) and requirements-dev.txt (pytest, moto, black)",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("requirements.txt", "requirements-dev.txt"),
        static=requirements,
        per_env=False,
    ),
    Criterion(
        id="LAMBDA-PYTEST-INI",
        title="pytest.ini with a [pytest] section",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("pytest.ini",),
        static=pytest_ini,
        per_env=False,
    ),
]
