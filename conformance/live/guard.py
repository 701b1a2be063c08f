"""The two guards of a live run: it only reads, and it reads the env's own account.

Read-only is enforced, not promised: `install_read_only` hooks botocore's
`before-parameter-build` event of the run's one session, so any operation that is not a read
(Describe*, Get*, List*, Head*) or not on the run's allow-list (the reads the live checks
declare, conformance.live.permissions) raises `ReadOnlyViolation` in this process, before
parameters are validated, signed or sent (and before moto's in-process stub sees it).
Registering on the session covers every client made from it afterwards, paginators included;
the session makes its clients only after the hook is in place.
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


def install_read_only(events: Any, allowed: frozenset[str] | None = None) -> None:
    """Hook the guard into a (boto3 or botocore) session's event system: every service, every call.

    `allowed` (`service:Operation` names) narrows the reads further, to the run's declared ones.
    """

    def refuse(model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if reason := refusal(service, model.name, allowed):
            raise ReadOnlyViolation(service=service, operation=model.name, reason=reason)

    events.register("before-parameter-build", refuse, unique_id=HOOK_ID)


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
