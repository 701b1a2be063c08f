"""scripts/generate_repos.py: renders the fleet, one line per repo, atomic and careful."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance.paths import DEFAULT_PLATFORM, PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "generate_repos.py"


def generate(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(home)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False, timeout=300
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def test_every_repo_is_a_git_repo_with_one_clean_commit(fleet: Path, repo_name: str) -> None:
    repo = fleet / repo_name
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "branch", "--show-current").strip() == "main"


def test_the_fleet_folder_holds_exactly_the_spec_repos(fleet: Path, platform) -> None:
    assert sorted(p.name for p in fleet.iterdir()) == sorted(platform.repo_names)


def test_answers_are_recorded_for_re_rendering(fleet: Path, platform) -> None:
    import json

    function = platform.lambdas.functions[1]
    record = json.loads((fleet / platform.lambda_repo(function) / ".cruft.json").read_text(encoding="utf-8"))
    answers = record["context"]["cookiecutter"]
    assert record["directory"] == "cookiecutters/lambda"
    assert (answers["lambda_name"], answers["kind"], answers["path"]) == (function.name, "api", function.path)
    assert "_output_dir" not in answers and "_repo_dir" not in answers


def test_cli_prints_one_line_per_repo_and_leaves_home_alone(tmp_path: Path, platform) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = generate("--output", str(tmp_path / "out"), "--only", "get_product", "audit_logger", home=home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["2_1_bbws_get_product", "2_1_bbws_audit_logger"]
    assert lines[-1].startswith("2 of 2 repositories written")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2_1_bbws_audit_logger", "2_1_bbws_get_product"]
    assert list(home.iterdir()) == [], "generation wrote outside its output folder"


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = generate("--output", str(out), "--only", "get_product", home=tmp_path)
    assert first.returncode == 0, first.stderr
    marker = out / "2_1_bbws_get_product" / "local-change.txt"
    marker.write_text("mine", encoding="utf-8")
    again = generate("--output", str(out), "--only", "get_product", home=tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip() == f"error: {out / '2_1_bbws_get_product'}: already exists; pass --force to replace it"
    assert marker.exists()
    forced = generate("--output", str(out), "--only", "get_product", "--force", home=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert not marker.exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "scratch folders left behind"


def test_bad_spec_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_PLATFORM.read_text(encoding="utf-8"))
    data["environments"]["sit"]["account_id"] = "81585663611"
    spec = tmp_path / "platform.yaml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = generate("--output", str(tmp_path / "out"), "--platform", str(spec), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {spec}: environments.sit.account_id: expected a 12-digit AWS account id, found '81585663611'"
    )
    assert not (tmp_path / "out").exists()


def test_unknown_only_name_is_refused(tmp_path: Path) -> None:
    result = generate("--output", str(tmp_path / "out"), "--only", "search_products", home=tmp_path)
    assert result.returncode == 2
    assert "--only: expected one of 2_1_bbws_product_infrastructure" in result.stderr
    assert "found 'search_products'" in result.stderr


def test_a_bigger_spec_renders_its_extra_lambdas_and_envs(tmp_path: Path) -> None:
    """The templates follow the spec: a fourth env and a ninth Lambda need no template change."""
    data = yaml.safe_load(DEFAULT_PLATFORM.read_text(encoding="utf-8"))
    data["environments"]["qa"] = {"region": "eu-central-1", "account_id": "123456789012", "log_retention_days": 7}
    data["lambdas"]["functions"].append(
        {
            "name": "search_products",
            "kind": "api",
            "http_method": "GET",
            "path": "/products/search",
            "operation": "list",
            "dynamodb": True,
        }
    )
    spec = tmp_path / "platform.yaml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = generate(
        "--output",
        str(out),
        "--platform",
        str(spec),
        "--only",
        "search_products",
        "2_1_bbws_product_infrastructure",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    repo = out / "2_1_bbws_search_products"
    assert (repo / "terraform/environments/qa.tfvars").read_text(encoding="utf-8").count("eu-central-1") == 1
    assert (repo / ".github/workflows/deploy-qa.yml").is_file()
    infra = (out / "2_1_bbws_product_infrastructure" / "terraform" / "iam.tf").read_text(encoding="utf-8")
    assert "bbws-search-products-role-${var.environment}" in infra
    assert "/products/search" in (out / "2_1_bbws_product_infrastructure/terraform/api_gateway.tf").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("flag", ["--help"])
def test_help(flag: str, tmp_path: Path) -> None:
    result = generate(flag, home=tmp_path)
    assert result.returncode == 0 and "--output" in result.stdout
