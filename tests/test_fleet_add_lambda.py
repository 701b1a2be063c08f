"""`fleet add-lambda`: the ninth Lambda recorded in the spec, its repository rendered, the infrastructure's
part brought on a branch; then the static suite covers the nine repositories with no failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance.fleet.spec_edit import insert_function
from conformance.paths import DEFAULT_PLATFORM
from conformance.platform.model import LambdaFunction
from tests.fleet_kit import clean_env, conformance, git, make_kit, render_fleet

ADD = ("fleet", "add-lambda", "search_products", "--kind", "api", "--method", "GET", "--path", "/products/search")


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("grow")
    kit, origin = make_kit(root)
    fleet = root / "fleet"
    render_fleet(kit, fleet)
    spec = kit / "infra" / "platform.yaml"
    before = spec.read_text(encoding="utf-8")
    head = git(kit, "rev-parse", "HEAD")
    result = conformance(*ADD, "--operation", "list", "--spec", str(spec), "--repos-root", str(fleet))
    return {
        "kit": kit,
        "origin": origin,
        "fleet": fleet,
        "spec": spec,
        "before": before,
        "head": head,
        "result": result,
    }


def test_the_spec_gains_one_line_and_the_kit_a_commit(grown) -> None:
    result, kit, spec = grown["result"], grown["kit"], grown["spec"]
    assert result.returncode == 0, result.stdout + result.stderr
    added = spec.read_text(encoding="utf-8")
    new_line = (
        "    - {name: search_products, kind: api, http_method: GET, path: /products/search, operation: list, "
        "dynamodb: true}\n"
    )
    assert added == grown["before"].replace(
        "    - {name: audit_logger, kind: sqs, operation: audit, dynamodb: false, queue: audit_queue}\n",
        "    - {name: audit_logger, kind: sqs, operation: audit, dynamodb: false, queue: audit_queue}\n" + new_line,
    )
    commit = git(kit, "rev-parse", "HEAD")
    assert git(kit, "rev-parse", "HEAD~1") == grown["head"]
    assert git(kit, "show", "--name-only", "--format=", "HEAD").splitlines() == [
        "cookiecutters/infrastructure/cookiecutter.json",
        "cookiecutters/lambda/cookiecutter.json",
        "infra/platform.yaml",
    ]
    assert git(kit, "status", "--porcelain") == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"infra/platform.yaml: added search_products; kit commit {commit[:12]} ")
    assert lines[1] == f"created 2_1_bbws_search_products in {grown['fleet']}"
    assert lines[2].startswith(f"2_1_bbws_product_infrastructure: updated on branch kit-update/{commit[:12]}: ")
    assert (
        lines[3] == f"push kit commit {commit[:12]} to {grown['origin']}: until then `cruft check` and "
        "`fleet status` cannot see it"
    )


def test_the_infrastructure_branch_brings_the_role_and_the_path(grown) -> None:
    infrastructure = grown["fleet"] / "2_1_bbws_product_infrastructure"
    branch = f"kit-update/{git(grown['kit'], 'rev-parse', 'HEAD')[:12]}"
    changed = git(infrastructure, "diff", "--name-only", f"main..{branch}").splitlines()
    assert {"terraform/iam.tf", "terraform/api_gateway.tf", ".cruft.json"} <= set(changed)
    diff = git(infrastructure, "diff", f"main..{branch}", "--", "terraform")
    assert "search-products" in diff and "search" in diff
    assert git(infrastructure, "branch", "--show-current") == "main"


def test_the_suite_covers_the_ninth_repo_with_no_failure(grown) -> None:
    fleet, kit = grown["fleet"], grown["kit"]
    origin = str(grown["origin"])
    unpushed = conformance("fleet", "status", "--repos-root", str(fleet), "--kit", origin).stdout
    assert "2_1_bbws_search_products: error: " in unpushed and "(not pushed yet? pass --kit DIR)" in unpushed
    local = conformance("fleet", "status", "--repos-root", str(fleet), "--kit", str(kit)).stdout
    assert "2_1_bbws_search_products: up to date (" in local
    git(kit, "push", "--quiet", "origin", "main")
    infrastructure = fleet / "2_1_bbws_product_infrastructure"
    git(infrastructure, "checkout", "--quiet", f"kit-update/{git(kit, 'rev-parse', 'HEAD')[:12]}")
    status = conformance("fleet", "status", "--repos-root", str(fleet), "--kit", origin).stdout.splitlines()
    assert status[-1].startswith("2 of 9 ") and any(
        line.startswith("2_1_bbws_search_products: up to date") for line in status
    ), status
    report = grown["fleet"].parent / "static.json"
    suite = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "conformance",
            "-m",
            "static",
            "-p",
            "no:cacheprovider",
            "--repos-root",
            str(fleet),
            "--platform",
            str(grown["spec"]),
            "--terraform",
            "off",
            "--conformance-json",
            str(report),
            "-q",
            # The suite running here is this checkout, not the test's clone of the kit that rendered the
            # fleet: FLEET-TEMPLATE-CURRENT would compare with the wrong kit (tests/test_fleet_status.py).
            "-k",
            "not FLEET-TEMPLATE-CURRENT",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        cwd=grown["fleet"].parent,
        timeout=600,
    )
    assert suite.returncode == 0, suite.stdout[-3000:]
    results = json.loads(report.read_text(encoding="utf-8"))
    results = results["results"] if isinstance(results, dict) else results
    repos = {r["repo"] for r in results}
    assert "2_1_bbws_search_products" in repos and len(repos) == 9
    assert not [r for r in results if r["outcome"] == "failed"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            (
                "fleet",
                "add-lambda",
                "get_product",
                "--kind",
                "api",
                "--method",
                "PATCH",
                "--path",
                "/products/{id}",
                "--operation",
                "update",
            ),
            "lambdas.functions: expected a new Lambda name, found 'get_product' already",
        ),
        (
            ("fleet", "add-lambda", "find_products", "--kind", "api", "--method", "GET", "--path", "/products"),
            "lambdas.functions: expected one Lambda per API method and path, found GET /products twice",
        ),
        (
            ("fleet", "add-lambda", "find_product", "--kind", "api", "--method", "GET", "--path", "/products/{name}/x"),
            "lambdas.functions: expected one path parameter under /products, found {id} and {name}",
        ),
    ],
    ids=["name-taken", "route-taken", "parameter-clash"],
)
def test_a_lambda_the_spec_refuses_writes_nothing(grown, args, expected: str) -> None:
    spec, kit = grown["spec"], grown["kit"]
    before, head = spec.read_text(encoding="utf-8"), git(kit, "rev-parse", "HEAD")
    result = conformance(*args, "--spec", str(spec), "--repos-root", str(grown["fleet"]))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {spec}: {expected}", result.stderr
    assert spec.read_text(encoding="utf-8") == before and git(kit, "rev-parse", "HEAD") == head
    assert not [p for p in spec.parent.iterdir() if p.name.startswith(".")]


def test_a_dirty_infrastructure_repo_is_refused_before_anything_is_written(grown) -> None:
    spec, kit, fleet = grown["spec"], grown["kit"], grown["fleet"]
    before, head = spec.read_text(encoding="utf-8"), git(kit, "rev-parse", "HEAD")
    note = fleet / "2_1_bbws_product_infrastructure" / "notes.txt"
    note.write_text("work in progress\n", encoding="utf-8")
    try:
        result = conformance(
            "fleet",
            "add-lambda",
            "price_watcher",
            "--kind",
            "api",
            "--method",
            "GET",
            "--path",
            "/prices",
            "--spec",
            str(spec),
            "--repos-root",
            str(fleet),
        )
    finally:
        note.unlink()
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: {note.parent}: uncommitted changes (notes.txt); commit them first")
    assert spec.read_text(encoding="utf-8") == before and git(kit, "rev-parse", "HEAD") == head
    assert not (fleet / "2_1_bbws_price_watcher").exists()


def test_a_spec_outside_a_kit_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(DEFAULT_PLATFORM.read_text(encoding="utf-8"), encoding="utf-8")
    result = conformance(*ADD, "--spec", str(spec), "--repos-root", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {spec}: expected the spec of a kit checkout (<kit>/infra/platform.yaml), found another file"
    )


def test_block_style_lists_get_a_block_entry_and_comments_stay() -> None:
    text = (
        "lambdas:\n  functions:\n    # the first\n    - name: a\n      kind: sqs  # why\n      operation: audit\n"
        "      dynamodb: false\n# the end\nother: 1\n"
    )
    function = LambdaFunction(name="b", kind="api", operation="get", dynamodb=True, http_method="GET", path="/x/{id}")
    result = insert_function(text, function, "spec")
    assert result == text.replace(
        "      dynamodb: false\n",
        "      dynamodb: false\n    - name: b\n      kind: api\n      http_method: GET\n      path: /x/{id}\n"
        "      operation: get\n      dynamodb: true\n",
    )
    assert yaml.safe_load(result)["lambdas"]["functions"][1]["path"] == "/x/{id}"


def test_an_event_driven_lambda_without_a_queue_of_its_own_is_refused(grown) -> None:
    """Each consumer reads a queue of its own (the fan-out); both are taken, so the spec refuses a third."""
    spec, kit, fleet = grown["spec"], grown["kit"], grown["fleet"]
    before, head = spec.read_text(encoding="utf-8"), git(kit, "rev-parse", "HEAD")
    result = conformance(
        "fleet", "add-lambda", "price_watcher", "--kind", "sqs", "--operation", "audit", "--dynamodb", "no",
        "--spec", str(spec), "--repos-root", str(fleet),
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "price_watcher: expected a queue of its own, found 'queue' read by product_creator" in line, line
    assert spec.read_text(encoding="utf-8") == before and git(kit, "rev-parse", "HEAD") == head
    assert not (fleet / "2_1_bbws_price_watcher").exists()
