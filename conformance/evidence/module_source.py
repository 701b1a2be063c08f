"""Where a `module` block's `source` leads: a module outside the repository is never read nor handed on.

Terraform copies a module from a local path when the source starts with `./` or `../`; anything else
is handed to go-getter, which reads an absolute path (`/tmp/x`), a `file://` URL or a forced getter
on a path (`git::/srv/repo`, `git::file:///srv/repo`) from this machine too. Such a module lives
outside the repository: the suite cannot judge it, and terraform must not be run on it (it would
print what it found there into the report).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from conformance.evidence.evaluate import Evaluator, Scope, Unresolvable
from conformance.evidence.hcl import Attribute, Location

FORCED_GETTER = re.compile(r"^([A-Za-z0-9]+)::(.*)$", re.DOTALL)


@dataclass(frozen=True)
class SourceEscape:
    """A module call whose source leads out of the repository: where, which source, and how."""

    location: Location
    repo: str
    source: str
    why: str

    @property
    def message(self) -> str:
        found = f"{self.source!r} ({self.why})"
        return f"module source leaves the repository: expected a path inside {self.repo}, found {found}"


def literal_source(attribute: Attribute | None) -> str | None:
    """The source as written (Terraform allows only a literal string there); None for anything else."""
    if attribute is None:
        return None
    try:
        found = Evaluator(Scope({}, {})).attribute(attribute)
    except Unresolvable:
        return None
    return found if isinstance(found, str) else None


def leaves_repository(source: str, folder: str) -> str | None:
    """How `source`, called from `folder` (relative to the repository), leaves it by its words alone; None if not.

    A registry, git or HTTP address is not a path on this machine (it cannot be read offline, and
    the checks say so when they need it); links are followed by the evidence, not here.
    """
    forced = FORCED_GETTER.match(source)
    target = forced.group(2) if forced else source
    lowered = target.lower()
    if lowered.startswith("file:"):
        return "a file URL on this machine"
    if target.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", target):
        return "an absolute path"
    if forced and target.startswith("."):
        return f"a {forced.group(1)} getter on a path of this machine"
    if source.startswith(("./", "../")):
        path = posixpath.normpath(posixpath.join(folder, source))
        if path == ".." or path.startswith("../"):
            return "a relative path climbing out of it"
    return None
