"""The two guards of a live run: it only reads, and it reads the env's own account.

Read-only is enforced, not promised: `install_read_only` hooks botocore's
`before-parameter-build` event of the run's one session, so any operation that is not a read
(Describe*, Get*, List*, Head*) or not on the run's allow-list (the reads the live checks
declare, conformance.live.permissions) raises `ReadOnlyViolation` in this process, before
parameters are validated, signed or sent (and before moto's in-process stub sees it).
Registering on the session covers every client made from it afterwards, paginators included;
the session makes its clients only after the hook is in place (first of the handlers for every
service; botocore's own S3 parameter handlers run before it, and send nothing), and re-checks
before each of its calls that the hook is still there on that client (`GuardIntact`: the hook
answers a probe only it recognises). S3 object reads are narrowed to the objects named (the
env's state object): `s3:GetObject` on any other bucket or key is refused like a write.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError

from conformance.core import Read

READ_PREFIXES = ("Describe", "Get", "List", "Head")
HOOK_ID = "bbws-conformance-read-only"


class ReadOnlyViolation(BotoCoreError):
    fmt = "read-only guard: refused {service}:{operation} before it left the process; {reason}"


NOT_A_READ = "the live checks may only call " + ", ".join(f"{p}*" for p in READ_PREFIXES)
NOT_DECLARED = "it is not one of the reads the live checks declare"


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def refusal(service: str, operation: str, allowed: frozenset[str] | None) -> str | None:
    """Why the guard refuses `service:Operation`, or None when it may go."""
    if not is_read(operation):
        return NOT_A_READ
    if allowed is not None and f"{service}:{operation}" not in allowed:
        return NOT_DECLARED
    return None


class GuardIntact(Exception):
    """Not an error: the guard's answer to a `probe()`, proof that its hook is registered where it was emitted."""


PROBE_KEY = "bbws-conformance-guard-probe"
_PROBE_TOKEN = object()  # a value no real call's parameters can carry


def probe() -> dict[str, Any]:
    """Parameters for a probe emission: the guard's hook answers them with GuardIntact, and nothing else does."""
    return {PROBE_KEY: _PROBE_TOKEN}


def object_refusal(service: str, model: Any, params: Any, objects: frozenset[tuple[str, str]] | None) -> str | None:
    """Why an S3 object read is refused: only the named objects (bucket, key) may be read."""
    if objects is None or service != "s3" or model.input_shape is None or "Key" not in model.input_shape.members:
        return None
    wanted = (params.get("Bucket"), params.get("Key")) if isinstance(params, dict) else (None, None)
    if wanted in objects:
        return None
    named = ", ".join(f"s3://{bucket}/{key}" for bucket, key in sorted(objects)) or "none"
    return f"s3://{wanted[0]}/{wanted[1]} is not an object the live checks read (only {named})"


def install_read_only(
    events: Any, allowed: frozenset[str] | None = None, objects: frozenset[tuple[str, str]] | None = None
) -> None:
    """Hook the guard into a (boto3 or botocore) session's event system, first: every service, every call.

    `allowed` (`service:Operation` names) narrows the reads further, to the run's declared ones;
    `objects` ((bucket, key) pairs) the S3 objects that may be read.
    """

    def refuse(model: Any, params: Any = None, **_: Any) -> None:
        if isinstance(params, dict) and params.get(PROBE_KEY) is _PROBE_TOKEN:
            raise GuardIntact
        service = model.service_model.service_name
        if reason := refusal(service, model.name, allowed) or object_refusal(service, model, params, objects):
            raise ReadOnlyViolation(service=service, operation=model.name, reason=reason)

    events.register_first("before-parameter-build", refuse, unique_id=HOOK_ID)


GUARD_GONE = "the read-only guard's hook is no longer registered on this client; nothing is sent without it"


# The account guard's one read, made before any other read of an env.
ACCOUNT_READ = Read("sts", "GetCallerIdentity", "account")


def account_mismatch(env: str, wanted: str, identity: dict[str, Any]) -> str | None:
    """The one line that stops the env's live checks when the credentials are another account's."""
    found = identity.get("Account")
    if found == wanted:
        return None
    return (
        f"expected account {wanted} ({env}), found {found} (get_caller_identity → Account, as "
        f"{identity.get('Arn', 'an unknown caller')}); no live check ran for {env}"
    )
