"""terraform/data.tf: the Lambda repos read the infrastructure state, and the outputs exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.core import Problem, SkipCase, Stop, describe, expected
from conformance.criteria.base import Criterion, RepoScope, Requirement, reads
from conformance.criteria.hcl_checks import parse_failures, unresolved
from conformance.evidence.evaluate import Evaluator, Ref, Scope, Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.hcl import Attribute, Block
from conformance.live import state as state_live
from conformance.live.view import LiveView

DATA_SOURCE = "infrastructure"
OUTPUT_REFERENCE = re.compile(r"data\.terraform_remote_state\.(\w+)\.outputs(?:\.(\w+)|\[\"(\w+)\"\])")
COMMENT = re.compile(r"^\s*(#|//)")
PROBE = "zzprobe"
REMOTE_OUTPUTS = f"data.terraform_remote_state.{DATA_SOURCE}.outputs"


def remote_state_block(view: RepoView) -> Block:
    blocks = [b for b in view.module.data_sources("terraform_remote_state") if b.labels[1] == DATA_SOURCE]
    if not blocks:
        if view.module.failures:
            raise Stop(*parse_failures(view))
        raise Stop(
            Problem(view.where("terraform/data.tf"), expected(f'data "terraform_remote_state" "{DATA_SOURCE}"', "none"))
        )
    return blocks[0]


def evaluate(view: RepoView, attribute: Attribute, **overrides: Any) -> Any:
    variables = {**view.values.variables, **overrides}
    try:
        return Evaluator(Scope(variables, view.module.locals)).attribute(attribute)
    except Unresolvable as error:
        raise Stop(unresolved(view, error)) from None


def config_entry(view: RepoView, block: Block, name: str) -> tuple[Attribute, Any]:
    """The `config` map's entry as its own attribute, so it can be evaluated with other variables."""
    config = block.body.attributes.get("config")
    if config is None:
        raise Stop(Problem(str(block.location), expected("a config = { bucket, key, region } map", "none")))
    value = view.values.value(config)
    if not isinstance(value, dict) or name not in value:
        raise Stop(Problem(str(config.location), f"config.{name}: {expected('a value', 'none')}"))
    return config, value[name]


def remote_state(view: RepoView, _: FleetEvidence) -> list[Problem]:
    block = remote_state_block(view)
    problems = []
    backend = block.body.attributes.get("backend")
    backend_value = view.values.value(backend) if backend else None
    if backend_value != "s3":
        problems.append(Problem(str(block.location), f"backend: {expected(repr('s3'), describe(backend_value))}"))
    assert view.env is not None
    spec = view.platform.environments[view.env]
    wanted = {"bucket": view.names.state_bucket, "key": view.names.state_key, "region": spec.region}
    for name, value in wanted.items():
        config, found = config_entry(view, block, name)
        if found != value:
            problems.append(Problem(str(config.location), f"config.{name}: {expected(repr(value), describe(found))}"))
    # "by variable, never a fixed env": the bucket and region must follow the variables.
    config = block.body.attributes["config"]
    probed = evaluate(view, config, environment=PROBE, aws_region=PROBE)
    if isinstance(probed, dict):
        if probed.get("bucket") == wanted["bucket"]:
            problems.append(
                Problem(str(config.location), expected("config.bucket built from var.environment", "a fixed bucket"))
            )
        if probed.get("region") == wanted["region"]:
            problems.append(Problem(str(config.location), expected("config.region = var.aws_region", "a fixed region")))
    return problems


def output_of(value: Any) -> str | None:
    if isinstance(value, Ref):
        match = OUTPUT_REFERENCE.fullmatch(value.address)
        if match and match.group(1) == DATA_SOURCE:
            return match.group(2) or match.group(3)
    return None


def remote_state_locals(view: RepoView, _: FleetEvidence) -> list[Problem]:
    remote_state_block(view)
    wanted = {name: view.platform.lambdas.remote_state_locals[name] for name in view.platform.lambdas.required_locals}
    locals_ = view.module.locals
    problems = []
    for name, output in wanted.items():
        attribute = locals_.get(name)
        if attribute is None:
            problems.append(
                Problem(
                    view.where("terraform/data.tf"), f"local.{name}: {expected(f'outputs.{output}', 'no such local')}"
                )
            )
            continue
        found = output_of(view.values.value(attribute))
        if found != output:
            problems.append(
                Problem(
                    str(attribute.location),
                    f"local.{name}: {expected(f'{REMOTE_OUTPUTS}.{output}', attribute.text)}",
                )
            )
    return problems


def output_references(evidence: FleetEvidence, repo: str) -> Iterator[tuple[str, str]]:
    """(`file:line`, output name) of every infrastructure output the repository's Terraform names."""
    for file in evidence.module(repo).files:
        text = evidence.text(repo, file.removeprefix(f"{repo}/")) or ""
        for number, line in enumerate(text.splitlines(), 1):
            if COMMENT.match(line):
                continue
            for match in OUTPUT_REFERENCE.finditer(line):
                if match.group(1) == DATA_SOURCE:
                    yield f"{file}:{number}", match.group(2) or match.group(3)


def contract(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """Every output the Lambda repo names exists in the infrastructure repo's outputs.tf.

    A per-repository run without the infrastructure repository (no `--infra-repo`) cannot tell: the
    case skips saying so (a skip is reported, never a pass); `-m live` checks the same references
    against the deployed state (CONTRACT_FROM_STATE).
    """
    repo = view.platform.infrastructure.repo
    if evidence.not_given(repo):
        raise SkipCase(
            f"not checked: the outputs of {repo} are not here (a per-repository run: give --infra-repo DIR "
            "to check against its outputs.tf, or run -m live to check against the deployed state)"
        )
    infrastructure = evidence.module(repo)
    if not evidence.exists(repo):
        raise Stop(Problem(repo, expected("the infrastructure repository", "none")))
    available = set(infrastructure.outputs)
    wanted = f"an output of {repo}/terraform/outputs.tf"
    return [
        Problem(where, expected(wanted, name))
        for where, name in output_references(evidence, view.name)
        if name not in available
    ]


def contract_from_state(view: LiveView) -> list[Problem]:
    """Every output the Lambda repo names exists in the env's deployed infrastructure state (per-repository runs)."""
    evidence = view.files
    if not isinstance(evidence, FleetEvidence):
        raise SkipCase("not checked: the repository's files are not given to this live run")
    try:
        remote_state_block(RepoView(evidence, view.repo, None, view.function))  # no data source: no contract
    except Stop as stop:
        return stop.problems
    references = list(output_references(evidence, view.repo))
    outputs = state_live.outputs(view.live)
    if isinstance(outputs, Problem):
        return [outputs]
    wanted = f"an output of the {view.env} infrastructure state ({view.names.state})"
    return [
        Problem.drift(where, wanted, repr(name), state_live.GET_OBJECT)
        for where, name in references
        if name not in outputs
    ]


D = Requirement.LAMBDA_DATA
FILES = ("terraform/data.tf", "terraform/environments/{env}.tfvars")
CRITERIA = [
    Criterion(
        id="LAMBDA-REMOTE-STATE",
        title="data.tf reads the env's infrastructure state (bucket by variable)",
        requirement=D,
        scope=RepoScope.LAMBDA,
        files=FILES,
        static=remote_state,
    ),
    Criterion(
        id="LAMBDA-REMOTE-STATE-LOCALS",
        title="The required locals come from the infrastructure outputs",
        requirement=D,
        scope=RepoScope.LAMBDA,
        files=FILES,
        static=remote_state_locals,
    ),
    Criterion(
        id="LAMBDA-OUTPUT-CONTRACT",
        title="Every output a Lambda repo names exists in the infrastructure outputs.tf",
        requirement=D,
        scope=RepoScope.LAMBDA,
        files=("terraform/*.tf", "<infrastructure>/terraform/outputs.tf"),
        static=contract,
        per_env=False,
    ),
]

# The same contract after a deploy, for a per-repository live run (`--repo DIR -m live`): the outputs a
# Lambda repo names against the env's deployed state, read through the guarded session (the state
# object, a read INF-STATE-OUTPUTS declares already, so the guard's allow-list is the same). Planned
# only for a per-repository run; a fleet run checks the contract against the infrastructure checkout.
CONTRACT_FROM_STATE = Criterion(
    id="LAMBDA-OUTPUT-CONTRACT",
    title="Every output a Lambda repo names exists in the infrastructure outputs (the deployed state)",
    requirement=D,
    scope=RepoScope.LAMBDA,
    files=("terraform/*.tf", "<AWS>/infrastructure state"),
    live=contract_from_state,
    live_reads=reads(str(state_live.STATE_READ)),
)
