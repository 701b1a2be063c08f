"""The pytest plugin: options, fixtures, parametrisation and reports. The engine lives beside it.

`pytest --pyargs conformance --repos-root DIR --env dev -m static` collects
`conformance/test_criteria.py`, whose one test function is parametrised here with every
(criterion, repository, environment) case of the catalogue.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.evidence.fleet import FleetEvidence
    from conformance.platform.model import Platform
    from conformance.runner import Case

CASE_FIXTURE = "conformance_case"
CASES_KEY = pytest.StashKey[dict[str, "Case"]]()
ERROR_KEY = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "BBWS platform conformance")
    group.addoption("--repos-root", metavar="DIR", help="folder holding the platform's repositories")
    group.addoption(
        "--env",
        action="append",
        default=[],
        metavar="NAME",
        help="environment to check (repeatable; 'all' = every one)",
    )
    group.addoption("--platform", metavar="FILE", help="platform spec (default: the project's infra/platform.yaml)")
    group.addoption("--conformance-json", metavar="FILE", help="write the JSON report here")
    group.addoption(
        "--conformance-markdown", metavar="FILE", help="write a Markdown summary here (for $GITHUB_STEP_SUMMARY)"
    )
    group.addoption(
        "--terraform",
        choices=("auto", "require", "off"),
        default="auto",
        help="run terraform fmt/validate checks: auto = where terraform is installed (default)",
    )


class OptionError(Exception):
    """A bad conformance option; reported as one usage line once collection is over."""


def usage_error(message: str) -> None:
    raise OptionError(f"conformance: {message}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "static: checks of the repositories' files, before deploy")
    config.addinivalue_line("markers", "live: checks of the deployed resources (AWS or an emulator)")
    config.addinivalue_line("markers", "preflight: checks of the machine that will run terraform apply")
    config.stash[CASES_KEY] = {}
    config.pluginmanager.register(Reporter(config), "conformance-reporter")


def load_spec(config: pytest.Config) -> Platform:
    from conformance.paths import DEFAULT_PLATFORM
    from conformance.platform import PlatformError, load_platform

    try:
        return load_platform(config.getoption("--platform") or DEFAULT_PLATFORM)
    except PlatformError as error:
        raise OptionError(f"conformance: {error}") from None


def selected_envs(config: pytest.Config, platform: Platform) -> list[str]:
    wanted = config.getoption("--env") or ["all"]
    if "all" in wanted:
        return list(platform.environments)
    unknown = [e for e in wanted if e not in platform.environments]
    if unknown:
        usage_error(f"--env: expected one of {', '.join(platform.environments)} or all, found {unknown[0]!r}")
    return list(dict.fromkeys(wanted))


def repos_root(config: pytest.Config) -> Path:
    root = config.getoption("--repos-root")
    if not root:
        usage_error("--repos-root DIR is required (the folder holding the repositories)")
    path = Path(root)
    if not path.is_dir():
        usage_error(f"--repos-root: expected a folder, found {'a file' if path.exists() else 'nothing'} at {path}")
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if CASE_FIXTURE not in metafunc.fixturenames:
        return
    from conformance.catalogue import CRITERIA
    from conformance.runner import plan_cases

    config = metafunc.config
    try:
        repos_root(config)
        platform = load_spec(config)
        cases = plan_cases(platform, CRITERIA, selected_envs(config, platform))
    except OptionError as error:
        config.stash[ERROR_KEY] = str(error)
        cases = []
    metafunc.parametrize(CASE_FIXTURE, cases, ids=[c.id for c in cases])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if error := config.stash.get(ERROR_KEY, None):
        raise pytest.UsageError(error)
    cases = config.stash[CASES_KEY]
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and CASE_FIXTURE in callspec.params:
            cases[item.nodeid] = callspec.params[CASE_FIXTURE]


@pytest.fixture(scope="session")
def conformance_evidence(pytestconfig: pytest.Config) -> FleetEvidence:
    """The session's one reader of the repositories: every file parsed once."""
    from conformance.evidence.fleet import FleetEvidence

    options = {"terraform": pytestconfig.getoption("--terraform")}
    return FleetEvidence(repos_root(pytestconfig), load_spec(pytestconfig), options)


class Reporter:
    """Collects one result per case as pytest reports it, and writes the reports at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        case = self.config.stash[CASES_KEY].get(report.nodeid)
        if case is None or not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        outcome = "error" if report.when == "setup" and report.failed else report.outcome
        self.results[report.nodeid] = {
            "criterion": case.criterion.id,
            "title": case.criterion.title,
            "repo": case.repo,
            "env": case.env,
            "outcome": outcome,
            "message": report_message(report),
            "nodeid": report.nodeid,
        }

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from conformance.report import write_json, write_markdown

        results = list(self.results.values())
        if path := self.config.getoption("--conformance-json"):
            write_json(Path(path), results)
        if path := self.config.getoption("--conformance-markdown"):
            write_markdown(Path(path), results)


def report_message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        return (crash.message if crash else str(report.longrepr)).removeprefix("Failed: ")
    return ""
