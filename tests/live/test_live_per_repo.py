"""A per-repository live run (`--repo DIR -m live`) through the real plugin, against a moto server.

It checks that repository's resources only (the reads its own cases declare, with the account guard's),
and the outputs its data.tf names against the deployed infrastructure state: the state object read
through the guarded session, as no checkout of the infrastructure repository is there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conformance.catalogue import LIVE_CRITERIA, PER_REPO_LIVE
from conformance.evidence.fleet import FleetEvidence
from conformance.live.permissions import planned_reads
from conformance.platform import Platform
from conformance.runner import plan_repo_live_cases
from conformance.suite_command import suite_command
from tests.live.conftest import ENV, live_cases
from tests.live.deploy import Deployment
from tests.live.test_live_plugin import moto_server, served  # noqa: F401 (fixtures)

LAMBDA = "2_1_bbws_get_product"
CONTRACT = "LAMBDA-OUTPUT-CONTRACT"
CALL = re.compile(r"^(\w+:\w+) +(\d+)$", re.MULTILINE)


@pytest.fixture
def deployed(served: Deployment, fleet: Path, platform: Platform) -> Deployment:  # noqa: F811
    """The deployment with the state Terraform would write: every output of the infrastructure's outputs.tf
    (the spec's with their live values, the platform's own as the placeholders moto has no resource for)."""
    declared = FleetEvidence(fleet, platform).module(platform.infrastructure.repo).outputs
    live = {name: served.values[source] for name, source in platform.infrastructure.outputs.items()}
    served.put_state({name: live.get(name, f"placeholder-{name}") for name in declared})
    return served


def run(tmp_path: Path, repo: Path, endpoint: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = tmp_path / "report.json"
    command = suite_command(
        repo=repo, envs=[ENV], marker="live", json_report=report, endpoint_url=endpoint, extra=["-v"]
    )
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=600)
    return result, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def test_a_lambda_repo_alone_makes_only_its_planned_reads_and_passes(
    deployed: Deployment,
    moto_server: str,  # noqa: F811
    fleet: Path,
    platform: Platform,
    tmp_path: Path,
) -> None:
    clone = tmp_path / "checkout"
    shutil.copytree(fleet / LAMBDA, clone, symlinks=True)
    result, report = run(tmp_path, clone, moto_server)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert {r["repo"] for r in report["results"]} == {LAMBDA}
    assert {r["outcome"] for r in report["results"]} == {"passed"}
    ran = {r["criterion"] for r in report["results"]}
    assert {"LIVE-ACCOUNT", "LAMBDA-FUNCTION", CONTRACT} <= ran
    assert not any(c.startswith("INF-") for c in ran)

    cases = plan_repo_live_cases(platform, LIVE_CRITERIA, [ENV], LAMBDA, PER_REPO_LIVE)
    reads = planned_reads(platform, [(c.criterion, c.env, c.function) for c in cases])
    calls = Counter({operation: int(count) for operation, count in CALL.findall(result.stdout)})
    assert sum(calls.values()) == len(reads), result.stdout[-3000:]
    assert set(calls) == {f"{service}:{operation}" for _, service, operation in reads}
    assert f"\n{len(reads)} AWS calls, 0 retries\n" in result.stdout
    everything = planned_reads(platform, [(c.criterion, c.env, c.function) for c in live_cases(platform)])
    assert len(reads) < len(everything) and "dynamodb:DescribeContinuousBackups" not in calls


def test_an_output_the_deployed_state_lacks_fails_naming_file_and_line(
    deployed: Deployment,
    moto_server: str,  # noqa: F811
    fleet: Path,
    tmp_path: Path,
) -> None:
    clone = tmp_path / "checkout"
    shutil.copytree(fleet / LAMBDA, clone, symlinks=True)
    data = clone / "terraform" / "data.tf"
    text = data.read_text(encoding="utf-8")
    data.write_text(
        text + "\nlocals {\n  extra = data.terraform_remote_state.infrastructure.outputs.no_such_output\n}\n",
        encoding="utf-8",
    )
    result, report = run(tmp_path, clone, moto_server)
    assert result.returncode == 1, result.stdout[-3000:]
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    line = len(text.splitlines()) + 3
    state = deployed.names.state
    assert [(r["criterion"], r["message"]) for r in failed] == [
        (
            CONTRACT,
            f"{LAMBDA}/terraform/data.tf:{line}: {CONTRACT}: expected an output of the {ENV} infrastructure state "
            f"({state}), found 'no_such_output' (get_object → outputs)",
        )
    ]


def test_the_state_object_missing_is_reported_by_the_repo_s_own_case(
    served: Deployment,  # noqa: F811
    moto_server: str,  # noqa: F811
    fleet: Path,
    tmp_path: Path,
) -> None:
    """Its owner (INF-STATE-OUTPUTS) is the infrastructure's and not run here: the contract says it, not a skip."""
    served.client("s3").delete_object(Bucket=served.names.state_bucket, Key=served.names.state_key)
    clone = tmp_path / "checkout"
    shutil.copytree(fleet / LAMBDA, clone, symlinks=True)
    result, report = run(tmp_path, clone, moto_server)
    assert result.returncode == 1
    contract = [r for r in report["results"] if r["criterion"] == CONTRACT]
    assert [r["outcome"] for r in contract] == ["failed"]
    assert contract[0]["message"].startswith(f"{served.names.state}: {CONTRACT}: ")
    assert not any("reported once under INF-" in r["message"] for r in report["results"])
