"""Small building blocks for HCL criteria: find a resource by its evaluated name, read values.

A helper that cannot go on raises `conformance.core.Stop` with the problem (the case's result).

Resources are found by what Terraform would name them, not by their labels, so a hand-written
repository with other labels, locals or `format()` names is judged the same way.
"""

from __future__ import annotations

from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.evidence.evaluate import Ref, Template, Unresolvable
from conformance.evidence.fleet import RepoView
from conformance.evidence.module import Instance


def unresolved(view: RepoView, error: Unresolvable) -> Problem:
    where = str(error.location) if error.location else view.name
    return Problem(where, str(error).replace(f" at {error.location}", "") if error.location else str(error))


def parse_failures(view: RepoView) -> list[Problem]:
    return [Problem(f"{f.file}:{f.line}", f"does not parse: {f.reason}") for f in view.module.failures]


def instances_of(view: RepoView, resource_type: str) -> list[Instance]:
    found = []
    for block in view.module.resources(resource_type):
        try:
            found.extend(view.values.instances(block))
        except Unresolvable as error:
            raise Stop(unresolved(view, error)) from None
    return found


def value(view: RepoView, instance: Instance, path: str, default: Any = KeyError) -> Any:
    """The evaluated value at `path`; Stop with "cannot resolve" when it cannot be computed."""
    try:
        return instance.get(path)
    except KeyError:
        if default is KeyError:
            raise Stop(Problem(str(instance.location), f"{path}: expected a value, found none")) from None
        return default
    except Unresolvable as error:
        raise Stop(unresolved(view, error)) from None


def where(instance: Instance, path: str | None = None) -> str:
    attribute = instance.attribute(path) if path else None
    return str(attribute.location if attribute else instance.location)


def named(view: RepoView, resource_type: str, name: str, name_attribute: str = "name") -> Instance:
    """The one `resource_type` Terraform would create with this name; Stop when there is none."""
    if view.module.failures and not view.module.resources(resource_type):
        raise Stop(*parse_failures(view))
    seen = []
    for instance in instances_of(view, resource_type):
        actual = value(view, instance, name_attribute, default=None)
        if actual == name:
            return instance
        seen.append(str(actual))
    found = ", ".join(sorted(seen)) if seen else f"no {resource_type} at all"
    raise Stop(Problem(f"{view.name}/terraform", expected(f"an {resource_type} named {name!r}", found)))


def refers_to(reference: Any, instance: Instance) -> bool:
    """Whether a value is a reference to this resource instance (any attribute)."""
    if isinstance(reference, Template) and len(reference.parts) == 1:
        reference = reference.parts[0]
    return isinstance(reference, Ref) and reference.target == instance.block.address


def truthy(value_: Any) -> bool:
    """Terraform converts the strings "true"/"false" to bools where a bool is expected."""
    return value_ is True or (isinstance(value_, str) and value_.lower() == "true")


def check_equal(view: RepoView, instance: Instance, path: str, wanted: Any) -> list[Problem]:
    actual = value(view, instance, path, default=None)
    if isinstance(wanted, int) and isinstance(actual, str) and actual.isdigit():
        actual = int(actual)
    if actual != wanted:
        return [Problem(where(instance, path), f"{path}: {expected(describe(wanted), describe(actual))}")]
    return []
