"""LIVE-ACCOUNT (live only): the credentials are the env's account's.

The account guard runs before every live read (conformance.live.session.LiveEnv.require_account);
this case is where a wrong account, missing credentials or an unreachable endpoint is reported,
once, and the catalogue plans it first.
"""

from __future__ import annotations

from conformance.core import Problem
from conformance.criteria.base import Criterion, reads
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES
from conformance.live.view import LiveView


def account_live(view: LiveView) -> list[Problem]:
    view.live.require_account()  # raises Stopped with the one line when it is not the env's account
    return []


CRITERIA = [
    Criterion(
        id="LIVE-ACCOUNT",
        title="The live checks read the env's own account (credentials, endpoint, STS identity)",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=("<AWS>",),
        live=account_live,
        live_reads=reads("sts:GetCallerIdentity@account"),
    ),
]
