"""Why a live read gave no answer, each cause as one line that is reported once.

- `Missing`: the resource is not there (or not one thing). Its *owner*, the criterion whose
  subject is the resource's existence (`INF-DDB-TABLE` for the table), fails with it; every
  other case that needs the resource skips, naming the owner.
- `CallFailed`: the call itself failed (access denied, naming the missing permission; AWS kept
  throttling; any other AWS error). The first case that meets it fails; later ones skip.
- `Stopped`: nothing live can run for the env (no credentials, the endpoint unreachable, the
  wrong account). The first case fails with the one line; every other live case skips.
"""

from __future__ import annotations

from conformance.criteria.base import Problem


class LiveError(Exception):
    """A cause that ends a live check; `reported_by` is the case that failed with it."""

    def __init__(self, where: str, line: str) -> None:
        super().__init__(line)
        self.where = where
        self.line = line
        self.reported_by: str | None = None

    def problem(self) -> Problem:
        return Problem(self.where, self.line)


class Missing(LiveError):
    """The resource a read needs is absent (or ambiguous)."""

    def __init__(self, resource: str, what: str, owner: str, found: str, call: str) -> None:
        self.drift = Problem.drift(resource, what, found, call)
        super().__init__(resource, self.drift.message)
        self.resource = resource
        self.owner = owner

    def problem(self) -> Problem:
        return self.drift


class CallFailed(LiveError):
    """The AWS call failed for a reason other than a missing resource."""


class Stopped(LiveError):
    """No live check may run for the env: credentials, endpoint or account."""
