"""Every file of the requirement's trees is in each generated repo, with real content."""

from __future__ import annotations

from pathlib import Path

from conformance.criteria.layout import infrastructure_layout, lambda_layout


def test_infrastructure_repo_has_every_required_file(fleet: Path, platform) -> None:
    repo = fleet / platform.infrastructure.repo
    missing = [p for p in infrastructure_layout(platform) if not (repo / p).is_file()]
    assert missing == []


def test_lambda_repo_has_exactly_its_kind_specific_files(fleet: Path, platform, lambda_name: str) -> None:
    function = platform.function(lambda_name)
    repo = fleet / platform.lambda_repo(function)
    required, forbidden = lambda_layout(function, platform)
    assert [p for p in required if not (repo / p).is_file()] == []
    assert [p for p in forbidden if (repo / p).exists()] == []


def test_no_file_is_an_empty_placeholder(fleet: Path, repo_name: str) -> None:
    repo = fleet / repo_name
    files = [p for p in repo.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo).parts]
    empty = [
        str(p.relative_to(repo)) for p in files if p.name != "__init__.py" and not p.read_text(encoding="utf-8").strip()
    ]
    placeholders = [
        str(p.relative_to(repo))
        for p in files
        if any(word in p.read_text(encoding="utf-8") for word in ("TODO", "FIXME", "placeholder", "{{", "{%"))
        and p.suffix in {".tf", ".py", ".md", ".txt", ".ini"}
    ]
    assert empty == []
    assert placeholders == []
