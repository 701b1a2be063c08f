"""Small building blocks for HCL criteria: find a resource by its evaluated name, read values.

A helper that cannot go on raises `conformance.core.Stop` with the problem (the case's result).

Resources are found by what Terraform would name them, not by their labels, so a hand-written
repository with other labels, locals, `format()` names, `count`/`for_each` instances or local
modules is judged the same way. Resources are looked for in the whole configuration: the root
module and the local modules it calls (conformance.evidence.modules); a module that cannot be
read offline is named whenever what a check needs is not found.

Two resources (or blocks) that configure the same thing fight on every apply: AWS keeps whichever
was written last. `configured_twice` is the one message for it; the criteria judge every place
a property is configured, never the first one only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.evidence.evaluate import Ref, Template, Unresolvable
from conformance.evidence.fleet import RepoView
from conformance.evidence.module import Instance
from conformance.evidence.modules import Configuration, configuration


def config(view: RepoView) -> Configuration:
    """The repository's whole configuration for the view's env (root module and local modules)."""
    assert view.env is not None, "a per-env criterion needs an env"
    return configuration(view.evidence, view.name, view.env, view.folder)


def unresolved(view: RepoView, error: Unresolvable) -> Problem:
    where = str(error.location) if error.location else view.name
    return Problem(where, str(error).replace(f" at {error.location}", "") if error.location else str(error))


def parse_failures(view: RepoView) -> list[Problem]:
    return [Problem(f"{f.file}:{f.line}", f"does not parse: {f.reason}") for f in view.module.failures]


def unseen(view: RepoView) -> list[Problem]:
    """What the configuration holds that the suite cannot read: unparsable files, unreadable modules."""
    found = parse_failures(view)
    if view.env is not None:
        found += [Problem(f"{f.file}:{f.line}", f"does not parse: {f.reason}") for f in config(view).failures]
        found += [Problem(str(u.location), f"module.{u.call}: {u.reason}") for u in config(view).unreadable]
    return found


def none_found(view: RepoView, problem: Problem) -> Stop:
    """Stop with "found none" and whatever the suite could not read, where it might have been."""
    return Stop(problem, *unseen(view))


def _memo(view: RepoView, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
    """A lookup made once per configuration; a Stop it raises is raised again each time."""
    memo = config(view).memo
    if key not in memo:
        try:
            memo[key] = compute()
        except Stop as stop:
            memo[key] = stop
    found = memo[key]
    if isinstance(found, Stop):
        raise Stop(*found.problems)
    return found


def escaped(view: RepoView) -> list[Problem]:
    """Modules whose source leads out of the repository: whatever they declare is unseen, so no check can pass."""
    return [Problem(str(e.location), f"{e.message}: cannot evaluate") for e in config(view).escapes]


def instances_of(view: RepoView, resource_type: str) -> list[Instance]:
    def compute() -> list[Instance]:
        if outside := escaped(view):
            raise Stop(*outside)
        found = []
        for env_module, block in config(view).resources(resource_type):
            try:
                found.extend(env_module.instances(block))
            except Unresolvable as error:
                raise Stop(unresolved(view, error)) from None
        return found

    return list(_memo(view, ("instances", resource_type), compute))


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


def configured_twice(what: str, places: Iterable[tuple[str, str]]) -> list[Problem]:
    """`what configured twice: A at f:l and B at f:l` when more than one place configures it."""
    places = list(places)
    if len(places) < 2:
        return []
    times = "twice" if len(places) == 2 else f"{len(places)} times"
    listed = " and ".join(f"{label} at {location}" for label, location in places)
    return [Problem(places[1][1], f"{what} configured {times}: {listed}")]


def named(view: RepoView, resource_type: str, name: str, name_attribute: str = "name") -> Instance:
    """The one `resource_type` Terraform would create with this name; Stop when there is none or two."""
    found: Instance = _memo(
        view, ("named", resource_type, name, name_attribute), lambda: _named(view, resource_type, name, name_attribute)
    )
    return found


def _named(view: RepoView, resource_type: str, name: str, name_attribute: str) -> Instance:
    if (view.module.failures or config(view).failures) and not config(view).resources(resource_type):
        raise Stop(*unseen(view))
    seen, matches = [], []
    for instance in instances_of(view, resource_type):
        actual = value(view, instance, name_attribute, default=None)
        if actual == name:
            matches.append(instance)
        else:
            seen.append(str(actual))
    if len(matches) > 1:
        raise Stop(*configured_twice(f"{resource_type} {name!r}", ((i.address, str(i.location)) for i in matches)))
    if matches:
        return matches[0]
    found = ", ".join(sorted(seen)) if seen else f"no {resource_type} at all"
    raise none_found(view, Problem(f"{view.name}/{view.folder}", expected(f"an {resource_type} named {name!r}", found)))


def refers_to(reference: Any, instance: Instance, attributes: Iterable[str] | None = None) -> bool:
    """Whether a value is a reference to this resource instance (to one of `attributes`, when given)."""
    if isinstance(reference, Template) and len(reference.parts) == 1:
        reference = reference.parts[0]
    if not (isinstance(reference, Ref) and reference.target == instance.resource_address):
        return False
    if reference.key is not None and instance.key is not None and reference.key != instance.key:
        return False
    return attributes is None or reference.attribute in attributes


def points_at(reference: Any, instance: Instance, attributes: Iterable[str], literal: Any = None) -> bool:
    """A reference to one of the instance's `attributes`, or the literal value that attribute holds."""
    return refers_to(reference, instance, tuple(attributes)) or (literal is not None and reference == literal)


def arn_of(reference: Any, instance: Instance, service: str, name: str, attributes: Iterable[str] = ("arn",)) -> bool:
    """A reference to the instance's ARN, or its ARN written out (`arn:aws:<service>:<region>:<account>:<name>`;
    the partition, region or account may be references: `arn:${data.aws_partition.current.partition}:...`)."""
    if refers_to(reference, instance, tuple(attributes)):
        return True
    text = str(reference) if isinstance(reference, Template) else reference
    return (
        isinstance(text, str)
        and text.startswith("arn:")
        and text.split(":")[2:3] == [service]
        and text.endswith(f":{name}")
    )


def attached(
    view: RepoView,
    resource_type: str,
    target: Instance,
    via: str,
    attributes: Iterable[str],
    literal: Any = None,
) -> list[Instance]:
    """Companion resources (lifecycle, encryption, policies, ...) whose `via` points at `target`."""
    wanted = tuple(attributes)
    found = instances_of(view, resource_type)
    return [i for i in found if points_at(value(view, i, via, None), target, wanted, literal)]


def truthy(value_: Any) -> bool:
    """Terraform converts the strings "true"/"false" to bools where a bool is expected."""
    return value_ is True or (isinstance(value_, str) and value_.lower() == "true")


def number(value_: Any) -> int | float | None:
    """A number, or a string Terraform would convert to one; None otherwise."""
    if isinstance(value_, bool):
        return None
    if isinstance(value_, int):
        return value_
    if isinstance(value_, float):
        return int(value_) if value_.is_integer() else value_
    try:
        found = float(str(value_))
    except ValueError:
        return None
    return int(found) if found.is_integer() else found


def check_equal(view: RepoView, instance: Instance, path: str, wanted: Any, default: Any = None) -> list[Problem]:
    """The attribute equals `wanted`; absent, it is `default` (what AWS uses when it is not set)."""
    actual = value(view, instance, path, default=default)
    if isinstance(wanted, int) and not isinstance(wanted, bool) and number(actual) is not None:
        actual = number(actual)
    if actual != wanted:
        return [Problem(where(instance, path), f"{path}: {expected(describe(wanted), describe(actual))}")]
    return []
