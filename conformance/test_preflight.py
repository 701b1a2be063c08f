"""Preflight: the machine that will run `terraform apply` can deploy every repository.

Runs through pytest-testinfra's `host`, so `--hosts ssh://runner` checks a remote CI runner
exactly as the default local host is checked.
"""

from __future__ import annotations

import pytest

from conformance.versions import parse_version, satisfies


def required_versions(evidence) -> dict[str, str]:
    """Repository -> its terraform required_version (evaluated), for the repos that exist."""
    from conformance.evidence.evaluate import Evaluator, Scope, Unresolvable

    found = {}
    for repo in evidence.platform.repo_names:
        if not evidence.exists(repo):
            continue
        for block in evidence.module(repo).of_type("terraform"):
            attribute = block.body.attributes.get("required_version")
            if attribute is not None:
                try:
                    found[f"{repo}/{attribute.location.file.split('/', 1)[1]}:{attribute.location.line}"] = Evaluator(
                        Scope({}, {})
                    ).attribute(attribute)
                except Unresolvable as error:
                    found[str(attribute.location)] = str(error)
    return found


@pytest.mark.preflight
def test_terraform_satisfies_every_required_version(host, conformance_evidence) -> None:
    result = host.run("terraform version")
    if result.rc != 0:
        pytest.fail(f"PRE-TERRAFORM: expected terraform on {host.backend.get_pytest_id()}, found none", pytrace=False)
    version = parse_version(result.stdout)
    wanted = required_versions(conformance_evidence)
    assert wanted, "no repository states a required_version"
    unmet = [
        f"{where}: PRE-TERRAFORM: expected {c}, found {'.'.join(map(str, version))}"
        for where, c in wanted.items()
        if not satisfies(version, c)
    ]
    if unmet:
        pytest.fail("\n".join(unmet), pytrace=False)


@pytest.mark.preflight
def test_git_is_installed(host) -> None:
    if not host.exists("git"):
        pytest.fail(f"PRE-GIT: expected git on {host.backend.get_pytest_id()}, found none", pytrace=False)
