"""The platform model: what `infra/platform.yaml` may say, validated once.

Every generator and every conformance check reads names, regions, accounts and numbers from
here, so a rule written in a validator below is the one rule the whole project applies.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
THING = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
ENV_NAME = re.compile(r"^[a-z][a-z0-9]*$")
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
HTTP_PATH = re.compile(r"^/([A-Za-z0-9_.-]+|\{[a-z_][a-z0-9_]*\})(/([A-Za-z0-9_.-]+|\{[a-z_][a-z0-9_]*\}))*$")


class Strict(BaseModel):
    """Base: unknown keys are errors, so a typo in the spec never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_account_id(value: str) -> str:
    if not ACCOUNT_ID.match(value):
        raise ValueError(f"expected a 12-digit AWS account id, found {value!r}")
    return value


def check_region(value: str) -> str:
    if not REGION.match(value):
        raise ValueError(f"expected an AWS region like eu-west-1, found {value!r}")
    return value


def check_lambda_name(value: str) -> str:
    if not SNAKE_CASE.match(value):
        raise ValueError(f"expected a snake_case Lambda name like get_product, found {value!r}")
    return value


def check_thing(value: str) -> str:
    if not THING.match(value):
        raise ValueError(f"expected a lower-case dashed name part like product-change, found {value!r}")
    return value


def check_http_path(value: str) -> str:
    if not HTTP_PATH.match(value):
        raise ValueError(f"expected an API path like /products/{{id}}, found {value!r}")
    return value


def check_pattern(value: str, *fields: str) -> str:
    """A name pattern that holds every one of `fields` (and no other `{...}`)."""
    missing = [f for f in fields if f not in value]
    unknown = sorted(set(re.findall(r"\{[^}]*\}", value)) - set(fields))
    if missing or unknown:
        wanted = " and ".join(fields)
        raise ValueError(f"expected a pattern holding {wanted} and no other {{...}}, found {value!r}")
    return value


def deploy_role_arn(pattern: str, env: str, account_id: str) -> str:
    """The role a deploy workflow assumes: in the env's own account, named by the spec's pattern."""
    return f"arn:aws:iam::{account_id}:role/{pattern.format(env=env)}"


LAMBDA_ROLE_THING = "{dashed}-role"
IAM_ROLE_NAME_MAX = 64
# The KMS key of every Lambda log group, owned by the infrastructure repository.
LAMBDA_LOGS_KEY_THING = "lambda-logs"

AccountId = Annotated[str, Field(description="12-digit AWS account id")]
Thing = Annotated[str, Field(description="the resource's own part of its name")]


class Environment(Strict):
    name: str = ""
    region: str
    account_id: str
    log_retention_days: int = Field(ge=1)
    approval_environment: str | None = None
    confirmation: str | None = None

    _region = field_validator("region")(check_region)
    _account = field_validator("account_id", mode="before")(
        lambda v: check_account_id(str(v) if isinstance(v, int) else v)
    )

    @field_validator("log_retention_days")
    @classmethod
    def _cloudwatch_retention(cls, value: int) -> int:
        allowed = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653)
        if value not in allowed:
            raise ValueError(f"expected a CloudWatch retention in days {allowed}, found {value}")
        return value


class State(Strict):
    bucket: str
    key: str
    lock_table: str

    @field_validator("bucket", "lock_table")
    @classmethod
    def _per_env(cls, value: str) -> str:
        if "{env}" not in value:
            raise ValueError(f"expected a pattern holding {{env}}, found {value!r}")
        return value

    @field_validator("key")
    @classmethod
    def _per_repo(cls, value: str) -> str:
        if "{repo}" not in value:
            raise ValueError(f"expected a pattern holding {{repo}} (one key per repository), found {value!r}")
        return value


PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v[\w.]+$")


class GitHub(Strict):
    organisation: str
    deploy_role: str
    terraform_version: str
    python_version: str
    actions: dict[str, str]
    repo_deploy_role: str

    @field_validator("actions")
    @classmethod
    def _pinned(cls, actions: dict[str, str]) -> dict[str, str]:
        for key, value in actions.items():
            if not PINNED_ACTION.match(value):
                raise ValueError(f"actions.{key}: expected owner/name@<40-hex sha> # vX.Y.Z, found {value!r}")
        return actions

    @field_validator("deploy_role")
    @classmethod
    def _per_env(cls, value: str) -> str:
        if "{env}" not in value:
            raise ValueError(f"expected a pattern holding {{env}}, found {value!r}")
        return value

    @field_validator("repo_deploy_role")
    @classmethod
    def _per_repo_and_env(cls, value: str) -> str:
        return check_pattern(value, "{repo}", "{env}")


GITHUB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
OIDC_SUBJECT_FIELDS = ("{organisation}", "{organisation_id}", "{repository}", "{repository_id}")


class Conformance(Strict):
    """Where the scheduled drift check runs, and the read-only role it assumes in each env.

    GitHub's OIDC subject names the repository `repo:<org>/<repo>:environment:<env>`; repositories
    created (or renamed) after 2026-06-18, or opted in, present their immutable IDs instead, in the
    form `immutable_subject` spells. The role trusts both, for the env's GitHub environment only.
    """

    repository: str
    organisation_id: int = Field(gt=0)
    repository_id: int = Field(gt=0)
    immutable_subject: str = "{organisation}@{organisation_id}/{repository}@{repository_id}"
    readonly_role: str

    _thing = field_validator("readonly_role")(check_thing)

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not GITHUB_NAME.match(value):
            raise ValueError(f"expected a GitHub repository name, found {value!r}")
        return value

    @field_validator("immutable_subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        missing = [f for f in OIDC_SUBJECT_FIELDS[1::2] if f not in value]
        if missing:
            raise ValueError(f"expected a pattern holding {' and '.join(missing)}, found {value!r}")
        return value


class KeyAttribute(Strict):
    name: str
    type: str = "S"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not ATTRIBUTE_NAME.match(value):
            raise ValueError(f"expected a DynamoDB attribute name, found {value!r}")
        return value

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


class BillingMode(StrEnum):
    PAY_PER_REQUEST = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


class Table(Strict):
    thing: str
    billing_mode: BillingMode
    point_in_time_recovery: bool
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    global_secondary_indexes: tuple[SecondaryIndex, ...] = ()

    _thing = field_validator("thing")(check_thing)

    @model_validator(mode="after")
    def _unique_indexes(self) -> Table:
        names = [gsi.name for gsi in self.global_secondary_indexes]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"expected unique index names, found {duplicated[0]!r} twice")
        return self

    @property
    def attributes(self) -> dict[str, str]:
        """Every key attribute of the table and its indexes, name -> type, in first-use order."""
        keys = [self.hash_key, self.range_key]
        for gsi in self.global_secondary_indexes:
            keys += [gsi.hash_key, gsi.range_key]
        found: dict[str, str] = {}
        for key in keys:
            if key is not None and found.setdefault(key.name, key.type) != key.type:
                raise ValueError(f"attribute {key.name!r} has two types")
        return found


class DeadLetterQueue(Strict):
    thing: str
    max_receive_count: int = Field(ge=1, le=1000)
    message_retention_seconds: int = Field(ge=60, le=1209600)

    _thing = field_validator("thing")(check_thing)


class Queue(Strict):
    thing: str
    message_retention_seconds: int = Field(ge=60, le=1209600)
    visibility_timeout_seconds: int = Field(ge=0, le=43200)
    dead_letter: DeadLetterQueue

    _thing = field_validator("thing")(check_thing)


class AuditBucket(Strict):
    thing: str
    glacier_after_days: int = Field(ge=1)
    abort_incomplete_uploads_after_days: int = Field(ge=1)

    _thing = field_validator("thing")(check_thing)


class Named(Strict):
    thing: str

    _thing = field_validator("thing")(check_thing)


class Alarm(Strict):
    thing: str
    threshold: int = Field(ge=1)
    period_seconds: int = Field(ge=60)

    _thing = field_validator("thing")(check_thing)


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

    @field_validator("state_key")
    @classmethod
    def _in_the_repo(cls, value: str) -> str:
        return check_pattern(value, "{repo}")


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

    @field_validator("outputs")
    @classmethod
    def _known_sources(cls, outputs: dict[str, str]) -> dict[str, str]:
        for name, source in outputs.items():
            if not SNAKE_CASE.match(name):
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
    dynamodb: bool
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


class Lambdas(Strict):
    repo: str
    runtime: str
    memory_mb: int = Field(ge=128, le=10240)
    timeout_seconds: int = Field(ge=1, le=900)
    batch_size: int = Field(ge=1, le=10000)
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

    @model_validator(mode="after")
    def _required_locals_listed(self) -> Lambdas:
        for name in self.required_locals:
            if name not in self.remote_state_locals:
                raise ValueError(f"required_locals: expected a key of remote_state_locals, found {name!r}")
        return self

    @field_validator("repo")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if "{name}" not in value:
            raise ValueError(f"expected a pattern holding {{name}}, found {value!r}")
        return value

    @field_validator("runtime")
    @classmethod
    def _runtime(cls, value: str) -> str:
        if not re.match(r"^python3\.\d+$", value):
            raise ValueError(f"expected a Python Lambda runtime like python3.12, found {value!r}")
        return value


class Platform(Strict):
    project: str
    naming: str
    environments: dict[str, Environment]
    state: State
    github: GitHub
    conformance: Conformance
    infrastructure: Infrastructure
    lambdas: Lambdas

    @field_validator("naming")
    @classmethod
    def _naming(cls, value: str) -> str:
        if "{thing}" not in value or "{env}" not in value:
            raise ValueError(f"expected a pattern holding {{thing}} and {{env}}, found {value!r}")
        return value

    @field_validator("environments", mode="before")
    @classmethod
    def _name_environments(cls, value: object) -> object:
        if isinstance(value, dict):
            for name, env in value.items():
                if not isinstance(name, str) or not ENV_NAME.match(name):
                    raise ValueError(f"expected a lower-case environment name, found {name!r}")
                if isinstance(env, dict):
                    env.setdefault("name", name)
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Platform:
        if not self.environments:
            raise ValueError("environments: expected at least one environment, found none")
        repos = self.repo_names
        duplicated = sorted({r for r in repos if repos.count(r) > 1})
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
        return self

    @model_validator(mode="after")
    def _deployable(self) -> Platform:
        """The fan-out, the stage and the bootstrap: names unique, outputs known, no competing consumers."""
        infra, lambdas = self.infrastructure, self.lambdas
        things = self.things + self.deploy_things
        twice = sorted({t for t in self.deploy_things if things.count(t) > 1})
        if twice:
            raise ValueError(f"expected unique resource names, found {twice[0]!r} twice")
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
        for repo in self.repo_names:
            for env in self.environments:
                role = self.repo_deploy_role(repo, env)
                if len(role) > IAM_ROLE_NAME_MAX:
                    raise ValueError(
                        f"github.repo_deploy_role: expected role names of at most {IAM_ROLE_NAME_MAX} "
                        f"characters, found {role!r} ({len(role)})"
                    )
        return self

    # -- derived names: the only place a name pattern is applied ---------------------------

    @property
    def repo_names(self) -> list[str]:
        return [self.infrastructure.repo] + [self.lambda_repo(f) for f in self.lambdas.functions]

    @property
    def things(self) -> list[str]:
        infra = self.infrastructure
        fixed = [
            infra.table.thing,
            infra.queue.thing,
            infra.queue.dead_letter.thing,
            infra.audit_bucket.thing,
            infra.alert_topic.thing,
            infra.rest_api.thing,
            infra.dlq_alarm.thing,
            self.conformance.readonly_role,
        ]
        derived = [LAMBDA_LOGS_KEY_THING]
        return fixed + derived + [t for f in self.lambdas.functions for t in (f.dashed, f.role_thing)]

    @property
    def deploy_things(self) -> list[str]:
        """The resource names the fan-out, the stage and the bootstrap add to `things`."""
        infra = self.infrastructure
        return [
            infra.events_topic.thing,
            infra.audit_queue.thing,
            infra.audit_queue.dead_letter.thing,
            infra.api_stage.access_log_thing,
            infra.bootstrap.apigateway_logs_role,
        ]

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

    def deploy_role_arn(self, env: str) -> str:
        return deploy_role_arn(self.github.deploy_role, env, self.environments[env].account_id)

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
