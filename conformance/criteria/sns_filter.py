"""Does an SNS subscription's filter policy let every product change event through?

The API Lambdas publish each change as a message whose body is the event (`event_type`,
`product_id`, ...) with the message attribute `event_type` repeating its type (the Lambda
template's src/models/events.py; tests/test_deployable_criteria.py holds the two together). A
subscription whose filter policy drops any of the event types does not deliver every event.

`what_it_drops` evaluates the policy against one event of each type, in its scope (message
attributes or body), with SNS's matching rules for the operators a policy on these events can
use. What it cannot judge (an operator it does not know, `$or`) it says, never passes silently.
"""

from __future__ import annotations

from typing import Any

# The types of the product change events, and the attribute/body field that carries the type.
CHANGE_EVENT_TYPES = ("created", "updated", "deleted")
EVENT_TYPE_FIELD = "event_type"
# Body fields every event carries (their values vary from event to event).
ALWAYS_IN_THE_BODY = frozenset({"event_id", EVENT_TYPE_FIELD, "product_id", "occurred_at"})
SCOPES = ("MessageAttributes", "MessageBody")


class Unjudgeable(ValueError):
    """The policy uses something this module does not evaluate: said, not guessed."""


class Varies(Exception):
    """The policy filters on a field whose value varies from event to event."""


def _matches_string(condition: Any, found: str) -> bool:
    """One condition of a key's list against a string value (SNS's string matching)."""
    if isinstance(condition, str):
        return condition == found
    if isinstance(condition, int | float | bool) or condition is None:
        return False  # a number or null never equals a string
    if not isinstance(condition, dict) or len(condition) != 1:
        raise Unjudgeable(f"the condition {condition!r}")
    [(operator, operand)] = condition.items()
    if operator == "exists":
        return operand is True
    if operator == "prefix" and isinstance(operand, str):
        return found.startswith(operand)
    if operator == "suffix" and isinstance(operand, str):
        return found.endswith(operand)
    if operator == "equals-ignore-case" and isinstance(operand, str):
        return found.lower() == operand.lower()
    if operator == "anything-but":
        if isinstance(operand, str):
            return found != operand
        if isinstance(operand, list) and all(isinstance(o, str | int | float) for o in operand):
            return found not in operand
        if isinstance(operand, dict) and list(operand) == ["prefix"] and isinstance(operand["prefix"], str):
            return not found.startswith(operand["prefix"])
    raise Unjudgeable(f"the operator {operator!r} with {operand!r}")


def _key_matches(conditions: Any, present: bool, found: str | None, key: str) -> bool:
    if not isinstance(conditions, list) or not conditions:
        raise Unjudgeable(f"{key}: {conditions!r} (expected a non-empty list of conditions)")
    if not present:
        return any(c == {"exists": False} for c in conditions)
    if found is None:  # present but its value varies from event to event: only `exists` is certain
        if any(c == {"exists": True} for c in conditions):
            return True
        raise Varies(key)
    return any(_matches_string(c, found) for c in conditions)


def _event_matches(policy: dict[str, Any], scope: str, event_type: str) -> bool:
    for key, conditions in policy.items():
        if key.startswith("$"):
            raise Unjudgeable(f"the key {key!r}")
        if scope == "MessageBody" and isinstance(conditions, dict):
            raise Varies(key)  # a nested body field: the product, whose values vary
        if key == EVENT_TYPE_FIELD:
            present, found = True, event_type
        elif scope == "MessageBody" and key in ALWAYS_IN_THE_BODY:
            present, found = True, None
        elif scope == "MessageBody" and key in ("product", "source"):
            raise Varies(key)
        else:
            present, found = False, None  # no other message attribute, no other body field
        if not _key_matches(conditions, present, found, key):
            return False
    return True


def what_it_drops(policy: Any, scope: str | None) -> str | None:
    """None when every change event passes the policy; else what is dropped, as a phrase.

    `policy` is the decoded JSON object; raises Unjudgeable for what cannot be evaluated.
    """
    scope = scope or "MessageAttributes"
    if scope not in SCOPES:
        raise Unjudgeable(f"the filter policy scope {scope!r}")
    if not isinstance(policy, dict):
        raise Unjudgeable(f"the filter policy {policy!r} (expected a JSON object)")
    try:
        dropped = [t for t in CHANGE_EVENT_TYPES if not _event_matches(policy, scope, t)]
    except Varies as varies:
        return f"events whose {varies.args[0]} does not match (it varies from event to event)"
    if not dropped:
        return None
    return f"the {', '.join(dropped)} events"
