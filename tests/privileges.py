"""Running a command as an unprivileged process, so file permissions apply even when the tests run as root."""

from __future__ import annotations

import os
import shutil

import pytest


def without_privileges() -> tuple[str, ...]:
    """A command prefix under which file permissions apply even to root (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made read-only for this test")
    return (setpriv, "--inh-caps=-all", "--bounding-set=-all")
