"""The platform model: what `infra/platform.yaml` may say, validated once, and the names it gives.

Every generator and every conformance check reads names, regions, accounts and numbers from
here, so a rule written in a validator below is the one rule the whole project applies.
`Platform.names(env)` is the one place a per-env resource name is derived (templates aside,
which render the same pattern). Over 400 lines as one idea: the spec's schema.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from conformance.platform import names
from conformance.platform.names import (
    ACCOUNT_ID,
    ATTRIBUTE_NAME,
    ENV_NAME,
    HTTP_PATH,
    INDEX_NAME,
    REPO_NAME,
    SNAKE_CASE,
    THING,
)

# Fields are strict about their type: YAML's `yes` is never an int, `1` never a bool.
StrictInt = Annotated[int, Field(strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]


class Strict(BaseModel):
    """Base: unknown keys are errors, so a typo in the spec never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecProblems(ValueError):
    """Problems found across fields, each reported under the field it belongs to: (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
        self.problems = problems


def check_account_id(value: str) -> str:
    if not ACCOUNT_ID.fullmatch(value):
        raise ValueError(f"expected a 12-digit AWS account id, found {value!r}")
    return value


def account_id_input(value: object) -> str:
    """An account id as YAML gives it: only a string keeps its leading zeros, so only a string is taken."""
    if isinstance(value, str):
        return check_account_id(value)
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f"expected a 12-digit AWS account id as a quoted string (YAML reads unquoted digits as a number "
            f"and drops leading zeros), found {value}"
        )
    raise ValueError(f"expected a 12-digit AWS account id as a string, found {value!r}")


def check_region(value: str) -> str:
    if value not in names.aws_regions():
        raise ValueError(f"expected an AWS region like eu-west-1, found {value!r}")
    return value


def check_lambda_name(value: str) -> str:
    if not SNAKE_CASE.fullmatch(value):
        raise ValueError(f"expected a snake_case Lambda name like get_product, found {value!r}")
    if len(value) > names.MAX_LAMBDA_NAME:
        raise ValueError(f"expected a Lambda name of at most {names.MAX_LAMBDA_NAME} characters, found {value!r}")
    return value


def check_thing(value: str) -> str:
    if not THING.fullmatch(value):
        raise ValueError(f"expected a lower-case dashed name part like product-change, found {value!r}")
    if len(value) > names.MAX_THING:
        raise ValueError(f"expected a name part of at most {names.MAX_THING} characters, found {value!r}")
    return value


def check_http_path(value: str) -> str:
    if not HTTP_PATH.fullmatch(value) or len(value) > 512:
        raise ValueError(f"expected an API path like /products/{{id}}, found {value!r}")
    return value


def check_repo_name(value: str) -> str:
    if not REPO_NAME.fullmatch(value) or value.endswith(".git"):
        raise ValueError(
            f"expected a repository name like 2_1_bbws_get_product (letters, digits, '_', '-', '.'; "
            f"not starting with '.' or '-'), found {value!r}"
        )
    return value


def check_pattern(value: str, spec: names.Pattern) -> str:
    """A name pattern holds only its documented placeholders, each literal part in the allowed characters.

    `{x}`, `{0}`, `{}`, `{env!r}`, `{env:>9}`, `{{` and an unbalanced brace are all refused here, so
    `str.format` on the pattern later can never raise.
    """
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError:
        raise ValueError(f"expected a pattern with balanced braces, found {value!r}") from None
    used = set()
    for literal, field, format_spec, conversion in parts:
        if literal and not spec.literal.fullmatch(literal):
            raise ValueError(f"expected only {spec.literal_text} around the placeholders, found {value!r}")
        if field is None:
            continue
        if field not in spec.placeholders or format_spec or conversion:
            suffix = (f"!{conversion}" if conversion else "") + (f":{format_spec}" if format_spec else "")
            shown = f"{{{field}{suffix}}}"
            allowed = ", ".join("{" + p + "}" for p in spec.placeholders)
            raise ValueError(f"expected only the placeholders {allowed}, found {shown!r} in {value!r}")
        used.add(field)
    missing = [p for p in spec.required if p not in used]
    if missing:
        holding = " and ".join("{" + p + "}" for p in missing)
        raise ValueError(f"expected a pattern holding {holding}, found {value!r}")
    return value


LAMBDA_ROLE_THING = "{dashed}-role"
# The KMS key of every Lambda log group, owned by the infrastructure repository.
LAMBDA_LOGS_KEY_THING = "lambda-logs"
# The actions the generated deploy workflows use (cookiecutters/_shared): the spec must pin each.
WORKFLOW_ACTIONS = ("checkout", "setup_python", "setup_terraform", "configure_aws_credentials")
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653)

AccountId = Annotated[str, Field(description="12-digit AWS account id")]
Thing = Annotated[str, Field(description="the resource's own part of its name")]


def matching(pattern: re.Pattern[str], description: str, limit: int = 255) -> Callable[[str], str]:
    """A validator: the whole value matches `pattern` (and is at most `limit` long), or one line saying so."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value) or len(value) > limit:
            raise ValueError(f"expected {description}, found {value!r}")
        return value

    return check


def optional(check: Callable[[str], str]) -> Callable[[str | None], str | None]:
    return lambda value: None if value is None else check(value)


class Environment(Strict):
    name: str = ""
    region: str
    account_id: str
    log_retention_days: StrictInt
    approval_environment: str | None = None
    confirmation: str | None = None

    _region = field_validator("region")(check_region)
    _account = field_validator("account_id", mode="before")(account_id_input)
    _approval = field_validator("approval_environment")(
        optional(matching(names.GITHUB_ENVIRONMENT, "a GitHub environment name like sit"))
    )
    _confirmation = field_validator("confirmation")(
        optional(matching(names.CONFIRMATION, "a confirmation word like deploy-prod (letters, digits, '_.-')"))
    )

    @field_validator("log_retention_days")
    @classmethod
    def _cloudwatch_retention(cls, value: int) -> int:
        if value not in CLOUDWATCH_RETENTION_DAYS:
            raise ValueError(f"expected a CloudWatch retention in days {CLOUDWATCH_RETENTION_DAYS}, found {value}")
        return value


class State(Strict):
    bucket: str
    key: str
    lock_table: str

    _bucket = field_validator("bucket")(lambda v: check_pattern(v, names.STATE_BUCKET))
    _key = field_validator("key")(lambda v: check_pattern(v, names.STATE_KEY))
    _lock_table = field_validator("lock_table")(lambda v: check_pattern(v, names.LOCK_TABLE))


class GitHub(Strict):
    organisation: str
    terraform_version: str
    python_version: str
    actions: dict[str, str]
    repo_deploy_role: str

    _organisation = field_validator("organisation")(
        matching(names.GITHUB_ORGANISATION, "a GitHub organisation name (letters, digits, single '-')")
    )
    _terraform = field_validator("terraform_version")(
        matching(names.TERRAFORM_VERSION, "a Terraform version like 1.11.4")
    )
    _python = field_validator("python_version")(matching(names.PYTHON_VERSION, "a Python version like 3.12"))

    @field_validator("actions")
    @classmethod
    def _pinned(cls, actions: dict[str, str]) -> dict[str, str]:
        for key, value in actions.items():
            if not SNAKE_CASE.fullmatch(key):
                raise ValueError(f"expected snake_case action keys like setup_python, found {key!r}")
            if not names.PINNED_ACTION.fullmatch(value):
                raise ValueError(f"actions.{key}: expected owner/name@<40-hex sha> # vX.Y.Z, found {value!r}")
        missing = [key for key in WORKFLOW_ACTIONS if key not in actions]
        if missing:
            raise ValueError(
                f"expected the actions the deploy workflows use ({', '.join(WORKFLOW_ACTIONS)}), found no {missing[0]}"
            )
        return actions

    _repo_deploy_role = field_validator("repo_deploy_role")(lambda v: check_pattern(v, names.REPO_DEPLOY_ROLE))


class Conformance(Strict):
    """Where the scheduled drift check runs, and the read-only role it assumes in each env.

    GitHub's OIDC subject names the repository `repo:<org>/<repo>:environment:<env>`; repositories
    created (or renamed) after 2026-06-18, or opted in, present their immutable IDs instead, in the
    form `immutable_subject` spells. The role trusts both, for the env's GitHub environment only.
    """

    repository: str
    organisation_id: StrictInt = Field(gt=0)
    repository_id: StrictInt = Field(gt=0)
    immutable_subject: str = "{organisation}@{organisation_id}/{repository}@{repository_id}"
    readonly_role: str
    # The kit the generated deploy workflows install (the repository above): pinned, never a branch.
    kit_ref: str

    _thing = field_validator("readonly_role")(check_thing)
    _repository = field_validator("repository")(check_repo_name)
    _subject = field_validator("immutable_subject")(lambda v: check_pattern(v, names.OIDC_SUBJECT))
    _kit_ref = field_validator("kit_ref")(
        matching(names.KIT_REF, "a full 40-hex commit SHA or a version tag like v1.2.3 (never a branch)")
    )


class KeyAttribute(Strict):
    name: str
    type: str = "S"

    _name = field_validator("name")(matching(ATTRIBUTE_NAME, "a DynamoDB attribute name like GSI1_PK"))

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in ("S", "N", "B"):
            raise ValueError(f"expected one of S, N, B, found {value!r}")
        return value


class SecondaryIndex(Strict):
    name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None

    _name = field_validator("name")(matching(INDEX_NAME, "a DynamoDB index name (3-255 of letters, digits, '_.-')"))


class BillingMode(StrEnum):
    PAY_PER_REQUEST = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


class Table(Strict):
    thing: str
    billing_mode: BillingMode
    point_in_time_recovery: StrictBool
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    global_secondary_indexes: tuple[SecondaryIndex, ...] = ()

    _thing = field_validator("thing")(check_thing)

    @model_validator(mode="after")
    def _consistent(self) -> Table:
        indexes = [gsi.name for gsi in self.global_secondary_indexes]
        duplicated = sorted({n for n in indexes if indexes.count(n) > 1})
        if duplicated:
            raise ValueError(f"expected unique index names, found {duplicated[0]!r} twice")
        found: dict[str, str] = {}
        for key in self._keys():
            first = found.setdefault(key.name, key.type)
            if first != key.type:
                raise ValueError(
                    f"expected one type per key attribute, found {key.name!r} declared as {first} and as {key.type}"
                )
        if self.range_key is not None and self.range_key.name == self.hash_key.name:
            raise ValueError(f"expected a range key other than the hash key, found {self.hash_key.name!r} twice")
        return self

    def _keys(self) -> list[KeyAttribute]:
        keys = [self.hash_key, self.range_key]
        for gsi in self.global_secondary_indexes:
            keys += [gsi.hash_key, gsi.range_key]
        return [key for key in keys if key is not None]

    @property
    def attributes(self) -> dict[str, str]:
        """Every key attribute of the table and its indexes, name -> type, in first-use order."""
        found: dict[str, str] = {}
        for key in self._keys():
            found.setdefault(key.name, key.type)
        return found


class DeadLetterQueue(Strict):
    thing: str
    max_receive_count: StrictInt = Field(ge=1, le=1000)
    message_retention_seconds: StrictInt = Field(ge=60, le=1209600)

    _thing = field_validator("thing")(check_thing)


class Queue(Strict):
    thing: str
    message_retention_seconds: StrictInt = Field(ge=60, le=1209600)
    visibility_timeout_seconds: StrictInt = Field(ge=0, le=43200)
    dead_letter: DeadLetterQueue

    _thing = field_validator("thing")(check_thing)


class AuditBucket(Strict):
    thing: str
    glacier_after_days: StrictInt = Field(ge=1, le=36500)
    abort_incomplete_uploads_after_days: StrictInt = Field(ge=1, le=36500)

    _thing = field_validator("thing")(check_thing)


class Named(Strict):
    thing: str

    _thing = field_validator("thing")(check_thing)


class Alarm(Strict):
    thing: str
    threshold: StrictInt = Field(ge=1)
    period_seconds: StrictInt = Field(ge=60, le=86400)

    _thing = field_validator("thing")(check_thing)

    @field_validator("period_seconds")
    @classmethod
    def _whole_minutes(cls, value: int) -> int:
        if value % 60:  # CloudWatch takes 10, 30 or a multiple of 60; under 60 is refused above
            raise ValueError(f"expected a multiple of 60 seconds (CloudWatch refuses others), found {value}")
        return value


class ApiStage(Strict):
    """The REST API's stage (named after the env): its throttling and where its access logs go."""

    throttling_burst_limit: int = Field(ge=0, le=5000)
    throttling_rate_limit: float = Field(ge=0, le=10000)
    access_log_thing: str

    _thing = field_validator("access_log_thing")(check_thing)


class Bootstrap(Strict):
    """What a fresh env account needs before the first deploy: bootstrap/ of the infrastructure repo."""

    state_key: str
    apigateway_logs_role: str

    _thing = field_validator("apigateway_logs_role")(check_thing)

    _state_key = field_validator("state_key")(lambda v: check_pattern(v, names.STATE_KEY))


OUTPUT_SOURCES = {
    "rest_api": ("id", "execution_arn", "root_resource_id"),
    "table": ("name", "arn"),
    "queue": ("url", "arn"),
    "dead_letter": ("url", "arn"),
    "audit_bucket": ("bucket", "arn"),
    "alert_topic": ("arn", "name"),
}


# What the extra outputs may export, beyond OUTPUT_SOURCES: the fan-out and the stage.
EXTRA_OUTPUT_SOURCES = {
    "events_topic": ("arn", "name"),
    "audit_queue": ("url", "arn"),
    "audit_dead_letter": ("url", "arn"),
    "api_stage": ("stage_name", "invoke_url"),
}
# The spec's queues an event-driven Lambda may read: the key in `infrastructure`.
CONSUMABLE_QUEUES = ("queue", "audit_queue")


class Infrastructure(Strict):
    repo: str
    table: Table
    queue: Queue
    audit_bucket: AuditBucket
    alert_topic: Named
    rest_api: Named
    dlq_alarm: Alarm
    outputs: dict[str, str]
    events_topic: Named
    audit_queue: Queue
    api_stage: ApiStage
    bootstrap: Bootstrap
    extra_outputs: dict[str, str]

    @field_validator("extra_outputs")
    @classmethod
    def _known_extra_sources(cls, outputs: dict[str, str]) -> dict[str, str]:
        sources = {**OUTPUT_SOURCES, **EXTRA_OUTPUT_SOURCES}
        for name, source in outputs.items():
            if not SNAKE_CASE.match(name):
                raise ValueError(f"expected a snake_case output name, found {name!r}")
            resource, _, attribute = source.partition(".")
            if attribute not in sources.get(resource, ()):
                known = ", ".join(f"{r}.{a}" for r, attrs in sources.items() for a in attrs)
                raise ValueError(f"output {name}: expected one of {known}, found {source!r}")
        return outputs

    @model_validator(mode="after")
    def _extra_outputs_are_extra(self) -> Infrastructure:
        twice = sorted(set(self.outputs) & set(self.extra_outputs))
        if twice:
            raise ValueError(f"extra_outputs: expected names not among outputs, found {twice[0]!r}")
        return self

    def queue_spec(self, key: str) -> Queue:
        """The queue an event-driven Lambda reads, by its key (`queue`, `audit_queue`)."""
        return {"queue": self.queue, "audit_queue": self.audit_queue}[key]

    _repo = field_validator("repo")(check_repo_name)

    @field_validator("outputs")
    @classmethod
    def _known_sources(cls, outputs: dict[str, str]) -> dict[str, str]:
        for name, source in outputs.items():
            if not SNAKE_CASE.fullmatch(name):
                raise ValueError(f"expected a snake_case output name, found {name!r}")
            resource, _, attribute = source.partition(".")
            if attribute not in OUTPUT_SOURCES.get(resource, ()):
                known = ", ".join(f"{r}.{a}" for r, attrs in OUTPUT_SOURCES.items() for a in attrs)
                raise ValueError(f"output {name}: expected one of {known}, found {source!r}")
        return outputs


class Kind(StrEnum):
    API = "api"
    SQS = "sqs"


class Operation(StrEnum):
    LIST = "list"
    GET = "get"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PERSIST = "persist"
    AUDIT = "audit"


API_OPERATIONS = {Operation.LIST, Operation.GET, Operation.CREATE, Operation.UPDATE, Operation.DELETE}
WRITES_CHANGES = {Operation.CREATE, Operation.UPDATE, Operation.DELETE}
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# How API Gateway authorises a method: anonymous, or SigV4-signed by an IAM principal.
AUTHORIZATIONS = ("NONE", "AWS_IAM")


class LambdaFunction(Strict):
    """One Lambda repository: what it is called, how it is triggered, what it touches."""

    name: str
    kind: Kind
    operation: Operation
    dynamodb: StrictBool
    http_method: str | None = None
    path: str | None = None
    # api: how the REST API authorises the method (default: `lambdas.authorization` by method).
    authorization: str | None = None
    # sqs: the queue it reads, a key of `infrastructure` (default: `queue`, the change queue).
    queue: str | None = None

    _name = field_validator("name")(check_lambda_name)

    @field_validator("authorization")
    @classmethod
    def _authorization(cls, value: str | None) -> str | None:
        if value is not None and value not in AUTHORIZATIONS:
            raise ValueError(f"expected one of {', '.join(AUTHORIZATIONS)}, found {value!r}")
        return value

    @field_validator("queue")
    @classmethod
    def _queue(cls, value: str | None) -> str | None:
        if value is not None and value not in CONSUMABLE_QUEUES:
            raise ValueError(f"expected one of {', '.join(CONSUMABLE_QUEUES)}, found {value!r}")
        return value

    @model_validator(mode="after")
    def _settings_fit_kind(self) -> LambdaFunction:
        if self.kind is Kind.API and self.queue is not None:
            raise ValueError(f"{self.name}: an api Lambda reads no queue")
        if self.kind is Kind.SQS and self.authorization is not None:
            raise ValueError(f"{self.name}: an sqs Lambda has no API method to authorise")
        if self.authorization == "NONE" and self.http_method in WRITE_METHODS:
            raise ValueError(f"{self.name}: a {self.http_method} method must not be anonymous, found NONE")
        return self

    @field_validator("http_method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        if value is not None and value not in HTTP_METHODS:
            raise ValueError(f"expected one of {', '.join(HTTP_METHODS)}, found {value!r}")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return None if value is None else check_http_path(value)

    @model_validator(mode="after")
    def _trigger_fits_kind(self) -> LambdaFunction:
        if self.kind is Kind.API:
            if not (self.http_method and self.path):
                raise ValueError(f"{self.name}: an api Lambda needs http_method and path")
            if self.operation not in API_OPERATIONS:
                raise ValueError(f"{self.name}: expected an api operation, found {self.operation.value!r}")
        else:
            if self.http_method or self.path:
                raise ValueError(f"{self.name}: an sqs Lambda takes no http_method or path")
            if self.operation in API_OPERATIONS:
                raise ValueError(
                    f"{self.name}: expected persist or audit for an sqs Lambda, found {self.operation.value!r}"
                )
        if self.operation is not Operation.AUDIT and not self.dynamodb:
            raise ValueError(f"{self.name}: operation {self.operation.value!r} needs dynamodb: true")
        return self

    @property
    def dashed(self) -> str:
        return self.name.replace("_", "-")

    @property
    def role_thing(self) -> str:
        return LAMBDA_ROLE_THING.format(dashed=self.dashed)

    @property
    def publishes_changes(self) -> bool:
        return self.operation in WRITES_CHANGES

    @property
    def consumed_queue(self) -> str | None:
        """The key of the queue an event-driven Lambda reads; None for an api Lambda."""
        return (self.queue or "queue") if self.kind is Kind.SQS else None


def _path_conflict(functions: tuple[LambdaFunction, ...]) -> str | None:
    """Two API routes API Gateway would refuse: the same method and path, or two parameters side by side."""
    routes: set[tuple[str, str]] = set()
    parameters: dict[str, str] = {}
    for function in functions:
        if function.path is None or function.http_method is None:
            continue
        route = (function.http_method, function.path)
        if route in routes:
            return f"expected one Lambda per API method and path, found {function.http_method} {function.path} twice"
        routes.add(route)
        parts = function.path.split("/")[1:]
        for depth, part in enumerate(parts):
            if part.startswith("{"):
                parent = "/" + "/".join(parts[:depth])
                first = parameters.setdefault(parent, part)
                if first != part:
                    return f"expected one path parameter under {parent}, found {first} and {part}"
    return None


class Lambdas(Strict):
    repo: str
    runtime: str
    memory_mb: StrictInt = Field(ge=128, le=10240)
    timeout_seconds: StrictInt = Field(ge=1, le=900)
    batch_size: StrictInt = Field(ge=1)
    required_locals: tuple[str, ...]
    remote_state_locals: dict[str, str]
    functions: tuple[LambdaFunction, ...]
    extra_remote_state_locals: dict[str, str]
    authorization: dict[str, str]

    @field_validator("authorization")
    @classmethod
    def _authorization_by_method(cls, value: dict[str, str]) -> dict[str, str]:
        for method, authorization in value.items():
            if method not in HTTP_METHODS:
                raise ValueError(f"expected HTTP methods {', '.join(HTTP_METHODS)} as keys, found {method!r}")
            if authorization not in AUTHORIZATIONS:
                raise ValueError(f"{method}: expected one of {', '.join(AUTHORIZATIONS)}, found {authorization!r}")
            if method in WRITE_METHODS and authorization == "NONE":
                raise ValueError(f"{method}: a write method must not be anonymous, found NONE")
        return value

    _repo = field_validator("repo")(lambda v: check_pattern(v, names.LAMBDA_REPO))
    _runtime = field_validator("runtime")(matching(names.LAMBDA_RUNTIME, "a Python Lambda runtime like python3.12"))

    @field_validator("batch_size")
    @classmethod
    def _batch_without_window(cls, value: int) -> int:
        if value > 10:  # more only with a batching window, which the spec does not set
            raise ValueError(f"expected at most 10 (an SQS event source without a batching window), found {value}")
        return value

    @field_validator("functions")
    @classmethod
    def _some(cls, value: tuple[LambdaFunction, ...]) -> tuple[LambdaFunction, ...]:
        if not value:
            raise ValueError("expected at least one Lambda, found none")
        return value

    @field_validator("required_locals")
    @classmethod
    def _local_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not SNAKE_CASE.fullmatch(name):
                raise ValueError(f"expected snake_case local names, found {name!r}")
        return value

    @field_validator("remote_state_locals")
    @classmethod
    def _remote_locals(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not SNAKE_CASE.fullmatch(name):
                raise ValueError(f"expected snake_case local names, found {name!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Lambdas:
        for name in self.required_locals:
            if name not in self.remote_state_locals:
                raise ValueError(f"required_locals: expected a key of remote_state_locals, found {name!r}")
        if conflict := _path_conflict(self.functions):
            raise SpecProblems([("functions", conflict)])
        for function in self.functions:
            repo = self.repo.format(name=function.name)
            try:
                check_repo_name(repo)
            except ValueError as error:
                raise SpecProblems([("repo", f"for {function.name}: {error}")]) from None
        return self


# The rule each resource name must satisfy once `naming` is applied, by the resource's kind.
NAME_LIMITS = {"function": 64, "role": 64, "queue": 80, "topic": 256, "key_alias": 250, "other": 255}


class Platform(Strict):
    project: str
    naming: str
    environments: dict[str, Environment]
    state: State
    github: GitHub
    conformance: Conformance
    infrastructure: Infrastructure
    lambdas: Lambdas

    _project = field_validator("project")(
        matching(names.PROJECT, "a lower-case dashed project name like bbws (at most 32 characters)", 32)
    )
    _naming = field_validator("naming")(lambda v: check_pattern(v, names.NAMING))

    @field_validator("environments", mode="before")
    @classmethod
    def _name_environments(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        named = {}
        for name, env in value.items():
            if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
                raise ValueError(
                    f"expected a lower-case environment name like dev (at most 16 characters), found {name!r}"
                )
            if isinstance(env, dict):
                if env.get("name", name) != name:
                    raise ValueError(f"{name}.name: expected {name!r} (the key) or nothing, found {env['name']!r}")
                env = {**env, "name": name}
            named[name] = env
        return named

    @model_validator(mode="after")
    def _consistent(self) -> Platform:
        if not self.environments:
            raise SpecProblems([("environments", "expected at least one environment, found none")])
        repos = self.repo_names
        folded = [r.lower() for r in repos]
        duplicated = sorted({r for r in repos if folded.count(r.lower()) > 1})
        if duplicated:
            raise ValueError(f"expected unique repository names, found {duplicated[0]!r} twice")
        things = self.things
        duplicated = sorted({t for t in things if things.count(t) > 1})
        if duplicated:
            raise ValueError(f"expected unique resource names, found {duplicated[0]!r} twice")
        for local, output in self.lambdas.remote_state_locals.items():
            if output not in self.infrastructure.outputs:
                raise ValueError(
                    f"lambdas.remote_state_locals.{local}: expected an infrastructure output, found {output!r}"
                )
        problems = self._rendered_name_problems()
        if problems:
            raise SpecProblems(problems)
        return self

    def _rendered_name_problems(self) -> list[tuple[str, str]]:
        """Every name a pattern renders to, judged by the AWS rules of what it names: one problem per field."""
        problems: dict[str, str] = {}

        def judge(field: str, name: str, what: str, problem: str | None) -> None:
            if problem and field not in problems:
                problems[field] = f"expected {what} ({problem}), found {name!r}"

        for env in self.environments:
            for thing, kind, what in self._named_things():
                name = self.name(thing, env)
                if kind == "bucket":
                    judge("naming", name, f"an S3 bucket name for {what} in {env}", names.s3_bucket_problem(name))
                elif len(name) > NAME_LIMITS[kind]:
                    judge("naming", name, f"a name for {what} in {env}", names.length_problem(NAME_LIMITS[kind]))
            bucket = self.state_bucket(env)
            judge("state.bucket", bucket, f"an S3 bucket name in {env}", names.s3_bucket_problem(bucket))
            table = self.lock_table(env)
            if not names.DYNAMODB_TABLE_NAME.fullmatch(table):
                judge("state.lock_table", table, f"a DynamoDB table name in {env}", "3 to 255 characters")
            for repo in self.repo_names:
                role = self.repo_deploy_role(repo, env)
                if not names.IAM_ROLE_NAME.fullmatch(role):
                    judge("github.repo_deploy_role", role, f"an IAM role name in {env}", names.length_problem(64))
        for repo in self.repo_names:
            key = self.state_key(repo)
            judge("state.key", key, f"an S3 key for {repo}", names.state_key_problem(key))
        return list(problems.items())

    def _named_things(self) -> list[tuple[str, str, str]]:
        """(thing, kind of resource, what it is) for every resource named through `naming`."""
        infra = self.infrastructure
        named = [
            (infra.table.thing, "other", "the table"),
            (infra.queue.thing, "queue", "the queue"),
            (infra.queue.dead_letter.thing, "queue", "the dead-letter queue"),
            (infra.audit_bucket.thing, "bucket", "the audit bucket"),
            (infra.alert_topic.thing, "topic", "the alert topic"),
            (infra.rest_api.thing, "other", "the REST API"),
            (infra.dlq_alarm.thing, "other", "the alarm"),
            (self.conformance.readonly_role, "role", "the conformance role"),
            (LAMBDA_LOGS_KEY_THING, "key_alias", "the Lambda logs key"),
            # The fan-out, the stage and the bootstrap.
            (infra.events_topic.thing, "topic", "the events topic"),
            (infra.audit_queue.thing, "queue", "the audit queue"),
            (infra.audit_queue.dead_letter.thing, "queue", "the audit dead-letter queue"),
            (infra.api_stage.access_log_thing, "other", "the stage's access log group"),
            (infra.bootstrap.apigateway_logs_role, "role", "the API Gateway logging role"),
        ]
        for function in self.lambdas.functions:
            named += [
                (function.dashed, "function", f"Lambda {function.name}"),
                (function.role_thing, "role", f"the role of {function.name}"),
            ]
        return named

    @model_validator(mode="after")
    def _deployable(self) -> Platform:
        """The fan-out, the stage and the bootstrap: outputs known, writes authorised, no competing consumers."""
        infra, lambdas = self.infrastructure, self.lambdas
        for local, output in lambdas.extra_remote_state_locals.items():
            if local in lambdas.remote_state_locals:
                raise ValueError(f"lambdas.extra_remote_state_locals.{local}: expected a new local, found it twice")
            if output not in infra.extra_outputs:
                raise ValueError(
                    f"lambdas.extra_remote_state_locals.{local}: expected an infrastructure extra output, "
                    f"found {output!r}"
                )
        readers: dict[str, str] = {}
        for function in lambdas.functions:
            unauthorised = function.kind is Kind.API and function.authorization is None
            if unauthorised and function.http_method not in lambdas.authorization:
                raise ValueError(
                    f"lambdas.authorization: expected an entry for {function.http_method} ({function.name})"
                )
            queue = function.consumed_queue
            if queue is not None:
                if queue in readers:
                    raise ValueError(
                        f"{function.name}: expected a queue of its own, found {queue!r} read by {readers[queue]} "
                        "(two consumers of one queue each miss the other's messages)"
                    )
                readers[queue] = function.name
                visibility = infra.queue_spec(queue).visibility_timeout_seconds
                if lambdas.timeout_seconds > visibility:
                    raise SpecProblems(
                        [
                            (
                                "lambdas.timeout_seconds",
                                f"expected at most the visibility timeout of {queue} ({visibility} s), which "
                                f"{function.name} reads (AWS refuses the event source mapping otherwise), "
                                f"found {lambdas.timeout_seconds}",
                            )
                        ]
                    )
        return self

    # -- derived names: the only place a name pattern is applied ---------------------------

    @property
    def repo_names(self) -> list[str]:
        return [self.infrastructure.repo] + [self.lambda_repo(f) for f in self.lambdas.functions]

    @property
    def things(self) -> list[str]:
        return [thing for thing, _, _ in self._named_things()]

    def lambda_repo(self, function: LambdaFunction) -> str:
        return self.lambdas.repo.format(name=function.name)

    def name(self, thing: str, env: str) -> str:
        return self.naming.format(thing=thing, env=env)

    def state_bucket(self, env: str) -> str:
        return self.state.bucket.format(env=env)

    def state_key(self, repo: str) -> str:
        return self.state.key.format(repo=repo)

    def lock_table(self, env: str) -> str:
        return self.state.lock_table.format(env=env)

    def conformance_role(self, env: str) -> str:
        return self.name(self.conformance.readonly_role, env)

    def conformance_role_arn(self, env: str) -> str:
        return f"arn:aws:iam::{self.environments[env].account_id}:role/{self.conformance_role(env)}"

    def conformance_subjects(self, environment: str) -> list[str]:
        """The OIDC subjects of the drift check's jobs for a GitHub environment: both formats."""
        spec = self.conformance
        fields = {
            "organisation": self.github.organisation,
            "organisation_id": spec.organisation_id,
            "repository": spec.repository,
            "repository_id": spec.repository_id,
        }
        repositories = [f"{self.github.organisation}/{spec.repository}", spec.immutable_subject.format(**fields)]
        return [f"repo:{repository}:environment:{environment}" for repository in repositories]

    def authorization(self, function: LambdaFunction) -> str | None:
        """How the REST API authorises an api Lambda's method; None for an sqs Lambda."""
        if function.http_method is None:
            return None
        return function.authorization or self.lambdas.authorization[function.http_method]

    def output_for(self, source: str) -> str:
        """The output (required or extra) that exports `source`, e.g. `audit_queue.arn`."""
        infra = self.infrastructure
        for name, exported in {**infra.outputs, **infra.extra_outputs}.items():
            if exported == source:
                return name
        raise KeyError(source)

    def github_environment(self, env: str) -> str:
        """The GitHub environment a deploy job of `env` runs in: the approval gate, else the env's name."""
        return self.environments[env].approval_environment or env

    def repo_deploy_role(self, repo: str, env: str) -> str:
        return self.github.repo_deploy_role.format(repo=repo, env=env)

    def repo_deploy_role_arn(self, repo: str, env: str) -> str:
        return f"arn:aws:iam::{self.environments[env].account_id}:role/{self.repo_deploy_role(repo, env)}"

    def deploy_subject(self, repo: str, env: str) -> str:
        """The OIDC subject of `repo`'s deploy jobs for `env`: the only one its deploy role trusts."""
        return f"repo:{self.github.organisation}/{repo}:environment:{self.github_environment(env)}"

    @property
    def bootstrap_state_key(self) -> str:
        return self.infrastructure.bootstrap.state_key.format(repo=self.infrastructure.repo)

    def function(self, name: str) -> LambdaFunction:
        for function in self.lambdas.functions:
            if function.name == name:
                return function
        raise KeyError(name)

    def names(self, env: str) -> Names:
        """Every name of one env's resources (the live checks, the sandbox, the drift scenarios use these)."""
        return Names(self, env)


# The kinds of deployed resource a live read (conformance.core.Read) or a missing resource names.
RESOURCE_KINDS = (
    "account",
    "table",
    "queue",
    "dead_letter",
    "audit_queue",
    "audit_bucket",
    "alert_topic",
    "rest_api",
    "dlq_alarm",
    "conformance_role",
    "state",
    "roles",
    "function",
)


@dataclass(frozen=True)
class Names:
    """The names of one env's resources, each derived from the spec's pattern."""

    platform: Platform
    env: str

    def _name(self, thing: str) -> str:
        return self.platform.name(thing, self.env)

    @property
    def region(self) -> str:
        return self.platform.environments[self.env].region

    @property
    def table(self) -> str:
        return self._name(self.platform.infrastructure.table.thing)

    @property
    def queue(self) -> str:
        return self._name(self.platform.infrastructure.queue.thing)

    @property
    def dead_letter(self) -> str:
        return self._name(self.platform.infrastructure.queue.dead_letter.thing)

    @property
    def audit_queue(self) -> str:
        """The audit function's own queue, subscribed to the events topic like the change queue."""
        return self._name(self.platform.infrastructure.audit_queue.thing)

    @property
    def audit_dead_letter(self) -> str:
        return self._name(self.platform.infrastructure.audit_queue.dead_letter.thing)

    @property
    def events_topic(self) -> str:
        """The topic the API Lambdas publish change events to; every consumer's queue is subscribed."""
        return self._name(self.platform.infrastructure.events_topic.thing)

    @property
    def events_topic_arn(self) -> str:
        """The events topic's ARN from the spec's names."""
        env = self.platform.environments[self.env]
        return f"arn:aws:sns:{env.region}:{env.account_id}:{self.events_topic}"

    @property
    def audit_bucket(self) -> str:
        return self._name(self.platform.infrastructure.audit_bucket.thing)

    @property
    def alert_topic(self) -> str:
        return self._name(self.platform.infrastructure.alert_topic.thing)

    @property
    def rest_api(self) -> str:
        return self._name(self.platform.infrastructure.rest_api.thing)

    @property
    def dlq_alarm(self) -> str:
        return self._name(self.platform.infrastructure.dlq_alarm.thing)

    @property
    def conformance_role(self) -> str:
        return self.platform.conformance_role(self.env)

    @property
    def state_bucket(self) -> str:
        return self.platform.state_bucket(self.env)

    @property
    def lock_table(self) -> str:
        return self.platform.lock_table(self.env)

    @property
    def state_key(self) -> str:
        """The infrastructure state's key: the one the Lambda repos' data.tf reads."""
        return self.platform.state_key(self.platform.infrastructure.repo)

    @property
    def state(self) -> str:
        return f"s3://{self.state_bucket}/{self.state_key}"

    def function(self, function: LambdaFunction) -> str:
        return self._name(function.dashed)

    def role(self, function: LambdaFunction) -> str:
        return self._name(function.role_thing)

    def of(self, kind: str, function: LambdaFunction | None = None) -> list[str]:
        """The resource names behind a resource kind (one, or every role)."""
        if kind == "account":  # the caller identity, asked once per region whatever the env
            return [f"caller-identity@{self.region}"]
        if kind == "roles":
            return [self.role(f) for f in self.platform.lambdas.functions]
        if kind == "function":
            if function is None:
                raise ValueError("a `function` read needs a Lambda case")
            return [self.function(function)]
        if kind not in RESOURCE_KINDS:
            raise ValueError(f"unknown resource kind {kind!r}; expected one of {', '.join(RESOURCE_KINDS)}")
        return [getattr(self, kind)]
