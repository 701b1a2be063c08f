"""The two guards of a live run: it only reads, and it reads the env's own account.

Read-only is enforced, not promised: `install_read_only` hooks botocore's
`before-parameter-build` event of the run's one session, so any operation outside the
allow-list (Describe*, Get*, List*, Head*) raises `ReadOnlyViolation` in this process, before
parameters are validated, signed or sent (and before moto's in-process stub sees it).
Registering on the session covers every client made from it afterwards, paginators included;
the session makes its clients only after the hook is in place.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError

READ_PREFIXES = ("Describe", "Get", "List", "Head")
HOOK_ID = "bbws-conformance-read-only"


class ReadOnlyViolation(BotoCoreError):
    fmt = (
        "read-only guard: refused {service}:{operation} before it left the process; "
        "the live checks may only call " + ", ".join(f"{p}*" for p in READ_PREFIXES)
    )


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def refuse_writes(model: Any, **_: Any) -> None:
    if not is_read(model.name):
        raise ReadOnlyViolation(service=model.service_model.service_name, operation=model.name)


def install_read_only(events: Any) -> None:
    """Hook the guard into a (boto3 or botocore) session's event system: every service, every call."""
    events.register("before-parameter-build", refuse_writes, unique_id=HOOK_ID)


def account_mismatch(env: str, wanted: str, identity: dict[str, Any]) -> str | None:
    """The one line that stops the env's live checks when the credentials are another account's."""
    found = identity.get("Account")
    if found == wanted:
        return None
    return (
        f"expected account {wanted} ({env}), found {found} (get_caller_identity → Account, as "
        f"{identity.get('Arn', 'an unknown caller')}); no live check ran for {env}"
    )
