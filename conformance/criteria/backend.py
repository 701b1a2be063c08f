"""Backend: S3 state with locking and one key per repository, as `terraform init` of the env's deploy sees it;
tfvars: region and account per env.

The effective backend settings are what the deploy's `terraform init` uses: the `backend "s3"`
block, then each `-backend-config` of that init in order (a file: `*.hcl`, `*.tfbackend`, any
name, relative to where terraform runs: the step's `working-directory`, a `cd`, `-chdir`; or
`key=value`, shell variables and `${{ }}` resolved through the step's env). The init judged
is the one in a job that deploys (conformance.evidence.workflow_run), in the step or in a
repository script the step calls (`scripts/deploy.sh "$DEPLOY_ENV"`: read with the call's
arguments as $1, $2, ...); a workflow whose init cannot be found (a script outside the
repository, a tool) is judged by the block and the env's backend files
(`terraform/**/<...env...>.hcl|.tfbackend`). What cannot be resolved fails, naming the line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, RepoScope, Requirement
from conformance.criteria.deploy_workflow import cannot_resolve, read, workflow_path
from conformance.criteria.hcl_checks import parse_failures, truthy, unresolved
from conformance.evidence.evaluate import Evaluator, Scope, Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.github_expressions import Unknown, resolve, to_text
from conformance.evidence.hcl import Block, Body, ParseFailure
from conformance.evidence.shell_run import Command, Start, Value, commands
from conformance.evidence.shell_syntax import Script
from conformance.evidence.workflow_run import TERRAFORMS, Run, Step, Workflow

BACKEND_FILE_SUFFIXES = (".hcl", ".tfbackend")
MODULE_FOLDER = "terraform"
FLAG = re.compile(r"^--?backend-config(?:=(.*))?$", re.S)


@dataclass
class Setting:
    value: Any  # a value, or Unknown
    where: str
    raw: str = ""


@dataclass
class BackendConfig:
    """What one `terraform init` (or the block and the env's files) configures; `where` names the init."""

    where: str
    settings: dict[str, Setting] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # what keeps every setting from being known


@dataclass(frozen=True)
class Init:
    """A `terraform init` of the deploy: its flags in order with their lines, the folder it runs in."""

    where: str
    directory: Value  # relative to the repository
    flags: list[tuple[Value, str]]  # (the -backend-config argument, file:line)


def backend_files(view: RepoView, evidence: FleetEvidence) -> list[str]:
    """Partial backend settings for the env: `terraform/**/<...env...>.hcl|.tfbackend`."""
    assert view.env is not None
    candidates = evidence.list(view.name, MODULE_FOLDER, BACKEND_FILE_SUFFIXES, recursive=True)
    return [path for path in candidates if view.env in re.split(r"[._-]", path.rsplit("/", 1)[-1])]


def backend_block(view: RepoView) -> Block:
    block = view.module.backend()
    if block is None:
        if view.module.failures:
            raise Stop(*parse_failures(view))
        raise Stop(Problem(view.where(MODULE_FOLDER), expected("a terraform { backend ... } block", "none")))
    return block


def take_attributes(body: Body, where: str, into: dict[str, Setting]) -> None:
    plain = Evaluator(Scope({}, {}))
    for name, attribute in body.attributes.items():
        try:
            into[name] = Setting(plain.attribute(attribute), f"{where}:{attribute.location.line}", attribute.text)
        except Unresolvable as error:
            message = str(error).replace(f" at {error.location}", "") if error.location else str(error)
            raise Stop(Problem(f"{where}:{attribute.location.line}", message)) from None


# -- the deploy's terraform init -----------------------------------------------------------------


def working_directory(run: Run, step: Step) -> Value:
    job = run.workflow.jobs[step.job]
    for level in (step.data, *_defaults(job.data), *_defaults(job.file.data)):
        if isinstance(level, dict) and "working-directory" in level:
            value = resolve(level["working-directory"], run.evaluator(step.job, step))
            return value if isinstance(value, Unknown) else posixpath.normpath(to_text(value))
    return "."


def _defaults(level: dict[str, Any]) -> list[dict[str, Any]]:
    defaults = level.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return [run] if isinstance(run, dict) else []


def join_path(*parts: Value) -> Value:
    for part in parts:
        if isinstance(part, Unknown):
            return part
    return posixpath.normpath(posixpath.join(*[str(p) for p in parts]))


# A repository script a step calls (`scripts/deploy.sh "$DEPLOY_ENV"`, `bash scripts/deploy.sh dev`):
# its commands are read with the call's arguments as $1, $2, ..., a few calls deep at most.
SCRIPT_SHELLS = ("bash", "sh")
MAX_SCRIPT_DEPTH = 3
ScriptReader = Callable[[str], "tuple[str, str] | None"]  # repo-relative path -> (text, file label) or None


def step_calls(
    workflow: Workflow, run: Run, step: Step, read_script: ScriptReader | None = None
) -> list[TerraformCall]:
    """The Terraform commands of one step, in order, with those of the repository scripts it calls."""
    if "run" not in step.data or run.shell(step)[0] != "sh":
        return []
    text, markers = run.run_text(step)
    script = workflow.script(text)
    job = workflow.jobs[step.job]
    file, first_line = job.file.file, job.text_line("steps", step.index, "run")
    if not isinstance(script, Script):
        if re.search(r"\bterraform\b.*\binit\b", text):
            where = f"{file}:{first_line + script.line - 1}"
            raise Stop(Problem(where, f"cannot read the terraform init of this step: {script}"))
        return []
    env = run.env(step.job, step)
    try:
        written = commands(script, Start(env, markers))
    except (RecursionError, ValueError, IndexError, KeyError, TypeError):
        raise Stop(Problem(f"{file}:{first_line}", "cannot read the commands of this step")) from None
    context = ScriptContext(workflow, env, read_script)
    return command_calls(context, written, file, first_line, working_directory(run, step), 0)


def step_inits(workflow: Workflow, run: Run, step: Step, read_script: ScriptReader | None = None) -> list[Init]:
    return [init for call in step_calls(workflow, run, step, read_script) if (init := as_init(call)) is not None]


@dataclass(frozen=True)
class TerraformCall:
    """One `terraform <subcommand>` as a deploy runs it: where it is written, the folder it runs in."""

    where: str
    directory: Value  # relative to the repository (the step's folder, `cd`s and `-chdir` applied)
    subcommand: Value
    arguments: list[tuple[Value, str]]  # (word, file:line) after the subcommand


@dataclass(frozen=True)
class ScriptContext:
    """What following a called script needs: the parser, the step's environment, the repository's files."""

    workflow: Workflow
    env: dict[str, Value]
    read_script: ScriptReader | None


def script_call(words: list[Value]) -> tuple[Value, list[Value]] | None:
    """(the script's path, its arguments) when a command runs a script by its relative path."""
    if not words or not isinstance(words[0], str):
        return None
    program = words[0]
    if program.rsplit("/", 1)[-1] in SCRIPT_SHELLS:
        if len(words) < 2 or not isinstance(words[1], str) or words[1].startswith("-"):
            return None
        return words[1], words[2:]
    if "/" in program and not program.startswith("/"):
        return program, words[1:]
    return None


def command_calls(
    context: ScriptContext, written: list[Command], file: str, first_line: int, base: Value, depth: int
) -> list[TerraformCall]:
    """The Terraform commands among `written` (a step's or a called script's), calls of repository scripts followed."""
    found = []
    for command in written:
        words, lines = command.program
        called = script_call(words)
        if called is not None and context.read_script is not None and depth < MAX_SCRIPT_DEPTH:
            found += script_calls(context, join_path(base, command.directory), called, depth + 1)
            continue
        if not words or not isinstance(words[0], str) or words[0].rsplit("/", 1)[-1] not in TERRAFORMS:
            continue
        chdir: Value = "."
        index = 1
        while index < len(words) and isinstance(words[index], str) and str(words[index]).startswith("-"):
            if str(words[index]).startswith("-chdir="):
                chdir = str(words[index]).removeprefix("-chdir=")
            index += 1
        if index >= len(words):
            continue
        arguments = [
            (w, f"{file}:{first_line + line - 1}")
            for w, line in zip(words[index + 1 :], lines[index + 1 :], strict=True)
        ]
        found.append(
            TerraformCall(
                f"{file}:{first_line + command.line - 1}",
                join_path(base, command.directory, chdir),
                words[index],
                arguments,
            )
        )
    return found


def as_init(call: TerraformCall) -> Init | None:
    """A `terraform init` that configures the backend, with its -backend-config arguments in order."""
    if call.subcommand != "init":
        return None
    arguments = call.arguments
    if any(w in ("-backend=false", "--backend=false") for w, _ in arguments):
        return None
    flags: list[tuple[Value, str]] = []
    position = 0
    while position < len(arguments):
        word, where = arguments[position]
        text_word = word.prefix if isinstance(word, Unknown) else word
        match = FLAG.match(text_word) if text_word.startswith("-") else None
        if match and match.group(1) is None and "=" not in text_word and position + 1 < len(arguments):
            position += 1
            word, where = arguments[position]
        elif match and isinstance(word, str):
            word = match.group(1) or ""
        elif match:
            assert isinstance(word, Unknown)
            word = Unknown(word.reason, None, word.prefix.split("=", 1)[1] if "=" in word.prefix else "")
        else:
            position += 1
            continue
        flags.append((word, where))
        position += 1
    return Init(call.where, call.directory, flags)


def script_calls(
    context: ScriptContext, directory: Value, called: tuple[Value, list[Value]], depth: int
) -> list[TerraformCall]:
    """The Terraform commands of a repository script a step calls, read with the call's arguments
    (bash runs it in the caller's folder, so its paths are relative to where it was called)."""
    path, arguments = called
    relative = join_path(directory, path)
    if isinstance(relative, Unknown) or relative.startswith(("../", "/")) or relative == "..":
        return []
    assert context.read_script is not None
    found = context.read_script(relative)
    if found is None:
        return []
    text, file = found
    script = context.workflow.script(text)
    if not isinstance(script, Script):
        if re.search(r"\bterraform\b.*\binit\b", text):
            raise Stop(Problem(f"{file}:{script.line}", f"cannot read the terraform init of this script: {script}"))
        return []
    variables = {**context.env, **{str(number): value for number, value in enumerate(arguments, start=1)}}
    try:
        written = commands(script, Start(variables))
    except (RecursionError, ValueError, IndexError, KeyError, TypeError):
        raise Stop(Problem(f"{file}:1", "cannot read the commands of this script")) from None
    return command_calls(context, written, file, 1, directory, depth)


def deploy_inits(view: RepoView, evidence: FleetEvidence) -> list[Init]:
    """The inits of the jobs that deploy (or of any job when those have none), in the module's folder first."""
    for deploying in (True, False):
        inits = [init for call in deploy_calls(view, evidence, deploying) if (init := as_init(call)) is not None]
        if inits:
            in_module = [i for i in inits if i.directory == MODULE_FOLDER]
            return in_module or inits
    return []


def deploy_calls(view: RepoView, evidence: FleetEvidence, deploying: bool = True) -> list[TerraformCall]:
    """The Terraform commands of the env's workflow, in order: of the jobs that deploy, or of every job."""
    key = ("terraform calls", view.name, view.env or "", deploying)
    if key not in evidence.scratch:
        try:
            evidence.scratch[key] = find_calls(view, evidence, deploying)
        except Stop as stop:
            evidence.scratch[key] = stop
    found = evidence.scratch[key]
    if isinstance(found, Stop):
        raise Stop(*found.problems)
    return found


def find_calls(view: RepoView, evidence: FleetEvidence, deploying: bool) -> list[TerraformCall]:
    workflow = read(view, evidence)
    if not isinstance(workflow, Workflow):
        return []
    run = Run(workflow, workflow.default_inputs(), workflow.deploy_rule)
    reader = partial(repo_script, view, evidence)
    jobs = workflow.deploying_jobs() if deploying else list(workflow.jobs)
    return [
        call for job_id in jobs for step in workflow.steps(job_id) for call in step_calls(workflow, run, step, reader)
    ]


def repo_script(view: RepoView, evidence: FleetEvidence, relative: str) -> tuple[str, str] | None:
    """A script of the repository as (text, file label), or None when it is not there or cannot be read."""
    text = evidence.read(view.name, relative)
    return (text, view.where(relative)) if isinstance(text, str) else None


def from_init(view: RepoView, evidence: FleetEvidence, block: Block, init: Init) -> BackendConfig:
    config = BackendConfig(init.where)
    take_attributes(block.body, block.location.file, config.settings)
    for argument, where in init.flags:
        if isinstance(argument, Unknown):
            key = argument.prefix.split("=", 1)[0] if "=" in argument.prefix else None
            shown = f"-backend-config={argument.prefix}..."
            if key:
                config.settings[key.strip()] = Setting(argument, where, shown)
            else:
                config.problems.append(Problem(where, f"-backend-config: {cannot_resolve(shown, argument)}"))
            continue
        if "=" in argument:
            key, _, value = argument.partition("=")
            converted = {"true": True, "false": False}.get(value, value)
            config.settings[key.strip()] = Setting(converted, where, argument)
            continue
        relative = join_path(init.directory, argument)
        if isinstance(relative, Unknown) or relative.startswith(("../", "/")) or relative == "..":
            reason = relative.reason if isinstance(relative, Unknown) else "outside the repository"
            config.problems.append(Problem(where, f"-backend-config={argument}: cannot resolve the file ({reason})"))
            continue
        body = evidence.hcl(view.name, relative)
        if body is None:
            config.problems.append(
                Problem(where, f"-backend-config={argument}: {expected(f'the file {relative}', 'none')}")
            )
        elif isinstance(body, ParseFailure):
            config.problems.append(Problem(f"{body.file}:{body.line}", f"does not parse: {body.reason}"))
        else:
            take_attributes(body, view.where(relative), config.settings)
    return config


def backend_configs(view: RepoView, evidence: FleetEvidence) -> tuple[str, list[BackendConfig]]:
    """(backend type, the configs the env's deploy initialises with)."""
    block = backend_block(view)
    inits = deploy_inits(view, evidence)
    if inits:
        return block.labels[0], [from_init(view, evidence, block, init) for init in inits]
    config = BackendConfig(view.where("terraform/backend.tf"))
    take_attributes(block.body, block.location.file, config.settings)
    for relative in backend_files(view, evidence):
        body = evidence.hcl(view.name, relative)
        if isinstance(body, ParseFailure):
            raise Stop(Problem(f"{body.file}:{body.line}", f"does not parse: {body.reason}"))
        if body is not None:
            take_attributes(body, view.where(relative), config.settings)
    return block.labels[0], [config]


def setting(config: BackendConfig, name: str) -> Setting | None:
    return config.settings.get(name)


def check_setting(config: BackendConfig, name: str, wanted: str) -> list[Problem]:
    if config.problems:
        return config.problems
    found = setting(config, name)
    if found is None:
        return [Problem(config.where, f"{name}: {expected(repr(wanted), 'none')}")]
    if isinstance(found.value, Unknown):
        return [Problem(found.where, f"{name}: {cannot_resolve(found.raw, found.value)}")]
    if found.value != wanted:
        return [Problem(found.where, f"{name}: {expected(repr(wanted), describe(found.value))}")]
    return []


def backend_s3(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    kind, configs = backend_configs(view, evidence)
    if kind != "s3":
        return [Problem(view.where("terraform/backend.tf"), expected('backend "s3"', f'backend "{kind}"'))]
    return [p for config in configs for p in check_setting(config, "bucket", view.names.state_bucket)]


def backend_lock(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    _, configs = backend_configs(view, evidence)
    problems = []
    for config in configs:
        if config.problems:
            problems += config.problems
            continue
        table, lockfile = setting(config, "dynamodb_table"), setting(config, "use_lockfile")
        values = [s.value for s in (table, lockfile) if s is not None]
        if (table and isinstance(table.value, str) and table.value) or (lockfile and truthy(lockfile.value)):
            continue
        unknown = next((s for s in (table, lockfile) if s is not None and isinstance(s.value, Unknown)), None)
        if unknown is not None:
            problems.append(Problem(unknown.where, f"state locking: {cannot_resolve(unknown.raw, unknown.value)}"))
            continue
        found = "no state locking" if not values else f"no state locking ({', '.join(map(describe, values))})"
        problems.append(Problem(config.where, expected("dynamodb_table or use_lockfile = true", found)))
    return problems


def backend_key(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    _, configs = backend_configs(view, evidence)
    wanted = view.platform.state_key(view.name)
    return [p for config in configs for p in check_setting(config, "key", wanted)]


# -- tfvars --------------------------------------------------------------------------------------


def tfvars(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    assert view.env is not None
    relative = f"terraform/environments/{view.env}.tfvars"
    loaded = evidence.tfvars(view.name, view.env)
    if loaded is None:
        return [Problem(view.where(relative), expected("the file", "none"))]
    if isinstance(loaded, ParseFailure):
        return [Problem(f"{loaded.file}:{loaded.line}", f"does not parse: {loaded.reason}")]
    values, errors = loaded
    problems = [unresolved(view, e) for e in errors.values()]
    spec = view.platform.environments[view.env]
    providers = [
        b for b in view.module.of_type("provider") if b.labels == ("aws",) and "alias" not in b.body.attributes
    ]
    if not providers:
        return [*problems, Problem(view.where("terraform"), expected('a provider "aws" block', "none"))]
    provider = providers[0]
    for name, wanted in (("region", spec.region),):
        attribute = provider.body.attributes.get(name)
        found = view.values.value(attribute) if attribute else None
        if found != wanted:
            problems.append(
                Problem(
                    f"{provider.location}", f"provider {name} for {view.env}: {expected(repr(wanted), describe(found))}"
                )
            )
    allowed = provider.body.attributes.get("allowed_account_ids")
    if allowed is not None:
        found = view.values.value(allowed)
        if found != [spec.account_id]:
            problems.append(
                Problem(
                    str(allowed.location), f"allowed_account_ids for {view.env}: {expected([spec.account_id], found)}"
                )
            )
    elif spec.account_id not in [str(v) for v in values.values()]:
        problems.append(Problem(view.where(relative), expected(f"the account id {spec.account_id}", "none")))
    return problems


B = Requirement.BACKEND
EVERY = RepoScope.EVERY_REPO
BACKEND_FILES = ("terraform/backend.tf", "terraform/**/*{env}*.hcl|.tfbackend", workflow_path("{env}"))
CRITERIA = [
    Criterion(
        id="REPO-BACKEND-S3",
        title="S3 backend, in the env's state bucket (as the deploy's terraform init configures it)",
        requirement=B,
        scope=EVERY,
        files=BACKEND_FILES,
        static=backend_s3,
    ),
    Criterion(
        id="REPO-BACKEND-LOCK",
        title="State locking (DynamoDB table or S3 lock file)",
        requirement=B,
        scope=EVERY,
        files=BACKEND_FILES,
        static=backend_lock,
    ),
    Criterion(
        id="REPO-BACKEND-KEY",
        title="A state key of its own: <repo>/terraform.tfstate",
        requirement=B,
        scope=EVERY,
        files=BACKEND_FILES,
        static=backend_key,
    ),
    Criterion(
        id="REPO-TFVARS",
        title="Region and account per env in environments/<env>.tfvars",
        requirement=Requirement.INFRA_FILES,
        scope=EVERY,
        files=("terraform/environments/{env}.tfvars", "terraform/*.tf"),
        static=tfvars,
    ),
]
