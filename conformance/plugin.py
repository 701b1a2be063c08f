"""The pytest plugin: options, fixtures, parametrisation and reports. The engine lives beside it.

`pytest --pyargs conformance --repos-root DIR --env dev -m static` collects
`conformance/test_criteria.py`, whose static test function is parametrised here with every
(criterion, repository, environment) case of the catalogue; `-m live` runs its live test
function, parametrised with every case that has a live check, against AWS (or `--endpoint-url`).

`--repo DIR` instead checks one checked-out repository (conformance.checkout says which of the
spec's it is): its own cases only, the same ids as a `--repos-root` run gives it; live, its own
cases and each env's account guard. The one cross-repository contract (a Lambda repo's data.tf
against the infrastructure's outputs) reads `--infra-repo DIR` when given, skips saying so when not,
and, live, is checked against the deployed state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
HOST_KEY = pytest.StashKey[Any]()
LIVE_KEY = pytest.StashKey["LiveEvidence"]()
REPOSITORIES_KEY = pytest.StashKey["Repositories"]()
PLANNED_KEY = pytest.StashKey["list[Case]"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "BBWS platform conformance")
    group.addoption("--repos-root", metavar="DIR", help="folder holding the platform's repositories")
    group.addoption(
        "--repo",
        metavar="DIR",
        help="check one checked-out repository (its .cruft.json or folder name says which); not with --repos-root",
    )
    group.addoption(
        "--infra-repo",
        metavar="DIR",
        help="with --repo (a Lambda repository): the infrastructure repository's checkout, for the outputs contract",
    )
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


def check_settings(config: pytest.Config) -> None:
    """A per-repository run takes none of the repository's own pytest settings (its addopts are for its
    own tests: `--cov-fail-under` would fail the suite's run). pytest finds them from `--repo DIR`, or
    from the folder it runs in: `-c /dev/null` (which `suite_command` adds) says to take none."""
    inipath = config.inipath
    addopts = config.getini("addopts")
    if inipath is None or not addopts:
        return
    for option in ("--repo", "--infra-repo"):
        folder = config.getoption(option, None)
        if folder and Path(inipath).resolve().is_relative_to(Path(folder).resolve()):
            raise pytest.UsageError(
                f"conformance: {option}: pytest took its settings from {inipath}, the repository's own "
                f"(addopts: {' '.join(addopts)}): add -c {os.devnull} so the suite runs with none of them"
            )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "static: checks of the repositories' files, before deploy")
    config.addinivalue_line("markers", "live: checks of the deployed resources (AWS or an emulator)")
    config.addinivalue_line("markers", "preflight: checks of the machine that will run terraform apply")
    check_settings(config)
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
    unknown = [e for e in wanted if e != "all" and e not in platform.environments]
    if unknown:  # checked before "all" widens the run: a mistyped env beside it is still a mistake
        usage_error(f"--env: expected one of {', '.join(platform.environments)} or all, found {unknown[0]!r}")
    if "all" in wanted:
        return list(platform.environments)
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
        usage_error("--repos-root DIR is required (the folder holding the repositories), or --repo DIR (one)")
    path = Path(root)
    files = repo_files(config, path)
    try:
        is_folder = files.is_dir("")
    except (RuntimeError, OSError) as error:  # testinfra: the host cannot be reached (ssh's own failure)
        result = error.args[0] if error.args else None  # testinfra raises with the failed CommandResult
        said = getattr(result, "stderr", None) or str(error)
        status = getattr(result, "exit_status", None)
        reason = " ".join(str(said).split())[:300] + (f" (exit status {status})" if status is not None else "")
        usage_error(f"--hosts: cannot read {files.where}: {reason}")
    if not is_folder:
        found = "a file" if files.exists("") else "nothing"
        usage_error(f"--repos-root: expected a folder, found {found} at {files.where}")
    return path


@dataclass(frozen=True)
class Repositories:
    """What the run reads: the fleet under `--repos-root`, or one checkout (`--repo`) and perhaps the
    infrastructure's (`--infra-repo`)."""

    root: Path  # the repos root, or the --repo checkout (terraform is handed folders inside it)
    files: RepoFiles
    repo: str | None = None  # a per-repository run: the spec's name of the --repo checkout
    given: frozenset[str] | None = None  # a per-repository run: the repositories it reads


def checkout_files(config: pytest.Config, folder: Path, option: str) -> RepoFiles:
    """The reader of one checkout, rooted at it: locally, or on the `--hosts` host."""
    from conformance.evidence.files import HostFiles, LocalFiles

    hosts = [h.strip() for h in (config.getoption("hosts", None) or "").split(",") if h.strip()]
    if not hosts or hosts[0] in ("local://", "local"):
        files: RepoFiles = LocalFiles(folder)
    else:
        if HOST_KEY not in config.stash:
            import testinfra

            config.stash[HOST_KEY] = testinfra.get_host(hosts[0])
        files = HostFiles(config.stash[HOST_KEY], str(folder))
    if not files.is_dir(""):
        found = "a file" if files.exists("") else "nothing"
        usage_error(f"{option}: expected a repository's folder, found {found} at {files.where}")
    return files


def repositories(config: pytest.Config, platform: Platform) -> Repositories:
    """The run's repositories, worked out once (the options checked, a checkout identified)."""
    if REPOSITORIES_KEY not in config.stash:
        config.stash[REPOSITORIES_KEY] = find_repositories(config, platform)
    return config.stash[REPOSITORIES_KEY]


def find_repositories(config: pytest.Config, platform: Platform) -> Repositories:
    from conformance.checkout import CheckoutError, identify
    from conformance.evidence.checkouts import Checkouts

    repo, infra = config.getoption("--repo"), config.getoption("--infra-repo")
    if repo and config.getoption("--repos-root"):
        usage_error("--repo and --repos-root: give one (--repo DIR checks one repository, --repos-root DIR the fleet)")
    if infra and not repo:
        usage_error(
            "--infra-repo DIR goes with --repo DIR (a --repos-root run reads the infrastructure under the root)"
        )
    if not repo:
        root = repos_root(config)
        return Repositories(root, repo_files(config, root))
    folder = Path(repo)
    folders = {}
    try:
        files = checkout_files(config, folder, "--repo")
        name = identify(folder, files, platform, "--repo")
        folders[name] = files
        wanted = platform.infrastructure.repo
        if infra:  # checked even beside the infrastructure repository itself (then --repo is what is read)
            infra_folder = Path(infra)
            infra_files = checkout_files(config, infra_folder, "--infra-repo")
            found = identify(infra_folder, infra_files, platform, "--infra-repo")
            if found != wanted:
                usage_error(
                    f"--infra-repo: {infra_folder}: expected the infrastructure repository {wanted}, found {found}"
                )
            folders.setdefault(found, infra_files)
    except CheckoutError as error:
        usage_error(str(error))
    return Repositories(folder, Checkouts(folders), name, frozenset(folders))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    live = LIVE_CASE_FIXTURE in metafunc.fixturenames
    if not live and CASE_FIXTURE not in metafunc.fixturenames:
        return
    from conformance.catalogue import CRITERIA, LIVE_CRITERIA, PER_REPO_LIVE, in_profile
    from conformance.runner import plan_cases, plan_live_cases, plan_repo_live_cases

    config = metafunc.config
    try:
        platform = load_spec(config)
        repo = repositories(config, platform).repo
        envs = selected_envs(config, platform)
        profile = config.getoption("--profile")
        if live and repo is not None:
            per_repo = in_profile(PER_REPO_LIVE, profile)
            cases = plan_repo_live_cases(platform, in_profile(LIVE_CRITERIA, profile), envs, repo, per_repo)
        elif live:
            cases = plan_live_cases(platform, in_profile(LIVE_CRITERIA, profile), envs)
        else:
            cases = [c for c in plan_cases(platform, in_profile(CRITERIA, profile), envs) if repo in (None, c.repo)]
        if live:
            config.stash[PLANNED_KEY] = cases
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
    platform = load_spec(pytestconfig)
    found = repositories(pytestconfig, platform)
    return FleetEvidence(found.root, platform, options, found.files, found.given)


@pytest.fixture(scope="session")
def conformance_live(pytestconfig: pytest.Config) -> LiveEvidence:
    """The session's one reader of AWS: one boto3 session, each read made once, read-only.

    A per-repository run's missing resource is reported by the first of its own cases that meets it
    when the criterion owning that kind (the API, the table: the infrastructure's) is not planned.
    """
    from conformance.runner import live_evidence, owners_within

    platform = load_spec(pytestconfig)
    planned = pytestconfig.stash.get(PLANNED_KEY, [])
    repo = repositories(pytestconfig, platform).repo
    owners = owners_within(planned) if repo is not None else None
    endpoint_url = pytestconfig.getoption("--endpoint-url")
    scope = frozenset({repo}) if repo is not None else None
    evidence = live_evidence(platform, endpoint_url=endpoint_url, owners=owners, repos=scope)
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
        from functools import partial

        from conformance.report import write_json, write_markdown
        from conformance.sarif import write_sarif

        if hasattr(self.config, "workerinput"):  # a pytest-xdist worker: its controller writes them
            return
        results = list(self.results.values())
        incomplete = self.incomplete(session, exitstatus)
        sarif = partial(write_sarif, single_repo=bool(self.config.getoption("--repo", None)))
        for (flag, dest), write in zip(REPORT_OPTIONS, (write_json, write_markdown, sarif), strict=True):
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
