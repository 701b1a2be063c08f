"""Simple value checks as data: "the resource exists" and "its attribute equals the spec".

Modelled on checkov's `BaseResourceValueCheck` (an inspected key and an expected value): one
declaration gives a criterion its static half (the HCL, evaluated per env), its live half (the
deployed resource) or both, with the messages the hand-written checks give:

    Criterion(
        id="INF-SQS-RETENTION", ...,
        value=Equals(
            expected=lambda spec: spec.infrastructure.queue.message_retention_seconds,
            hcl=HclValue(main_queue, "message_retention_seconds"),
            aws=AwsValue(
                read=change_queue_attributes,
                field="MessageRetentionPeriod",
                kind="queue",
                call="get_queue_attributes → MessageRetentionPeriod",
            ),
        ),
        live_reads=reads(...),
    )

A check with real logic (several attributes, references between resources, policies) stays a
function beside its criterion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.core import Problem
from conformance.criteria.hcl_checks import check_equal
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live.session import LiveEnv
from conformance.live.view import LiveView
from conformance.platform.model import Platform

Finder = Callable[[RepoView], Instance]  # the resource in the HCL; raises Stop when there is none
Reader = Callable[[LiveEnv], Any]  # the deployed resource's answer; raises Missing when there is none


def _name(thing: Callable[..., Any], home: str) -> str:
    """`module:function`, or just `function` when it is in `home` (the declaring module)."""
    name = getattr(thing, "__qualname__", repr(thing))
    return name if thing.__module__ == home else f"{thing.__module__}:{name}"


@dataclass(frozen=True)
class Exists:
    """The resource is there: Terraform would create it (`hcl`), reading it answers (`aws`)."""

    hcl: Finder | None = None
    aws: Reader | None = None

    @property
    def static(self) -> Callable[[RepoView, FleetEvidence], list[Problem]] | None:
        return self._static if self.hcl is not None else None

    @property
    def live(self) -> Callable[[LiveView], list[Problem]] | None:
        return self._live if self.aws is not None else None

    def _static(self, view: RepoView, _: FleetEvidence) -> list[Problem]:
        assert self.hcl is not None
        self.hcl(view)
        return []

    def _live(self, view: LiveView) -> list[Problem]:
        assert self.aws is not None
        self.aws(view.live)
        return []

    def describe(self, half: str, home: str) -> str:
        found = self.hcl if half == "static" else self.aws
        return f"Exists: {_name(found, home)}" if found else ""


@dataclass(frozen=True)
class HclValue:
    """An attribute of a resource in the HCL: the resource's finder and the attribute's path.

    `default` is what AWS (or the provider) uses when the attribute is not set: leaving out an
    attribute whose default is the spec's value conforms.
    """

    resource: Finder
    key: str
    default: Any = None


@dataclass(frozen=True)
class AwsValue:
    """A field of a read's answer: the reader, the field's dotted path, the resource kind, the call shown.

    `missing` is what the message says when the field is absent.
    """

    read: Reader
    field: str
    kind: str
    call: str
    missing: Any = None

    def found(self, live: LiveEnv) -> Any:
        answer = self.read(live)
        *parents, last = self.field.split(".")
        for part in parents:
            answer = answer.get(part) or {}
        return answer.get(last, self.missing)


@dataclass(frozen=True)
class Equals:
    """The attribute equals the spec's value (`expected`: a constant, or a function of the spec)."""

    expected: Any
    hcl: HclValue | None = None
    aws: AwsValue | None = None

    def wanted(self, platform: Platform) -> Any:
        return self.expected(platform) if callable(self.expected) else self.expected

    @property
    def static(self) -> Callable[[RepoView, FleetEvidence], list[Problem]] | None:
        return self._static if self.hcl is not None else None

    @property
    def live(self) -> Callable[[LiveView], list[Problem]] | None:
        return self._live if self.aws is not None else None

    def _static(self, view: RepoView, _: FleetEvidence) -> list[Problem]:
        assert self.hcl is not None
        return check_equal(view, self.hcl.resource(view), self.hcl.key, self.wanted(view.platform), self.hcl.default)

    def _live(self, view: LiveView) -> list[Problem]:
        assert self.aws is not None
        wanted = self.wanted(view.platform)
        found = self.aws.found(view.live)
        if str(found) != str(wanted):
            return [Problem.drift(view.names.of(self.aws.kind)[0], wanted, found, self.aws.call)]
        return []

    def describe(self, half: str, home: str) -> str:
        if half == "static" and self.hcl:
            return f"Equals: {_name(self.hcl.resource, home)} → {self.hcl.key}"
        if half == "live" and self.aws:
            return f"Equals: {_name(self.aws.read, home)} → {self.aws.field}"
        return ""
