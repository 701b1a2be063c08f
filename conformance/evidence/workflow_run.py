"""What a run of a deploy workflow can do, for given dispatch inputs: which jobs run, which steps, what deploys.

The workflow criteria ask questions about runs, not about text: "can anything that deploys run
when the confirmation input reads `deploy-pro`?", "can the deploy run when nobody approves the
`sit` environment?". A `Run` answers them the way GitHub runs a workflow:

- each job runs when its `needs` allow and its `if:` holds (`success()` implied, `always()`,
  `failure()` and friends as GitHub defines them; a job that `continue-on-error`s counts as a
  success for the jobs after it);
- inside a job, a step runs when the steps before it did not fail (or its `if:` says otherwise),
  and a `run:` script ends as conformance.evidence.shell_run (or python_script) says, with its
  environment layered workflow < job < step and `${{ }}` evaluated (github_expressions);
- what cannot be known may go either way, and every way is followed.

"Deploys" is decided once per workflow (`deploy_rule`): a command that changes the env
(`terraform apply`/`destroy`/`import`, `aws <service> <a write>`, `sam`/`cdk`/`serverless
deploy`, a `deploy*`/`apply*` script or make target) or an action named for deploying; and when no job
does any of those, assuming an AWS role (the only sign left that a job acts on the account).

Over 400 lines as one idea: a workflow run, job by job and step by step.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conformance.evidence.github_expressions import (
    Evaluator,
    Partial,
    Status,
    Unknown,
    condition,
    resolve,
    substitute,
    to_text,
    truthy,
)
from conformance.evidence.python_script import exit_statuses
from conformance.evidence.shell_run import Ending, Start, Value, commands, endings
from conformance.evidence.shell_syntax import Script, ShellSyntaxError, parse_script
from conformance.evidence.workflow_yaml import WorkflowFile

CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials@"
TERRAFORMS = {"terraform", "tofu", "terragrunt"}
TERRAFORM_WRITES = {"apply", "destroy", "import", "taint", "untaint", "force-unlock", "run-all"}
STATE_WRITES = {"rm", "mv", "push", "replace-provider"}
AWS_READS = (
    "describe",
    "get",
    "list",
    "head",
    "wait",
    "help",
    "ls",
    "validate",
    "estimate",
    "lookup",
    "filter",
    "tail",
)
AWS_GLOBAL_VALUE_OPTIONS = {
    "--region",
    "--profile",
    "--output",
    "--endpoint-url",
    "--query",
    "--color",
    "--cli-read-timeout",
}
DEPLOY_TOOLS = {
    "sam": "deploy",
    "cdk": "deploy",
    "serverless": "deploy",
    "sls": "deploy",
    "pulumi": "up",
    "chalice": "deploy",
}
DEPLOY_SCRIPTS = ("deploy", "apply", "terraform-apply", "tf-apply", "destroy")  # a script or make target
RUNNERS = {"bash", "sh", "zsh", "python", "python3", "node", "make", "pwsh", "ruby", "perl", "npx", "uv", "poetry"}
DEPLOY_TEXT = re.compile(r"\bterraform\b[^\n]*\b(apply|destroy)\b|\b(sam|cdk|serverless|sls)\s+deploy\b")


def _basename(value: Value) -> str:
    return value.rsplit("/", 1)[-1].lower() if isinstance(value, str) else ""


def _terraform_subcommand(words: list[Value]) -> tuple[Value | None, int]:
    """(subcommand, its index) after terraform's global options (`-chdir=DIR`, `-help`)."""
    for index, word in enumerate(words[1:], start=1):
        if isinstance(word, str) and word.startswith("-"):
            continue
        return word, index
    return None, len(words)


def deploying_command(words: list[Value]) -> bool:
    """Whether a command (its words expanded, wrappers off) changes what is deployed."""
    if not words or isinstance(words[0], Unknown):
        return False
    name = _basename(words[0])
    if name in TERRAFORMS:
        subcommand, index = _terraform_subcommand(words)
        if isinstance(subcommand, Unknown):
            return True  # `terraform $ACTION`: it may apply
        if subcommand == "state":
            following = words[index + 1] if index + 1 < len(words) else None
            return isinstance(following, Unknown) or following in STATE_WRITES
        return subcommand in TERRAFORM_WRITES
    if name == "aws":
        return _aws_writes(words[1:])
    if name in DEPLOY_TOOLS:
        return DEPLOY_TOOLS[name] in [w for w in words[1:3] if isinstance(w, str)]
    if name == "make":
        return any(_basename(w).startswith(DEPLOY_SCRIPTS) for w in words[1:] if not str(w).startswith("-"))
    target = words[1] if name in RUNNERS and len(words) > 1 else words[0]
    if name in ("npm", "yarn", "pnpm") and len(words) > 2 and words[1] == "run":
        target = words[2]
    return _basename(target).startswith(DEPLOY_SCRIPTS)


def _aws_writes(words: list[Value]) -> bool:
    positional: list[Value] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if isinstance(word, str) and word.startswith("--"):
            skip = word in AWS_GLOBAL_VALUE_OPTIONS
            continue
        positional.append(word)
    if len(positional) < 2:
        return False
    service, operation = positional[0], positional[1]
    if service in ("sts", "configure", "help"):
        return False
    if isinstance(operation, Unknown) or isinstance(service, Unknown):
        return True
    if service == "s3" and operation in ("cp", "sync", "mv"):
        return isinstance(positional[-1], str) and positional[-1].startswith("s3://")
    return not operation.startswith(AWS_READS)


# Actions whose steps are not read here: a local action (`./path`, a composite of run steps in this
# repository) and a container image can run anything, so they count as steps that may deploy.
UNREAD_ACTIONS = ("./", "docker://")


def deploying_action(uses: str) -> bool:
    name = uses.split("@", 1)[0].lower()
    if name.startswith(UNREAD_ACTIONS):
        return True
    return "deploy" in name or name.endswith("terraform-apply") or name.endswith("/apply")


def assumes_role(step: Mapping[str, Any]) -> bool:
    return str(step.get("uses", "")).lower().startswith(CREDENTIALS_ACTION)


@dataclass(frozen=True)
class DeployRule:
    """What counts as deploying in this workflow; `by_role`: assuming an AWS role (no job does more)."""

    by_role: bool = False

    def step(self, step: Mapping[str, Any]) -> bool:
        """A `uses:` step that deploys (a `run:` step is judged command by command)."""
        uses = str(step.get("uses", ""))
        return deploying_action(uses) or (self.by_role and assumes_role(step))


@dataclass(frozen=True)
class Step:
    job: str
    index: int
    data: Mapping[str, Any]

    @property
    def label(self) -> str:
        name = self.data.get("name") or self.data.get("uses") or str(self.data.get("run", "")).strip().split("\n")[0]
        return str(name)[:60]


@dataclass(frozen=True)
class JobOutcome:
    result: str  # success | failure | skipped
    deployed_at: int | None  # the index of the first deploying step that ran (-1: the job is a reusable workflow)
    chain_failed: bool  # this job or one it needs (at any depth) failed: what failure() answers


SHELLS = {"bash": (True, True), "sh": (True, False)}


def shell_of(step: Mapping[str, Any], job: Mapping[str, Any], workflow: Mapping[str, Any]) -> tuple[str, bool, bool]:
    """(kind, errexit, pipefail): `bash` and `sh` as GitHub invokes them, `python`, or `other`."""
    shell = step.get("shell") or _default(job, "shell") or _default(workflow, "shell")
    if shell is None:
        return "sh", True, False  # bash -e {0}
    text = str(shell).strip()
    if text in SHELLS:
        errexit, pipefail = SHELLS[text]
        return "sh", errexit, pipefail
    if text == "python":
        return "python", False, False
    program = text.split()[0].rsplit("/", 1)[-1] if text.split() else ""
    if "{0}" in text and program in ("bash", "sh"):
        flags = " ".join(w for w in text.split()[1:] if w.startswith("-"))
        return "sh", "e" in flags.replace("--", ""), "pipefail" in text
    if "{0}" in text and program.startswith("python"):
        return "python", False, False
    return "other", False, False


def _default(level: Mapping[str, Any], key: str) -> Any:
    defaults = level.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return run.get(key) if isinstance(run, dict) else None


Loader = Callable[[str], "WorkflowFile | None"]
LOCAL_WORKFLOW = re.compile(r"^\./(\.github/workflows/[\w.-]+\.ya?ml)$")
MAX_CALL_DEPTH = 4  # GitHub allows four levels of nested reusable workflows


@dataclass(frozen=True)
class Job:
    """A job as a run has it: written in `file` under `jobs.<key>`; a reusable workflow's job has the
    calling job as `parent` and is named `<caller>/<key>`."""

    id: str
    key: str
    data: Mapping[str, Any]
    file: WorkflowFile
    prefix: str = ""  # the ids of its siblings start with it
    parent: str | None = None
    calls: bool = False  # a job whose `uses:` workflow was read: its jobs follow it

    def where(self, *path: str | int) -> str:
        return self.file.where("jobs", self.key, *path)

    def line(self, *path: str | int) -> int:
        return self.file.line("jobs", self.key, *path)

    def text_line(self, *path: str | int) -> int:
        return self.file.text_line("jobs", self.key, *path)


def _jobs_of(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    jobs = data.get("jobs")
    return {str(k): v for k, v in jobs.items() if isinstance(v, dict)} if isinstance(jobs, dict) else {}


def call_inputs(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    on = data.get("on")
    call = on.get("workflow_call") if isinstance(on, dict) else None
    inputs = call.get("inputs") if isinstance(call, dict) else None
    return {str(k): v if isinstance(v, dict) else {} for k, v in inputs.items()} if isinstance(inputs, dict) else {}


class Workflow:
    """One workflow's jobs and steps (with the jobs of the local reusable workflows it calls), and what deploys."""

    def __init__(self, file: WorkflowFile, load: Loader | None = None) -> None:
        self.file = file
        self.data = file.data
        self.load = load
        self.jobs: dict[str, Job] = {}
        self.unread: dict[str, str] = {}  # job id -> why its reusable workflow cannot be read
        self._scripts: dict[str, Script | ShellSyntaxError] = {}
        self._add_jobs(file, "", None, 0)

    def _add_jobs(self, file: WorkflowFile, prefix: str, parent: str | None, depth: int) -> None:
        for key, data in _jobs_of(file.data).items():
            job_id = f"{prefix}{key}"
            uses = data.get("uses")
            called = None
            if isinstance(uses, str):
                local = LOCAL_WORKFLOW.match(uses)
                called = self.load(local.group(1)) if local and self.load and depth < MAX_CALL_DEPTH else None
                if called is None:
                    self.unread[job_id] = f"the reusable workflow {uses} cannot be read here"
            self.jobs[job_id] = Job(job_id, key, data, file, prefix, parent, calls=called is not None)
            if called is not None:
                self._add_jobs(called, f"{job_id}/", job_id, depth + 1)

    def triggers(self) -> dict[str, Any]:
        on = self.data.get("on")
        if isinstance(on, str):
            return {on: None}
        if isinstance(on, list):
            return dict.fromkeys(str(t) for t in on)
        return {str(k): v for k, v in on.items()} if isinstance(on, dict) else {}

    def dispatch_inputs(self) -> dict[str, dict[str, Any]]:
        dispatch = self.triggers().get("workflow_dispatch")
        inputs = dispatch.get("inputs") if isinstance(dispatch, dict) else None
        if not isinstance(inputs, dict):
            return {}
        return {str(name): body if isinstance(body, dict) else {} for name, body in inputs.items()}

    def steps(self, job_id: str) -> list[Step]:
        steps = self.jobs[job_id].data.get("steps")
        return (
            [Step(job_id, i, s) for i, s in enumerate(steps) if isinstance(s, dict)] if isinstance(steps, list) else []
        )

    def needs(self, job_id: str) -> list[str]:
        job = self.jobs[job_id]
        needs = job.data.get("needs") or []
        names = [needs] if isinstance(needs, str) else needs if isinstance(needs, list) else []
        return [f"{job.prefix}{n}" for n in names]

    def children(self, job_id: str) -> list[str]:
        return [j for j, job in self.jobs.items() if job.parent == job_id]

    def step_where(self, step: Step) -> str:
        return self.jobs[step.job].where("steps", step.index)

    def script(self, text: str) -> Script | ShellSyntaxError:
        if text not in self._scripts:
            try:
                self._scripts[text] = parse_script(text)
            except (ShellSyntaxError, RecursionError) as error:
                self._scripts[text] = error if isinstance(error, ShellSyntaxError) else ShellSyntaxError(str(error), 1)
        return self._scripts[text]

    def typed_inputs(self) -> dict[str, Any]:
        """Every input as what someone may type: unknown (a `choice` of one option is that option)."""
        found: dict[str, Any] = {}
        for name, body in self.dispatch_inputs().items():
            options = body.get("options")
            single = body.get("type") == "choice" and isinstance(options, list) and len(options) == 1
            found[name] = options[0] if single else Unknown(f"inputs.{name} is typed at dispatch")
        return found

    def default_inputs(self) -> dict[str, Any]:
        """Each input's default when it has one; otherwise what someone types, unknown."""
        return {
            name: body["default"] if "default" in body else Unknown(f"inputs.{name} is typed at dispatch")
            for name, body in self.dispatch_inputs().items()
        }

    @cached_property
    def deploy_rule(self) -> DeployRule:
        rule = DeployRule()
        if any(self.job_deploys(job_id, rule) for job_id in self.jobs):
            return rule
        return DeployRule(by_role=True)

    def deploying_jobs(self) -> list[str]:
        return [job_id for job_id in self.jobs if self.job_deploys(job_id, self.deploy_rule)]

    def job_deploys(self, job_id: str, rule: DeployRule) -> bool:
        if job_id in self.unread:
            return True  # a reusable workflow this run cannot read: it may deploy
        if self.jobs[job_id].calls:
            return False  # its jobs are judged themselves
        run = Run(self, self.typed_inputs(), rule)
        return any(run.step_deploys(step) for step in self.steps(job_id))


@dataclass
class Run:
    """A run of the workflow with these input values (Unknown for what someone may type)."""

    workflow: Workflow
    inputs: Mapping[str, Any]
    rule: DeployRule
    blocked: frozenset[str] = frozenset()  # jobs that never start (an approval nobody gives): they fail
    _env: dict[tuple[str | None, int | None], dict[str, Value]] = field(default_factory=dict)
    _outcomes: dict[str, set[JobOutcome]] = field(default_factory=dict)
    _inputs: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    _starts: dict[str, set[bool]] = field(default_factory=dict)

    # -- contexts --------------------------------------------------------------------------------

    def inputs_of(self, caller: str | None) -> dict[str, Any]:
        """The `inputs` context: the dispatch's, or in a called workflow its caller's `with:` over its defaults."""
        if caller not in self._inputs:
            if caller is None:
                self._inputs[None] = dict(self.inputs)
            else:
                job = self.workflow.jobs[caller]
                evaluator = Evaluator(self.contexts_for(job.parent, caller, None))
                given = job.data.get("with") if isinstance(job.data.get("with"), dict) else {}
                called = (
                    self.workflow.jobs[self.workflow.children(caller)[0]].file
                    if self.workflow.children(caller)
                    else None
                )
                declared = call_inputs(called.data) if called else {}
                values: dict[str, Any] = {name: body.get("default") for name, body in declared.items()}
                for name, value in given.items():
                    values[str(name)] = resolve(value, evaluator)
                self._inputs[caller] = values
        return self._inputs[caller]

    def contexts_for(self, caller: str | None, job_id: str | None, env: Mapping[str, Value] | None) -> dict[str, Any]:
        event_inputs = {k: v if isinstance(v, Unknown) else to_text(v) for k, v in self.inputs.items()}
        triggers = list(self.workflow.triggers())
        github: dict[str, Any] = {"event": Partial("github.event", {"inputs": event_inputs})}
        if len(triggers) == 1:
            github["event_name"] = triggers[0]
        contexts: dict[str, Any] = {"inputs": self.inputs_of(caller), "github": Partial("github", github)}
        if env is not None:
            contexts["env"] = dict(env)
        if job_id is not None:
            contexts["matrix"] = Partial("matrix", self.matrix(job_id))
        return contexts

    def contexts(self, job_id: str | None, env: Mapping[str, Value] | None) -> dict[str, Any]:
        caller = self.workflow.jobs[job_id].parent if job_id is not None else None
        return self.contexts_for(caller, job_id, env)

    def matrix(self, job_id: str) -> dict[str, Any]:
        strategy = self.workflow.jobs[job_id].data.get("strategy")
        matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
        known: dict[str, Any] = {}
        if isinstance(matrix, dict):
            for key, values in matrix.items():
                if isinstance(values, list) and len(values) == 1 and not isinstance(values[0], dict | list):
                    known[str(key)] = values[0]
        return known

    def env(self, job_id: str | None = None, step: Step | None = None) -> dict[str, Value]:
        """The environment at a level: workflow < job < step, each value's `${{ }}` evaluated.

        A called workflow has its own workflow-level env (the caller's does not reach it)."""
        key = (job_id, step.index if step else None)
        if key in self._env:
            return self._env[key]
        if step is not None:
            base, level = self.env(job_id), step.data
            evaluator = Evaluator(self.contexts(job_id, base))
        elif job_id is not None:
            job = self.workflow.jobs[job_id]
            base, level = self.file_env(job), job.data
            evaluator = Evaluator(self.contexts(job_id, base))
        else:
            base, level = {}, self.workflow.data
            evaluator = Evaluator(self.contexts_for(None, None, None))
        merged = dict(base)
        declared = level.get("env")
        if isinstance(declared, dict):
            for name, value in declared.items():
                resolved = resolve(value, evaluator)
                merged[str(name)] = resolved if isinstance(resolved, Unknown) else to_text(resolved)
        self._env[key] = merged
        return merged

    def file_env(self, job: Job) -> dict[str, Value]:
        if job.parent is None:
            return self.env()
        key = (f"{job.parent}/", None)
        if key not in self._env:
            evaluator = Evaluator(self.contexts_for(job.parent, None, None))
            declared = job.file.data.get("env")
            merged: dict[str, Value] = {}
            if isinstance(declared, dict):
                for name, value in declared.items():
                    resolved = resolve(value, evaluator)
                    merged[str(name)] = resolved if isinstance(resolved, Unknown) else to_text(resolved)
            self._env[key] = merged
        return self._env[key]

    def evaluator(self, job_id: str, step: Step | None = None, status: Status | None = None) -> Evaluator:
        """For a step's `with:`/`run:` (its own env), or a step's `if:` (the job's env) when step is None."""
        return Evaluator(self.contexts(job_id, self.env(job_id, step)), status)

    # -- steps -----------------------------------------------------------------------------------

    def shell(self, step: Step) -> tuple[str, bool, bool]:
        job = self.workflow.jobs[step.job]
        return shell_of(step.data, job.data, job.file.data)

    def run_text(self, step: Step) -> tuple[str, list[Unknown]]:
        return substitute(str(step.data.get("run", "")), self.evaluator(step.job, step))

    def step_deploys(self, step: Step) -> bool:
        """Whether the step can deploy at all (any command of it, whatever the path)."""
        if "run" not in step.data:
            return self.rule.step(step.data)
        text, markers = self.run_text(step)
        kind, _, _ = self.shell(step)
        if kind == "python":
            return False
        script = self.workflow.script(text) if kind == "sh" else None
        if not isinstance(script, Script):
            return bool(DEPLOY_TEXT.search(text))
        start = Start(self.env(step.job, step), markers)
        try:
            return any(deploying_command(command.program[0]) for command in commands(script, start))
        except (RecursionError, ValueError, IndexError, KeyError, TypeError):
            return bool(DEPLOY_TEXT.search(text))

    def step_endings(self, step: Step) -> set[Ending]:
        if "run" not in step.data:
            deployed = self.rule.step(step.data)
            return {Ending(0, deployed), Ending(1, deployed)}
        text, markers = self.run_text(step)
        env = self.env(step.job, step)
        kind, errexit, pipefail = self.shell(step)
        if kind == "python":
            return {Ending(status, False) for status in exit_statuses(text, env)}
        script = self.workflow.script(text) if kind == "sh" else None
        if not isinstance(script, Script):
            deployed = bool(DEPLOY_TEXT.search(text))
            return {Ending(0, deployed), Ending(1, deployed)}
        return endings(script, Start(env, markers, errexit, pipefail), deploying_command)

    # -- jobs ------------------------------------------------------------------------------------

    def starts(self, job_id: str) -> set[tuple[bool, bool]]:
        """(starts, a job before it failed) for each way its needs and `if:` can go."""
        found: set[tuple[bool, bool]] = set()
        job = self.workflow.jobs[job_id]
        parents = self.starts(job.parent) if job.parent is not None else {(True, False)}
        needed = [{(o.result, o.chain_failed) for o in self.outcomes(n)} for n in self.workflow.needs(job_id)]
        for parent_starts, parent_failed in parents:
            if not parent_starts:
                found.add((False, parent_failed))
                continue
            for combination in itertools.product(*needed) if needed else [()]:
                success = all(result == "success" for result, _ in combination)
                failed = parent_failed or any(chain for _, chain in combination)
                decision = truthy(
                    condition(job.data.get("if", "success()"), self.job_evaluator(job_id, Status(success, failed)))
                )
                if decision is not True:
                    found.add((False, failed))
                if decision is not False:
                    found.add((True, failed))
        return found

    def outcomes(self, job_id: str) -> set[JobOutcome]:
        if job_id in self._outcomes:
            return self._outcomes[job_id]
        self._outcomes[job_id] = {JobOutcome("failure", None, True)}  # a cycle in needs: GitHub refuses it
        if job_id not in self.workflow.jobs or job_id in self.blocked:
            return self._outcomes[job_id]
        job = self.workflow.jobs[job_id]
        found: set[JobOutcome] = set()
        for started, failed in self.starts(job_id):
            if not started:
                found.add(JobOutcome("skipped", None, failed))
            elif job.calls:
                found |= self.called(job_id, failed)
            else:
                found |= self.run_job(job_id, failed)
        ignored = truthy(resolve(job.data.get("continue-on-error", False), self.job_evaluator(job_id, Status())))
        if ignored is not False:  # the job's failure does not fail the jobs after it
            forgiven = {JobOutcome("success", o.deployed_at, False) for o in found if o.result == "failure"}
            found = forgiven | ({o for o in found if o.result != "failure"} if ignored else found)
        self._outcomes[job_id] = found
        return found

    def called(self, job_id: str, chain_failed: bool) -> set[JobOutcome]:
        """A job calling a reusable workflow fails when one of that workflow's jobs fails."""
        children = [{(o.result, o.chain_failed) for o in self.outcomes(c)} for c in self.workflow.children(job_id)]
        found = set()
        for combination in itertools.product(*children) if children else [()]:
            failed = any(result == "failure" for result, _ in combination)
            found.add(JobOutcome("failure" if failed else "success", None, chain_failed or failed))
        return found

    def job_evaluator(self, job_id: str, status: Status) -> Evaluator:
        contexts = self.contexts(job_id, None)  # jobs.<id>.if has no env context
        return Evaluator(contexts, status)

    def run_job(self, job_id: str, chain_failed: bool) -> set[JobOutcome]:
        if job_id in self.workflow.unread:
            return {JobOutcome("success", -1, chain_failed), JobOutcome("failure", -1, True)}
        paths: set[tuple[bool, int | None]] = {(False, None)}
        for step in self.workflow.steps(job_id):
            following: set[tuple[bool, int | None]] = set()
            for failed, deployed_at in paths:
                status = Status(success=not failed, failure=failed)
                runs = truthy(condition(step.data.get("if", "success()"), self.evaluator(job_id, None, status)))
                if runs is not True:
                    following.add((failed, deployed_at))
                if runs is False:
                    continue
                ignore = truthy(resolve(step.data.get("continue-on-error", False), self.evaluator(job_id, step)))
                for ending in self.step_endings(step):
                    at = deployed_at if deployed_at is not None or not ending.deployed else step.index
                    if ending.status == 0:
                        following.add((failed, at))
                        continue
                    if ignore is not False:
                        following.add((failed, at))
                    if ignore is not True:
                        following.add((True, at))
            paths = following
        return {
            JobOutcome("failure" if failed else "success", deployed_at, chain_failed or failed)
            for failed, deployed_at in paths
        }

    def first_deploy(self, job_id: str) -> int | None:
        """The earliest deploying step of the job that can run in this run (None: none can)."""
        reached = [o.deployed_at for o in self.outcomes(job_id) if o.deployed_at is not None]
        return min(reached) if reached else None
