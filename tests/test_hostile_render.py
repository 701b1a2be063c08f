"""Property: whatever the spec model accepts renders to workflows and HCL that parse and mean the spec.

Hypothesis writes the strict fields (ids, regions, names, patterns, versions, the confirmation word)
as valid values, YAML's own traps (`yes`, `null`, `1.10`, an env called `on`) and valid values with a
hostile character slipped in (quotes, `$`, braces, newlines, Unicode digits). A refused spec must be
refused in `file: field:` lines; an accepted one must render workflows whose `run:` steps are exactly
the shipped spec's (spec values reach the shell through `env:` only) and YAML and HCL values that
read back as the spec's own.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import hcl2
import yaml
from cookiecutter.main import cookiecutter
from hcl2 import SerializationOptions
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from conformance.generate.answers import infrastructure_template_json, lambda_render_json
from conformance.generate.shared_files import render_shared_files
from conformance.paths import DEFAULT_PLATFORM, INFRASTRUCTURE_TEMPLATE, LAMBDA_TEMPLATE
from conformance.platform import Platform, PlatformError, parse_platform
from conformance.platform import names as rules
from conformance.platform.context import infrastructure_answers, lambda_answers

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
# Hypothesis's "explain" phase re-runs a failure hundreds of times; the failing example is enough.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
RAW = yaml.safe_load(DEFAULT_PLATFORM.read_text(encoding="utf-8"))
YAML_TRAPS = ["yes", "no", "on", "off", "y", "n", "null", "true", "false", "1.10", "0x1f", "1e3", "0o17", "2020-01-01"]
HOSTILE = [
    '"',
    "'",
    "\n",
    "\r",
    "\t",
    " ",
    "$",
    "${",
    "%{",
    "{",
    "}",
    "\\",
    "`",
    ";",
    "|",
    "&",
    "#",
    ": ",
    "\uff10",
    "\u0663",
]


def regex(pattern: Any, max_size: int = 30) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True).filter(lambda s: len(s) <= max_size)


def spoiled(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid value, or one with a hostile character slipped in somewhere."""

    def insert(parts: tuple[str, str, int]) -> str:
        value, bad, at = parts
        at %= len(value) + 1
        return value[:at] + bad + value[at:]

    return st.one_of(valid, st.tuples(valid, st.sampled_from(HOSTILE), st.integers(0, 99)).map(insert))


def around(placeholder: str, before: str, after: str | None = None) -> st.SearchStrategy[str]:
    parts = st.tuples(regex(before, 16), regex(after or before, 16))
    return parts.map(lambda p: f"{p[0]}{placeholder}{p[1]}")


def traps(pattern: Any) -> st.SearchStrategy[str]:
    """The YAML traps that are valid values of the field."""
    return st.sampled_from([trap for trap in YAML_TRAPS if pattern.fullmatch(trap)])


FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "environments.dev.account_id": spoiled(regex(r"[0-9]{12}")),
    "environments.prod.region": st.one_of(
        st.sampled_from(sorted(rules.aws_regions())), spoiled(regex(r"[a-z]{2}-[a-z]{4,9}-[0-9]"))
    ),
    "environments.sit.approval_environment": st.one_of(
        st.sampled_from(YAML_TRAPS), spoiled(regex(rules.GITHUB_ENVIRONMENT))
    ),
    "environments.prod.confirmation": st.one_of(st.sampled_from(YAML_TRAPS), spoiled(regex(rules.CONFIRMATION))),
    "project": st.one_of(st.sampled_from(YAML_TRAPS), spoiled(regex(rules.PROJECT, 12))),
    "github.organisation": st.one_of(st.sampled_from(YAML_TRAPS), spoiled(regex(rules.GITHUB_ORGANISATION))),
    "github.terraform_version": spoiled(regex(rules.TERRAFORM_VERSION)),
    "github.python_version": spoiled(st.sampled_from(["3.9", "3.10", "3.11", "3.12", "3.13"])),
    "github.repo_deploy_role": spoiled(around("{repo}-{env}", r"[A-Za-z0-9+=,.@_-]{1,6}")),
    "state.bucket": spoiled(around("{env}", r"[a-z0-9][a-z0-9-]{2,10}")),
    "state.key": spoiled(around("{repo}", r"(?:[A-Za-z0-9_-]{1,6}/){0,2}", r"(?:/[A-Za-z0-9_.-]{1,12}){0,2}")),
    "state.lock_table": spoiled(around("{env}", r"[A-Za-z0-9_.-]{1,12}")),
    "infrastructure.repo": st.one_of(st.sampled_from(YAML_TRAPS), spoiled(regex(rules.REPO_NAME))),
    "conformance.repository": spoiled(regex(rules.REPO_NAME)),
    "env-name": st.one_of(st.sampled_from(["on", "yes", "null", "true", "n"]), spoiled(regex(rules.ENV_NAME, 8))),
}


def apply(data: dict[str, Any], field: str, value: Any) -> None:
    if field == "env-name":  # rename the dev environment
        data["environments"] = {value if n == "dev" else n: env for n, env in data["environments"].items()}
        return
    *parents, last = field.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = value


overrides = st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=4, unique=True).flatmap(
    lambda fields: st.fixed_dictionaries({field: FIELDS[field] for field in fields})
)


def accepted_or_refused(changes: dict[str, Any]) -> Platform | None:
    data = copy.deepcopy(RAW)
    for field, value in sorted(changes.items(), key=lambda item: item[0] == "env-name"):  # rename dev last
        apply(data, field, value)
    try:
        platform = parse_platform(data, "platform.yaml")
    except PlatformError as error:
        lines = str(error).splitlines()
        assert lines and all(line.startswith("platform.yaml: ") and "expected" in line for line in lines), lines
        event("refused")
        return None
    event("accepted")
    return platform


def lambda_context(platform: Platform) -> dict[str, Any]:
    function = platform.lambdas.functions[0]
    return {**lambda_answers(platform, function), "__repo_name": platform.lambda_repo(function)}


def run_lines(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def render_shared(context: dict[str, Any]) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        return {
            str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in render_shared_files(context, Path(folder))
        }


def baseline_runs() -> dict[tuple[str, bool], list[str]]:
    """The shipped spec's run: steps by (repo kind, has a confirmation): every spec must give the same."""
    platform = parse_platform(RAW)
    found = {}
    for kind, context in (("infrastructure", infrastructure_answers(platform)), ("lambda", lambda_context(platform))):
        files = render_shared(context)
        for env, settings_ in platform.environments.items():
            workflow = yaml.safe_load(files[f".github/workflows/deploy-{env}.yml"])
            found[(kind, settings_.confirmation is not None)] = run_lines(workflow)
    return found


BASELINE = baseline_runs()


def check_workflow(text: str, platform: Platform, env: str, kind: str, repo: str) -> None:
    workflow = yaml.safe_load(text)
    spec = platform.environments[env]
    (job,) = workflow["jobs"].values()
    assert run_lines(workflow) == BASELINE[(kind, spec.confirmation is not None)]
    assert job["env"]["DEPLOY_ENV"] == env
    assert job.get("environment") == (spec.approval_environment or env)
    steps = {step.get("name"): step for step in job["steps"]}
    assert steps["Configure AWS credentials (OIDC)"]["with"]["aws-region"] == spec.region
    assert steps["Configure AWS credentials (OIDC)"]["with"]["role-to-assume"] == platform.repo_deploy_role_arn(
        repo, env
    )
    assert steps["Set up Terraform"]["with"]["terraform_version"] == platform.github.terraform_version
    if spec.confirmation:
        assert steps["Check the typed confirmation"]["env"]["EXPECTED"] == spec.confirmation
        assert workflow[True]["workflow_dispatch"]["inputs"]["confirm"]["required"] is True  # YAML's `on` is True


def check_hcl(files: dict[str, str], platform: Platform, repo: str) -> None:
    for path, text in files.items():
        if path.endswith((".tf", ".tfvars", ".hcl")):
            hcl2.loads(text, serialization_options=PLAIN)  # parses, or the test fails with the file's error
    for env, spec in platform.environments.items():
        tfvars = hcl2.loads(files[f"terraform/environments/{env}.tfvars"], serialization_options=PLAIN)
        assert (tfvars["environment"], tfvars["aws_region"], tfvars["aws_account_id"]) == (
            env,
            spec.region,
            spec.account_id,
        )
        backend = hcl2.loads(files[f"terraform/environments/{env}.backend.hcl"], serialization_options=PLAIN)
        assert (backend["bucket"], backend["dynamodb_table"]) == (platform.state_bucket(env), platform.lock_table(env))
    main = hcl2.loads(files["terraform/main.tf"], serialization_options=PLAIN)
    tags = main["provider"][0]["aws"]["default_tags"][0]["tags"]
    assert (tags["Project"], tags["Repository"]) == (platform.project, repo)
    backend_block = hcl2.loads(files["terraform/backend.tf"], serialization_options=PLAIN)["terraform"][0]["backend"][
        0
    ]["s3"]
    assert backend_block["key"] == platform.state_key(repo)


@settings(max_examples=120, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
@given(changes=overrides)
def test_what_the_model_accepts_renders_shared_files_that_parse_and_mean_the_spec(changes: dict[str, Any]) -> None:
    platform = accepted_or_refused(changes)
    if platform is None:
        return
    contexts = (
        ("infrastructure", infrastructure_answers(platform), platform.infrastructure.repo),
        ("lambda", lambda_context(platform), platform.lambda_repo(platform.lambdas.functions[0])),
    )
    for kind, context, repo in contexts:
        files = render_shared(context)
        for env in platform.environments:
            check_workflow(files[f".github/workflows/deploy-{env}.yml"], platform, env, kind, repo)
        check_hcl(files, platform, repo)


def render_template(template: Path, answers: dict[str, Any], folder: Path) -> Path:
    """The template rendered by cookiecutter itself (hooks off: no git), plus the shared files."""
    instance = folder / "template" / template.name
    shutil.copytree(template, instance)
    (instance / "cookiecutter.json").write_text(json.dumps(answers), encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text(f"replay_dir: {json.dumps(str(folder / 'replay'))}\n", encoding="utf-8")
    project = Path(
        cookiecutter(
            str(instance), no_input=True, accept_hooks=False, output_dir=str(folder / "out"), config_file=str(config)
        )
    )
    context = json.loads(json.dumps(answers))
    context["__repo_name"] = project.name
    render_shared_files(context, project)
    return project


VALID = {
    "project": st.one_of(traps(rules.PROJECT), regex(rules.PROJECT, 12)),
    "github.organisation": st.one_of(traps(rules.GITHUB_ORGANISATION), regex(rules.GITHUB_ORGANISATION)),
    "infrastructure.repo": st.one_of(traps(rules.REPO_NAME), regex(rules.REPO_NAME)).filter(
        lambda r: not r.endswith(".git")
    ),
    "state.key": around("{repo}", r"(?:[a-z0-9_-]{1,6}/){0,2}", r"(?:/[a-z0-9_-]{1,8}){0,2}"),
    "conformance.repository": st.one_of(traps(rules.REPO_NAME), regex(rules.REPO_NAME)).filter(
        lambda r: not r.endswith(".git")
    ),
    "environments.prod.region": st.sampled_from(sorted(rules.aws_regions())),
    "environments.sit.approval_environment": st.one_of(
        traps(rules.GITHUB_ENVIRONMENT), regex(rules.GITHUB_ENVIRONMENT)
    ),
}


@settings(max_examples=5, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.fixed_dictionaries(VALID))
def test_what_the_model_accepts_renders_every_template_file_to_hcl_that_parses(changes: dict[str, Any]) -> None:
    platform = accepted_or_refused(changes)
    assert platform is not None, "these values are all valid"
    with tempfile.TemporaryDirectory() as folder:
        infra = render_template(INFRASTRUCTURE_TEMPLATE, infrastructure_template_json(platform), Path(folder) / "infra")
        function = platform.lambdas.functions[1]
        lam = render_template(LAMBDA_TEMPLATE, lambda_render_json(platform, function.name), Path(folder) / "lambda")
        assert (infra.name, lam.name) == (platform.infrastructure.repo, platform.lambda_repo(function))
        for project in (infra, lam):
            for path in sorted(project.rglob("*")):
                if path.suffix in (".tf", ".tfvars", ".hcl"):
                    hcl2.loads(path.read_text(encoding="utf-8"))
                elif path.suffix in (".yml", ".yaml"):
                    yaml.safe_load(path.read_text(encoding="utf-8"))
