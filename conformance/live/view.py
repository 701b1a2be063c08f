"""What a live check is handed: one live case's view of the env's reader, the repository and its Lambda.

`files` is the run's reader of the repositories' files (a conformance.evidence FleetEvidence, which this
layer does not import), for a live check that compares a repository's files with what is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.live.session import LiveEnv
from conformance.platform.model import LambdaFunction, Names, Platform


@dataclass(frozen=True)
class LiveView:
    live: LiveEnv
    repo: str
    function: LambdaFunction | None
    files: Any = None

    @property
    def platform(self) -> Platform:
        return self.live.platform

    @property
    def env(self) -> str:
        return self.live.env

    @property
    def names(self) -> Names:
        return self.live.names

    def owner(self, kind: str) -> str | None:
        """The criterion that reports a missing resource of this kind (for a check that says so itself)."""
        return self.live.evidence.owner(kind)
