"""The suite's shared vocabulary: what every layer says, so that no layer needs another to say it.

Imports nothing of the project (an import-linter contract holds it to that). A check returns
`Problem`s; it stops early with `Stop`, declines to run with `SkipCase`, and a live check
declares the AWS `Read`s it makes. Readers of files (conformance.evidence) and of AWS
(conformance.live) speak the same words as the criteria, without knowing any criterion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Control characters (C0, DEL, C1) and Unicode's line and paragraph separators: a file name or value
# from a repository holding them would start a line of its own in a terminal or a CI log (GitHub
# runs a line starting `::error` as a workflow command) or drive the terminal with ESC sequences.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTINUATION = "\n  "


def printable(text: str, lines: bool = False) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`); with `lines`, a newline
    is kept but the line after it is indented, so that no text of a repository ever starts a line."""

    def escape(found: re.Match[str]) -> str:
        character = found.group()
        if lines and character == "\n":
            return CONTINUATION
        return character.encode("unicode_escape").decode("ascii")

    return CONTROL.sub(escape, text)


class SkipCase(Exception):
    """A check that cannot run here (a tool missing, a feature switched off): skipped with the reason."""


@dataclass(frozen=True)
class Problem:
    """One failed expectation: `repo/path:line: ID: expected X, found Y` once formatted.

    A live problem (drift) also carries its parts: the resource (`where`), what was expected,
    what was found and the AWS call that showed it, so a drift report can use them as data.
    """

    where: str
    message: str
    expected: str | None = None
    found: str | None = None
    call: str | None = None

    def render(self, criterion_id: str) -> str:
        """One line per problem for the terminal and the reports: no control character of a file name or a
        value read from a repository gets through raw (a message of several lines is indented after the first)."""
        return f"{printable(self.where)}: {criterion_id}: {printable(self.message, lines=True)}"

    @property
    def resource(self) -> str:
        return self.where

    @classmethod
    def drift(cls, resource: str, wanted: object, found: object, call: str) -> Problem:
        """`resource: ID: expected X, found Y (call → field)` with the parts kept apart."""
        wanted, found = str(wanted), str(found)
        return cls(resource, f"expected {wanted}, found {found} ({call})", wanted, found, call)

    def as_drift(self) -> dict[str, str | None]:
        return {"resource": self.where, "expected": self.expected, "found": self.found, "call": self.call}


class Stop(Exception):
    """A check cannot go on; carries the problems found so far (they are its result)."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)


@dataclass(frozen=True)
class Read:
    """One AWS read a live check needs: `service:Operation` on one kind of resource of the env.

    `resource` is a resource kind of the spec (conformance.platform.model.RESOURCE_KINDS):
    `table`, `queue`, `dead_letter`, `audit_queue`, `audit_bucket`, `alert_topic`, `events_topic`,
    `subscriptions` (each consumer queue's subscription to the events topic), `rest_api`,
    `api_stage`, `dlq_alarm`, `conformance_role`, `state`, `account`, `roles` (every Lambda's
    execution role) or `function` (the case's Lambda).
    """

    service: str
    operation: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Read:
        call, _, resource = text.partition("@")
        service, _, operation = call.partition(":")
        return cls(service, operation, resource)

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}@{self.resource}"


def expected(what: str, found: object) -> str:
    return f"expected {what}, found {found}"


def describe(value: Any) -> str:
    """A found value as a message shows it: strings quoted, anything else as it prints."""
    return repr(value) if isinstance(value, str) else str(value)
