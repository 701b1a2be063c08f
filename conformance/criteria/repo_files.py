"""Layout and housekeeping files: the trees of the requirement, git, .gitignore, docs, requirements.

Over 400 lines as one idea: what a repository holds beside its Terraform and workflows.
"""

from __future__ import annotations

import ast
import configparser
import itertools
import re
import shlex

from conformance.core import Problem, expected
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement
from conformance.criteria.layout import infrastructure_layout, lambda_layout
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.python_source import PythonFailure, python_module


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
TERRAFORM_IGNORES = {
    ".terraform/": (".terraform", ".terraform/", ".terraform/*", "**/.terraform", "**/.terraform/", "**/.terraform/*"),
    "*.tfstate": ("*.tfstate", "*.tfstate*", "**/*.tfstate", "*.tfstate.*"),
}


def gitignore(
    view: RepoView, evidence: FleetEvidence, extra: dict[str, tuple[str, ...]] | None = None
) -> list[Problem]:
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
    for name, accepted in (extra or {}).items():
        if not entries & set(accepted):
            problems.append(Problem(view.where(".gitignore"), expected(f"the Terraform entry {name}", "none")))
    return problems


def infrastructure_gitignore(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """The kit's convention for the infrastructure repo: the Lambda repos' entries plus Terraform's own."""
    return gitignore(view, evidence, TERRAFORM_IGNORES)


def docs(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    problems = []
    for name in ("README.md", "CLAUDE.md"):
        text = evidence.text(view.name, name)
        if text is None or not text.strip():
            problems.append(
                Problem(view.where(name), expected("a non-empty file", "none" if text is None else "an empty file"))
            )
    return problems


# What "deployment instructions" (infrastructure) and "setup instructions" (Lambda) must say, each
# found anywhere in README.md, case-insensitive; any one of the ways listed is enough. A heading
# alone, or a line of prose, is none of them.
TERRAFORM_DEPLOY = {
    "terraform init": re.compile(r"terraform(?:\s+-chdir=\S+)?\s+init\b", re.I),
    "the backend config (-backend-config or the backend file)": re.compile(r"backend", re.I),
    "the env's variables (-var-file or <env>.tfvars)": re.compile(r"-var-file|\.tfvars\b", re.I),
    "terraform apply": re.compile(r"terraform(?:\s+-chdir=\S+)?\s+apply\b", re.I),
}
WORKFLOW_DEPLOY = {
    "the deploy workflow (deploy-<env>.yml)": re.compile(r"deploy-[\w{}<>$]+\.ya?ml|gh\s+workflow\s+run", re.I),
    "how it is started (dispatch, Run workflow, gh workflow run)": re.compile(
        r"dispatch|run\s+workflow|gh\s+workflow\s+run", re.I
    ),
}
INSTALL = {
    "installing the requirements (pip install, uv, poetry, pipenv, conda, make or a setup script)": re.compile(
        r"\b(?:pip3?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip|uv|poetry|pipenv)\s+(?:install|sync)\b"
        r"|\bconda\s+(?:env\s+)?create\b|\bmake\s+(?:install|setup|dev|venv)\b|\bsetup[\w-]*\.sh\b",
        re.I,
    ),
}
DEPLOYMENT_INSTRUCTIONS = ("deployment instructions", (TERRAFORM_DEPLOY, WORKFLOW_DEPLOY))
SETUP_INSTRUCTIONS = ("setup instructions", (INSTALL, TERRAFORM_DEPLOY))


def instructions(
    view: RepoView, evidence: FleetEvidence, what: str, ways: tuple[dict[str, re.Pattern[str]], ...]
) -> list[Problem]:
    """Pass when the README says everything one of the `ways` needs; else name what the first way lacks."""
    text = evidence.text(view.name, "README.md")
    if text is None:
        return [Problem(view.where("README.md"), expected(what, "no README.md"))]
    missing = [[name for name, pattern in way.items() if not pattern.search(text)] for way in ways]
    if all(missing):
        alternatives = " or ".join(f"({', '.join(way)})" for way in ways)
        return [Problem(view.where("README.md"), expected(f"{what}: {alternatives}", f"no {'; no '.join(missing[0])}"))]
    return []


def deployment_readme(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    return instructions(view, evidence, *DEPLOYMENT_INSTRUCTIONS)


def setup_readme(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    return instructions(view, evidence, *SETUP_INSTRUCTIONS)


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


COVERAGE_FLOOR = 80


def coverage(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """The kit's convention for stage 2: pytest.ini's addopts measure coverage and fail under 80 %."""
    where = view.where("pytest.ini")
    text = evidence.text(view.name, "pytest.ini")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text or "")
    except configparser.Error as error:
        return [Problem(where, f"does not parse: {str(error).splitlines()[0]}")]
    addopts = parser.get("pytest", "addopts", fallback="")
    try:
        options = shlex.split(addopts)
    except ValueError as error:
        return [Problem(where, f"addopts: does not parse: {error}")]
    problems = []
    if not any(o == "--cov" or o.startswith("--cov=") for o in options):
        problems.append(
            Problem(where, f"addopts: {expected('--cov (coverage measured on every run)', addopts or 'none')}")
        )
    floors = [o.split("=", 1)[1] for o in options if o.startswith("--cov-fail-under=")]
    floors += [b for a, b in itertools.pairwise(options) if a == "--cov-fail-under"]
    floor = floors[-1] if floors else None
    try:
        number = float(floor) if floor is not None else None
    except ValueError:
        number = None
    if number is None or number < COVERAGE_FLOOR:
        shown = f"--cov-fail-under={floor}" if floor is not None else "no --cov-fail-under"
        problems.append(Problem(where, f"addopts: {expected(f'--cov-fail-under={COVERAGE_FLOOR} or more', shown)}"))
    if "pytest-cov" not in package_names(evidence.text(view.name, "requirements-dev.txt") or ""):
        problems.append(Problem(view.where("requirements-dev.txt"), expected("pytest-cov (for --cov)", "none")))
    return problems


VALIDATE_SCRIPT = "scripts/validate_infrastructure.py"
ENV_OPTIONS = ("--env", "--environment")
ENV_POSITIONALS = ("env", "environment")


def _strings(node: ast.AST | None) -> list[str] | None:
    """A literal list/tuple/set of strings, or None when it is computed."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return None


def env_options(module: ast.Module) -> list[ast.Call]:
    """`add_argument("--env", ...)` (argparse) and `click.option("--env", ...)`/`click.argument("env")` calls."""
    found = []
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr
            if isinstance(node.func, ast.Attribute)
            else node.func.id
            if isinstance(node.func, ast.Name)
            else ""
        )
        if name not in ("add_argument", "option", "argument", "Option", "Argument"):
            continue
        flags = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        dest = next(
            (k.value.value for k in node.keywords if k.arg == "dest" and isinstance(k.value, ast.Constant)), None
        )
        if any(f in ENV_OPTIONS for f in flags) or (flags and flags[0] in ENV_POSITIONALS) or dest in ENV_POSITIONALS:
            found.append(node)
    return found


def runs_as_script(module: ast.Module) -> bool:
    """`if __name__ == "__main__":`, or a call at the top level (the script runs when executed)."""
    for node in module.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and "__name__" in ast.unparse(node.test):
            return True
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return True
    return False


def validate_script(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """The post-deploy check parses, runs as a script and takes the env to check (--env or --environment)."""
    module = python_module(evidence, view.name, VALIDATE_SCRIPT)
    where = view.where(VALIDATE_SCRIPT)
    if module is None:
        return [Problem(where, expected("the file", "none"))]
    if isinstance(module, PythonFailure):
        return [Problem(f"{module.file}:{module.line}", f"does not parse: {module.reason}")]
    problems = []
    if not runs_as_script(module):
        problems.append(Problem(where, expected('an entry point (if __name__ == "__main__":)', "none")))
    options = env_options(module)
    if not options:
        problems.append(
            Problem(where, expected("the env to check as --env or --environment (argparse or click)", "none"))
        )
    envs = list(view.platform.environments)
    for option in options:
        keywords = {k.arg: k.value for k in option.keywords if k.arg}
        choices = _strings(keywords.get("choices") or keywords.get("type"))
        missing = [e for e in envs if choices is not None and e not in choices]
        if missing:
            shown = f"choices {choices}"
            problems.append(Problem(f"{where}:{option.lineno}", f"--env: {expected(', '.join(envs), shown)}"))
        found = _default_env_problem(option, keywords, envs)
        if found:
            problems.append(Problem(f"{where}:{option.lineno}", f"--env default: {expected(' or '.join(envs), found)}"))
    return problems


def _default_env_problem(option: ast.Call, keywords: dict[str, ast.expr], envs: list[str]) -> str | None:
    """What stops a bare `python scripts/validate_infrastructure.py` (the requirement's own check) from
    choosing an env, or None: the option is required, has no default, or a default that is no env.

    A default read from the environment with an env as its fallback (`os.environ.get("ENV", "dev")`)
    counts; any other expression cannot be told and is reported as such.
    """
    required = keywords.get("required")
    if isinstance(required, ast.Constant) and required.value is True:
        return "required=True (the requirement runs the script bare)"
    flags = [a.value for a in option.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    nargs = keywords.get("nargs")
    optional_positional = isinstance(nargs, ast.Constant) and nargs.value == "?"
    if flags and not flags[0].startswith("-") and not optional_positional and "default" not in keywords:
        return "a required positional argument (the requirement runs the script bare)"
    default = keywords.get("default")
    if default is None:
        return "no default (the requirement runs the script bare)"
    if isinstance(default, ast.Constant):
        return None if default.value in envs else repr(default.value)
    if isinstance(default, ast.Call) and any(
        isinstance(a, ast.Constant) and a.value in envs for a in [*default.args, *(k.value for k in default.keywords)]
    ):
        return None
    return f"{ast.unparse(default)}, which cannot be told"


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
        title=".gitignore covers .env and the Python standard entries (Lambda repos)",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=(".gitignore",),
        static=gitignore,
        per_env=False,
    ),
    Criterion(
        id="INF-GITIGNORE",
        profile=Profile.PLATFORM,
        title=".gitignore covers .env, Python and Terraform's local files (.terraform/, *.tfstate)",
        requirement=Requirement.INFRA_FILES,
        scope=RepoScope.INFRASTRUCTURE,
        files=(".gitignore",),
        static=infrastructure_gitignore,
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
        id="INF-README",
        title="README.md holds deployment instructions (init with the backend config, the env's tfvars, apply)",
        requirement=Requirement.INFRA_FILES,
        scope=RepoScope.INFRASTRUCTURE,
        files=("README.md",),
        static=deployment_readme,
        per_env=False,
    ),
    Criterion(
        id="LAMBDA-README",
        title="README.md holds setup instructions (installing the requirements)",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("README.md",),
        static=setup_readme,
        per_env=False,
    ),
    Criterion(
        id="INF-VALIDATE-SCRIPT",
        title="scripts/validate_infrastructure.py parses, runs as a script and takes the env (--env)",
        requirement=Requirement.INFRA_FILES,
        scope=RepoScope.INFRASTRUCTURE,
        files=(VALIDATE_SCRIPT,),
        static=validate_script,
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
    Criterion(
        id="LAMBDA-COVERAGE",
        profile=Profile.PLATFORM,
        title="pytest.ini measures coverage and fails under 80 % (the plan's stage 2)",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("pytest.ini", "requirements-dev.txt"),
        static=coverage,
        per_env=False,
    ),
]
