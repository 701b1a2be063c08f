"""The suite's results as SARIF 2.1.0, for GitHub code scanning: a rule per criterion, a result per problem.

Plain functions over the result dicts the plugin's reporter collects (`criterion`, `title`, `repo`,
`env`, `outcome`, `message`, `source`, `profile`). A failed case's message holds one line per
problem, `repo/path:line: ID: expected X, found Y`; each line becomes a result at that file and line,
its path relative to the repository (`uriBaseId` names the repository, which `originalUriBaseIds`
places under SRCROOT, the folder the suite checked). A live problem names a deployed resource, not a
file: it is placed at its repository's root, with the resource as a logical location. A run of one
repository (`--repo DIR`) checked that repository's own folder: its base is SRCROOT itself, so the
log uploaded from that checkout places each result at the repository's own path.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL = "bbws-conformance"
SRCROOT = "SRCROOT"
FAILED = ("failed", "error")
# `repo/path:line: ID: text`, `repo/path: ID: text` or `repo: ID: text` (a line of a failed case's message).
PROBLEM = re.compile(
    r"^(?P<repo>[^/:\s]+)(?:/(?P<path>[^:]+?))?(?::(?P<line>\d+))?"
    r": (?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+): (?P<text>.*)$"
)


def catalogue_rules() -> dict[str, dict[str, str]]:
    """Every criterion of the catalogue: its title, requirement text and profile."""
    from conformance.catalogue import ALL_CRITERIA

    return {
        c.id: {"title": c.title, "requirement": c.requirement.value, "profile": c.profile.value} for c in ALL_CRITERIA
    }


def _rule(criterion: str, facts: Mapping[str, str | None]) -> dict[str, Any]:
    title = facts.get("title") or criterion
    requirement = facts.get("requirement") or title
    return {
        "id": criterion,
        "name": "".join(part.capitalize() for part in criterion.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": requirement},
        "help": {"text": f"{title}. Requirement: {requirement}."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"profile": facts.get("profile") or "requirement", "requirement": requirement},
    }


def _location(repo: str, path: str | None, line: str | None, resource: str | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": path or ".", "uriBaseId": repo}}
    if path and line:
        physical["region"] = {"startLine": max(int(line), 1)}
    location: dict[str, Any] = {"physicalLocation": physical}
    if resource:
        location["logicalLocations"] = [{"name": resource, "kind": "resource"}]
    return location


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _results_of(case: Mapping[str, Any], rule_index: int) -> list[dict[str, Any]]:
    """One SARIF result per line of a failed case's message (a line that names no file: at the repository)."""
    found = []
    for text in str(case.get("message") or "").splitlines() or [f"{case['criterion']} failed"]:
        match = PROBLEM.match(text)
        live = case.get("source") == "live"
        if match and not live:
            location = _location(match["repo"], match["path"], match["line"], None)
        else:
            resource = match["repo"] if match else None
            location = _location(case["repo"], None, None, resource if live else None)
        found.append(
            {
                "ruleId": case["criterion"],
                "ruleIndex": rule_index,
                "level": "error",
                "message": {"text": text.strip() or f"{case['criterion']} failed"},
                "locations": [location],
                "partialFingerprints": {
                    "bbwsConformance/v1": _fingerprint(case["criterion"], case["repo"], case.get("env"), text)
                },
                "properties": {k: case.get(k) for k in ("repo", "env", "source", "profile", "outcome")},
            }
        )
    return found


def sarif_log(
    results: Iterable[Mapping[str, Any]],
    rules: Mapping[str, Mapping[str, str | None]] | None = None,
    version: str | None = None,
    single_repo: bool = False,
    incomplete: str | None = None,
) -> dict[str, Any]:
    """The SARIF log of one suite run; `rules` defaults to the catalogue (a rule for every criterion).
    `single_repo`: SRCROOT is the one repository checked (`--repo`), not the folder holding the fleet.
    `incomplete`: why the run is no verdict (interrupted, stopped early): an unsuccessful invocation says so.
    """
    results = list(results)
    known = dict(catalogue_rules() if rules is None else rules)
    for case in results:  # a criterion the rules do not know still gets a rule, from what the result says
        known.setdefault(case["criterion"], {"title": case.get("title"), "profile": case.get("profile")})
    order = list(known)
    sarif_results = []
    for case in results:
        if case.get("outcome") in FAILED:
            sarif_results += _results_of(case, order.index(case["criterion"]))
    repos = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] for r in sarif_results})
    driver: dict[str, Any] = {"name": TOOL, "rules": [_rule(c, known[c]) for c in order]}
    if version:
        driver["version"] = version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {
            repo: {"uri": "./" if single_repo else f"{repo}/", "uriBaseId": SRCROOT} for repo in repos
        },
        "results": sarif_results,
        "columnKind": "unicodeCodePoints",
    }
    if incomplete is not None:
        notice = {"level": "error", "message": {"text": f"INCOMPLETE, not a verdict: {incomplete}"}}
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": [notice]}]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(
    path: Path,
    results: Iterable[Mapping[str, Any]],
    version: str | None = None,
    single_repo: bool = False,
    incomplete: str | None = None,
) -> None:
    """Write the SARIF log of `results` to `path` (what `--conformance-sarif FILE` does)."""
    if version is None:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as installed

        try:
            version = installed(TOOL)
        except PackageNotFoundError:
            version = None
    path.parent.mkdir(parents=True, exist_ok=True)
    log = sarif_log(results, version=version, single_repo=single_repo, incomplete=incomplete)
    path.write_text(json.dumps(log, indent=2) + "\n", encoding="utf-8")
