"""Repositories on another host are read through testinfra's host, with the same verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import testinfra

from conformance.catalogue import CRITERIA
from conformance.evidence.files import HostFiles
from conformance.evidence.fleet import FleetEvidence
from conformance.runner import plan_cases, run_case


def verdicts(evidence: FleetEvidence, platform) -> dict[str, str]:
    cases = plan_cases(platform, CRITERIA, ["dev", "prod"])
    return {case.id: run_case(case, evidence).status for case in cases}


def test_reads_through_a_testinfra_host_give_the_same_verdicts(fleet: Path, platform, tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(fleet, root, symlinks=True)
    (root / platform.infrastructure.repo / "README.md").write_text("", encoding="utf-8")  # one real failure
    host = testinfra.get_host("local://")
    remote = FleetEvidence(root, platform, {"terraform": "auto"}, HostFiles(host, str(root)))
    local = FleetEvidence(root, platform, {"terraform": "off"})
    through_host, direct = verdicts(remote, platform), verdicts(local, platform)
    terraform_cli = ("TF-FMT", "TF-VALIDATE")
    assert {k: v for k, v in through_host.items() if not k.startswith(terraform_cli)} == {
        k: v for k, v in direct.items() if not k.startswith(terraform_cli)
    }
    assert through_host[f"REPO-DOCS[{platform.infrastructure.repo}]"] == "failed"
    tf = [v for k, v in through_host.items() if k.startswith(terraform_cli)]
    assert tf and set(tf) == {"skipped"}, "terraform cannot run on a checkout read through another host"
