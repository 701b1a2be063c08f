"""The live half through the real pytest plugin, in a subprocess, against a moto server.

The server (ThreadedMotoServer on 127.0.0.1, a free port) answers as the spec's dev account; the
resources are created in it with boto3. Nothing here runs `mock_aws`: in-process moto and a
server in one process share their state.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.request import Request, urlopen

import boto3
import pytest
from moto.server import ThreadedMotoServer

from conformance.live.permissions import planned_reads
from conformance.platform import Platform
from conformance.suite_command import suite_command
from tests.live.conftest import ENV, isolate_from_real_aws, live_cases
from tests.live.deploy import Deployment, deploy


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch, platform: Platform) -> Iterator[str]:
    isolate_from_real_aws(monkeypatch)  # the subprocesses inherit this: no credentials, no endpoint
    monkeypatch.setenv("MOTO_ACCOUNT_ID", platform.environments[ENV].account_id)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    urlopen(Request(f"{url}/moto-api/reset", method="POST")).close()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def served(moto_server: str, platform: Platform) -> Deployment:
    writer = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return deploy(platform, ENV, writer, endpoint_url=moto_server)


def conformance(tmp_path: Path, root: Path, *args: str, env: dict[str, str] | None = None):
    report, summary = tmp_path / "report.json", tmp_path / "summary.md"
    result = subprocess.run(
        suite_command(root, envs=[ENV], json_report=report, markdown_report=summary, extra=args),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=600,
        env=env,
    )
    document = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return result, document, summary.read_text(encoding="utf-8") if summary.exists() else ""


def test_the_live_plugin_passes_on_a_conformant_deployment_and_counts_its_calls(
    served: Deployment, moto_server: str, platform: Platform, tmp_path: Path
) -> None:
    result, report, _ = conformance(tmp_path, tmp_path, "-m", "live", "--endpoint-url", moto_server, "-v")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    cases = live_cases(platform)
    assert report["summary"]["passed"] == len(cases) and report["summary"]["failed"] == 0
    assert {r["source"] for r in report["results"]} == {"live"}
    assert all(r["drift"] == [] for r in report["results"])
    calls = len(planned_reads(platform, [(c.criterion, c.env, c.function) for c in cases]))
    assert "conformance: AWS calls" in result.stdout
    assert f"\n{calls} AWS calls, 0 retries\n" in result.stdout
    assert re.search(r"^sts:GetCallerIdentity +1$", result.stdout, re.MULTILINE)
    assert re.search(rf"^iam:GetRole +{len(platform.lambdas.functions) + 1}$", result.stdout, re.MULTILINE)


def test_a_drift_fails_through_the_plugin_with_its_data_in_the_reports(
    served: Deployment, moto_server: str, platform: Platform, tmp_path: Path
) -> None:
    served.client("dynamodb").update_continuous_backups(
        TableName=served.names.table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    result, report, summary = conformance(tmp_path, tmp_path, "-m", "live", "--endpoint-url", moto_server)
    assert result.returncode == 1
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    call = "describe_continuous_backups → PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"
    line = f"{served.names.table}: INF-DDB-PITR: expected ENABLED, found DISABLED ({call})"
    assert [(r["criterion"], r["source"], r["message"]) for r in failed] == [("INF-DDB-PITR", "live", line)]
    assert failed[0]["drift"] == [
        {"resource": served.names.table, "expected": "ENABLED", "found": "DISABLED", "call": call}
    ]
    assert "| `INF-DDB-PITR` (live) DynamoDB point-in-time recovery enabled |" in summary
    assert f"- **INF-DDB-PITR** (live) {platform.infrastructure.repo} ({ENV}): `{line}`" in summary
    # The drift table: criterion, env, resource, expected, found and the AWS call, one row per value.
    row = f"| `INF-DDB-PITR` | {ENV} | `{served.names.table}` | ENABLED | DISABLED | `{call}` |"
    assert "### Drift" in summary and summary.count(row) == 1, summary
    assert result.stdout.count("FAILED") == 1 and "Traceback" not in result.stdout


def test_static_and_live_run_together_with_aws_endpoint_url(
    served: Deployment, moto_server: str, fleet: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_server}  # boto3's own variable, no option needed
    result, report, summary = conformance(tmp_path, fleet, "-m", "static or live", "--terraform", "off", env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert {r["source"] for r in report["results"]} == {"static", "live"}
    assert report["summary"]["failed"] == 0
    assert "| `INF-DDB-PITR` DynamoDB point-in-time recovery enabled |" in summary
    assert "| `INF-DDB-PITR` (live) DynamoDB point-in-time recovery enabled |" in summary


def test_without_credentials_or_endpoint_the_live_cases_fail_with_one_line(
    monkeypatch: pytest.MonkeyPatch, platform: Platform, tmp_path: Path
) -> None:
    isolate_from_real_aws(monkeypatch)
    result, report, _ = conformance(tmp_path, tmp_path, "-m", "live")
    assert result.returncode == 1
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    assert [r["criterion"] for r in failed] == ["LIVE-ACCOUNT"]
    assert failed[0]["message"].startswith(f"{ENV}: LIVE-ACCOUNT: no AWS credentials found")
    assert "\n" not in failed[0]["message"]
    assert report["summary"]["skipped"] == len(live_cases(platform)) - 1
    assert result.stdout.count("FAILED") == 1 and "Traceback" not in result.stdout + result.stderr


def test_the_static_run_never_touches_aws(monkeypatch: pytest.MonkeyPatch, fleet: Path, tmp_path: Path) -> None:
    isolate_from_real_aws(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # would fail any AWS call
    result, report, _ = conformance(tmp_path, fleet, "-m", "static", "--terraform", "off")
    assert result.returncode == 0, result.stdout[-3000:]
    assert {r["source"] for r in report["results"]} == {"static"}
