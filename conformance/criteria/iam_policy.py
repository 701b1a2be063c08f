"""IAM policies as the HCL states them, read into statements a check can reason about.

A policy attribute is either a reference to an `aws_iam_policy_document` data source (its
`statement` blocks, `dynamic` ones expanded, and its `source_policy_documents`) or a JSON
document (`jsonencode(...)`, a heredoc, a string). Both are read into the same `Statement`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.hcl_checks import config, unresolved, value, where
from conformance.evidence.evaluate import Ref, Template, Unresolvable, decode_json
from conformance.evidence.fleet import RepoView
from conformance.evidence.module import Instance

POLICY_DOCUMENT = "data.aws_iam_policy_document"


@dataclass(frozen=True)
class Statement:
    """One statement: what it allows or denies, on what, for whom, under which conditions."""

    location: str
    effect: str = "Allow"
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[Any, ...] = ()
    not_resources: tuple[Any, ...] = ()
    principals: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    conditions: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"


def _strings(raw: Any) -> tuple[Any, ...]:
    if raw is None:
        return ()
    return tuple(raw) if isinstance(raw, list | tuple) else (raw,)


def _document_reference(raw: Any) -> Ref | None:
    if isinstance(raw, Template) and len(raw.parts) == 1:
        raw = raw.parts[0]
    if isinstance(raw, Ref) and (f".{raw.target}").endswith(f".{POLICY_DOCUMENT}.{raw.target.rsplit('.', 1)[-1]}"):
        return raw  # data.aws_iam_policy_document.x, in the root module or in a module call
    return None


def _block_statements(view: RepoView, document: Instance) -> list[Statement]:
    found: list[Statement] = []
    for source in value(view, document, "source_policy_documents", None) or []:
        found.extend(_from_value(view, source, where(document, "source_policy_documents")))
    try:
        blocks = document.nested("statement")
    except Unresolvable as error:
        raise Stop(unresolved(view, error)) from None
    for block in blocks:
        principals: dict[str, tuple[Any, ...]] = {}
        for principal in block.nested("principals"):
            kind = str(value(view, principal, "type", ""))
            principals[kind] = principals.get(kind, ()) + _strings(value(view, principal, "identifiers", []))
        conditions = {
            (str(value(view, c, "test", "")), str(value(view, c, "variable", ""))): _strings(
                value(view, c, "values", [])
            )
            for c in block.nested("condition")
        }
        found.append(
            Statement(
                where(block),
                str(value(view, block, "effect", "Allow")),
                _strings(value(view, block, "actions", None)),
                _strings(value(view, block, "not_actions", None)),
                _strings(value(view, block, "resources", None)),
                _strings(value(view, block, "not_resources", None)),
                principals,
                conditions,
            )
        )
    return found


def json_statements(document: Any, location: str) -> list[Statement]:
    if not isinstance(document, dict):
        raise Stop(Problem(location, expected("an IAM policy document (a JSON object)", describe(document))))
    raw = document.get("Statement", [])
    found = []
    for statement in raw if isinstance(raw, list) else [raw]:
        if not isinstance(statement, dict):
            raise Stop(Problem(location, expected("a policy statement (a JSON object)", describe(statement))))
        principal = statement.get("Principal", {})
        principals = (
            {str(k): _strings(v) for k, v in principal.items()} if isinstance(principal, dict) else {"*": ("*",)}
        )
        conditions = {
            (str(test), str(variable)): _strings(values)
            for test, pairs in (statement.get("Condition") or {}).items()
            for variable, values in (pairs or {}).items()
        }
        found.append(
            Statement(
                location,
                str(statement.get("Effect", "")),
                _strings(statement.get("Action")),
                _strings(statement.get("NotAction")),
                _strings(statement.get("Resource")),
                _strings(statement.get("NotResource")),
                principals,
                conditions,
            )
        )
    return found


def _from_value(view: RepoView, raw: Any, location: str) -> list[Statement]:
    reference = _document_reference(raw)
    if reference is not None:
        found = config(view).block(reference.target)
        if found is None:
            raise Stop(Problem(location, expected(f"the policy document {reference.target}", "none")))
        env_module, block = found
        try:
            documents = env_module.instances(block)
        except Unresolvable as error:
            raise Stop(unresolved(view, error)) from None
        if reference.key is not None:  # data.aws_iam_policy_document.x[each.key]: that instance only
            documents = [d for d in documents if d.key == reference.key]
        return [s for document in documents for s in _block_statements(view, document)]
    try:
        document = decode_json(raw)
    except (ValueError, TypeError):
        raise Stop(Problem(location, expected("an IAM policy document", describe(str(raw))))) from None
    return json_statements(document, location)


def statements(view: RepoView, instance: Instance, attribute: str) -> list[Statement]:
    """The statements of the policy at `instance.attribute`; Stop when it is absent or unreadable."""
    return _from_value(view, value(view, instance, attribute), where(instance, attribute))


def action_matches(pattern: Any, action: str) -> bool:
    """IAM's own matching: case-insensitive, `*` and `?` as wildcards (`logs:Put*`, `*`)."""
    return fnmatchcase(action.lower(), str(pattern).lower())


def covers(statement: Statement, action: str) -> bool:
    """Whether the statement's Action (or NotAction) takes in the action."""
    if statement.not_actions:
        return not any(action_matches(p, action) for p in statement.not_actions)
    return any(action_matches(p, action) for p in statement.actions)


def granted(found: list[Statement], action: str) -> bool:
    """Some statement allows the action and none denies it (resources and conditions aside)."""
    allowed = any(s.allows and covers(s, action) for s in found)
    denied = any(s.effect == "Deny" and covers(s, action) for s in found)
    return allowed and not denied
