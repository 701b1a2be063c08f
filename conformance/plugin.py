"""The pytest plugin: options, fixtures, parametrisation and reports. The engine lives beside it.

`pytest --pyargs conformance --repos-root DIR --env dev -m static` collects
`conformance/test_criteria.py`, whose static test function is parametrised here with every
(criterion, repository, environment) case of the catalogue; `-m live` runs its live test
function, parametrised with every case that has a live check, against AWS (or `--endpoint-url`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.evidence.files import RepoFiles
    from conformance.evidence.fleet import FleetEvidence
    from conformance.live.session import LiveEvidence
    from conformance.platform.model import Platform
    from conformance.runner import Case

CASE_FIXTURE = "conformance_case"
LIVE_CASE_FIXTURE = "conformance_live_case"
CASE_PROPERTY = "conformance_case"
ERROR_KEY = pytest.StashKey[str]()
FILES_KEY = pytest.StashKey["RepoFiles"]()
LIVE_KEY = pytest.StashKey["LiveEvidence"]()


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
        "--conformance-sarif", metavar="FILE", help="write a SARIF 2.1.0 log here (for GitHub code scanning)"
    )
    group.addoption(
        "--terraform",
        choices=("auto", "require", "off"),
        default="auto",
        help="run terraform fmt/validate checks: auto = where terraform is installed (default)",
    )
    group.addoption(
        "--profile",
        choices=("requirement", "platform"),
        default="platform",
        help="requirement = only the requirement's [criterion] lines; platform = those and the kit's own "
        "hardening (default)",
    )
    group.addoption(
        "--endpoint-url",
        metavar="URL",
        help="live checks: send every AWS call to this endpoint (an emulator); AWS_ENDPOINT_URL works too",
    )


class OptionError(Exception):
    """A bad conformance option; reported as one usage line once collection is over."""


def usage_error(message: str) -> None:
    raise OptionError(f"conformance: {message}")


REPORT_OPTIONS = (
    ("--conformance-json", "conformance_json"),
    ("--conformance-markdown", "conformance_markdown"),
    ("--conformance-sarif", "conformance_sarif"),
)


def check_report_paths(config: pytest.Config) -> None:
    """Every report the run will write can be written: checked before anything runs, one line if not."""
    from conformance.report import unwritable

    wanted = [(flag, value, value) for flag, dest in REPORT_OPTIONS if (value := config.getoption(dest, None))]
    if junit := getattr(config.option, "xmlpath", None):  # pytest's own, written at the end too (as it expands it)
        wanted.append(("--junitxml", junit, os.path.expanduser(os.path.expandvars(junit))))
    seen: dict[str, str] = {}
    for flag, value, path in wanted:
        if reason := unwritable(Path(path)):
            raise pytest.UsageError(f"conformance: {flag}: cannot write {value}: {reason}")
        same = os.path.realpath(path)  # one file by any spelling or link: the last report would replace the others
        if same in seen:
            raise pytest.UsageError(f"conformance: {flag}: cannot write {value}: {seen[same]} writes the same file")
        seen[same] = flag


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "static: checks of the repositories' files, before deploy")
    config.addinivalue_line("markers", "live: checks of the deployed resources (AWS or an emulator)")
    config.addinivalue_line("markers", "preflight: checks of the machine that will run terraform apply")
    check_report_paths(config)
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


def repo_files(config: pytest.Config, root: Path) -> RepoFiles:
    """Local reads, or reads through testinfra when `--hosts` names the host holding the repos."""
    from conformance.evidence.files import HostFiles, LocalFiles

    hosts = [h for h in (config.getoption("hosts", None) or "").split(",") if h.strip()]
    if not hosts or hosts[0].strip() in ("local://", "local"):
        return LocalFiles(root)
    if FILES_KEY not in config.stash:
        import testinfra

        config.stash[FILES_KEY] = HostFiles(testinfra.get_host(hosts[0].strip()), str(root))
    return config.stash[FILES_KEY]


def repos_root(config: pytest.Config) -> Path:
    root = config.getoption("--repos-root")
    if not root:
        usage_error("--repos-root DIR is required (the folder holding the repositories)")
    path = Path(root)
    files = repo_files(config, path)
    if not files.is_dir(""):
        found = "a file" if files.exists("") else "nothing"
        usage_error(f"--repos-root: expected a folder, found {found} at {files.where}")
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    live = LIVE_CASE_FIXTURE in metafunc.fixturenames
    if not live and CASE_FIXTURE not in metafunc.fixturenames:
        return
    from conformance.catalogue import CRITERIA, LIVE_CRITERIA, in_profile
    from conformance.runner import plan_cases, plan_live_cases

    config = metafunc.config
    try:
        repos_root(config)
        platform = load_spec(config)
        envs = selected_envs(config, platform)
        profile = config.getoption("--profile")
        if live:
            cases = plan_live_cases(platform, in_profile(LIVE_CRITERIA, profile), envs)
        else:
            cases = plan_cases(platform, in_profile(CRITERIA, profile), envs)
    except OptionError as error:
        config.stash[ERROR_KEY] = str(error)
        cases = []
    metafunc.parametrize(LIVE_CASE_FIXTURE if live else CASE_FIXTURE, cases, ids=[c.id for c in cases])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if error := config.stash.get(ERROR_KEY, None):
        raise pytest.UsageError(error)
    for item in items:
        callspec = getattr(item, "callspec", None)
        for fixture in (CASE_FIXTURE, LIVE_CASE_FIXTURE):
            if callspec is not None and fixture in callspec.params:
                case = callspec.params[fixture]
                # Reports carry the case's fields, so the reports can be written where pytest-xdist
                # gathers the results (its controller collects no case of its own).
                item.user_properties.append((CASE_PROPERTY, case_fields(case)))


def case_fields(case: Case) -> dict[str, Any]:
    return {
        "criterion": case.criterion.id,
        "title": case.criterion.title,
        "repo": case.repo,
        "env": case.env,
        "source": case.source,
        "profile": case.criterion.profile.value,
    }


@pytest.fixture(scope="session")
def conformance_evidence(pytestconfig: pytest.Config) -> FleetEvidence:
    """The session's one reader of the repositories: every file parsed once."""
    from conformance.evidence.fleet import FleetEvidence

    options = {"terraform": pytestconfig.getoption("--terraform")}
    root = repos_root(pytestconfig)
    return FleetEvidence(root, load_spec(pytestconfig), options, repo_files(pytestconfig, root))


@pytest.fixture(scope="session")
def conformance_live(pytestconfig: pytest.Config) -> LiveEvidence:
    """The session's one reader of AWS: one boto3 session, each read made once, read-only."""
    from conformance.runner import live_evidence

    evidence = live_evidence(load_spec(pytestconfig), endpoint_url=pytestconfig.getoption("--endpoint-url"))
    pytestconfig.stash[LIVE_KEY] = evidence
    return evidence


class Reporter:
    """Collects one result per case as pytest reports it, and writes the reports at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, dict[str, Any]] = {}
        self.unwritten: list[str] = []
        self.finished: set[str] = set()
        self.collection_errors = 0

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors += 1

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.finished.add(nodeid)

    def incomplete(self, session: pytest.Session, exitstatus: int) -> str | None:
        """Why this run is no verdict (the reports then say so), or None: every selected case ran."""
        if self.collection_errors:
            return f"{self.collection_errors} error(s) during collection"
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            return "the run was interrupted"
        if stopped := session.shouldfail or session.shouldstop:
            return f"the run stopped early: {stopped}"
        if missing := [item for item in session.items if item.nodeid not in self.finished]:
            return f"{len(missing)} of {len(session.items)} selected cases did not run"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        fields = properties.get(CASE_PROPERTY)
        if fields is None or not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        outcome = "error" if report.when == "setup" and report.failed else report.outcome
        result: dict[str, Any] = {
            **{key: fields[key] for key in ("criterion", "title", "repo", "env")},
            "outcome": outcome,
            "message": report_message(report),
            "nodeid": report.nodeid,
            "source": fields["source"],
            "profile": fields["profile"],
        }
        if fields["source"] == "live":
            result["drift"] = properties.get("conformance_problems", [])
        self.results[report.nodeid] = result

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from conformance.report import write_json, write_markdown
        from conformance.sarif import write_sarif

        if hasattr(self.config, "workerinput"):  # a pytest-xdist worker: its controller writes them
            return
        results = list(self.results.values())
        incomplete = self.incomplete(session, exitstatus)
        for (flag, dest), write in zip(REPORT_OPTIONS, (write_json, write_markdown, write_sarif), strict=True):
            if not (path := self.config.getoption(dest)):
                continue
            try:
                write(Path(path), results, incomplete=incomplete)
            except OSError as error:  # checked at the start, but the disk can fill or the folder go
                self.unwritten.append(f"conformance: {flag}: cannot write {path}: {error.strerror or error}")
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """A report that could not be written, one line each; with -v, the AWS calls the live checks made."""
        for line in self.unwritten:
            terminalreporter.write_line(f"ERROR: {line}", red=True)
        evidence = self.config.stash.get(LIVE_KEY, None)
        if evidence is None or self.config.get_verbosity() < 1:
            return
        from conformance.live.session import summary_lines

        terminalreporter.write_sep("-", "conformance: AWS calls")
        for line in summary_lines(evidence.calls, evidence.retried):
            terminalreporter.write_line(line)


def report_message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        return (crash.message if crash else str(report.longrepr)).removeprefix("Failed: ")
    return ""
