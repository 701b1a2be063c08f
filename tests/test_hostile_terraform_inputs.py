"""Hostile Terraform and source trees: what Terraform would read but the suite cannot judge is named, never passed.

- a `module` whose source leads out of the repository (an absolute path, `../` climbing out, a
  link): TF-PARSE names it at its line, the checks that look for resources cannot pass, and the
  folder is never handed to terraform (it would copy the module and print it into the report);
- `*.tf.json` and override files: Terraform reads (and merges) them, the suite does not: TF-PARSE
  names each (a JSON file that does not parse, at its line);
- a file under src/ that cannot be read fails LAMBDA-HANDLER and REPO-FILES-SAFE;
- an HCL file over the HCL size limit is refused before python-hcl2 spends minutes on it;
- control characters of a file name never reach a failure message raw.

Every fixture is built in tmp_path; the "outside" is a folder beside the fleet holding the secret.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.catalogue import CRITERIA
from conformance.core import Problem
from conformance.evidence.files import HCL_MAX_BYTES, megabytes
from conformance.evidence.fleet import NOT_MERGED, FleetEvidence, is_override
from conformance.evidence.module_source import leaves_repository
from conformance.platform import Platform
from conformance.runner import plan_cases, run_case
from conformance.sandbox.overrides import REMOTE_STATE_OVERRIDE
from tests import test_hostile_evidence as hostile
from tests.test_hostile_evidence import SECRET, bounded, deadline, outcomes

hostile_fleet = hostile.hostile_fleet  # the fixture: a copy of the generated fleet, edited, beside a secret

PAB_OPEN = """resource "aws_s3_bucket_public_access_block" "p" {
  bucket                  = "%s"
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}
variable "x" {
  default = "%s"
}
"""


def outside_module(outside: Path, bucket: str) -> Path:
    """A module beside the fleet that opens the audit bucket (and holds the secret)."""
    folder = outside / "mod"
    folder.mkdir(exist_ok=True)
    (folder / "main.tf").write_text(PAB_OPEN % (bucket, SECRET), encoding="utf-8")
    return folder


def call_module(repo: Path, source: str) -> int:
    """Append `module "outside" { source = ... }` to s3.tf; the line of its source."""
    s3 = repo / "terraform" / "s3.tf"
    text = s3.read_text(encoding="utf-8")
    s3.write_text(text + f'\nmodule "outside" {{\n  source = "{source}"\n}}\n', encoding="utf-8")
    return text.count("\n") + 3


def audit_bucket(platform: Platform) -> str:
    return platform.names("dev").audit_bucket


# how the source is written -> (the source, how the failure says it leaves)
SOURCES: dict[str, tuple[Callable[[Path, Path], str], str]] = {
    "absolute": (lambda repo, mod: str(mod), "an absolute path"),
    "climbing": (lambda repo, mod: os.path.relpath(mod, repo / "terraform"), "a relative path climbing out of it"),
    "file URL": (lambda repo, mod: f"file://{mod}", "a file URL on this machine"),
    "git getter": (lambda repo, mod: f"git::file://{mod}", "a file URL on this machine"),
    "forced getter": (lambda repo, mod: f"git::{mod}", "an absolute path"),
    "link": (
        lambda repo, mod: (repo / "shared").symlink_to(mod) or "../shared",
        "is a link leaving the repos root",
    ),
}


@pytest.mark.parametrize("how", SOURCES, ids=str)
def test_a_module_outside_the_repository_fails_tf_parse_and_every_resource_check(
    how: str, hostile_fleet, platform: Platform
) -> None:
    repo = platform.infrastructure.repo
    seen: dict[str, object] = {}

    def edit(path: Path, outside: Path) -> None:
        source = SOURCES[how][0](path, outside_module(outside, audit_bucket(platform)))
        seen.update(source=source, line=call_module(path, source))

    root = hostile_fleet(edit)
    results = outcomes(root, platform, repo=repo)
    parse = results[("TF-PARSE", repo, None)]
    expected = (
        f"{repo}/terraform/s3.tf:{seen['line']}: TF-PARSE: module source leaves the repository: "
        f"expected a path inside {repo}, found {seen['source']!r} ({SOURCES[how][1]})"
    )
    assert parse.status == "failed" and parse.message == expected, parse.message
    # The audit bucket's public access block cannot be judged: the module may weaken it.
    public = results[("INF-S3-PUBLIC-ACCESS", repo, "dev")]
    assert public.status == "failed" and "module source leaves the repository" in public.message
    assert "cannot evaluate" in public.message
    assert not [k for k, o in results.items() if SECRET in o.message]
    evidence = FleetEvidence(root, platform, {"terraform": "off"})
    assert evidence.local_path(repo) is None  # never handed to terraform
    assert evidence.local_path(platform.lambda_repo(platform.lambdas.functions[0])) is not None


def test_terraform_never_reads_a_module_outside_the_repository(
    hostile_fleet, platform: Platform, terraform_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`terraform init` would copy it and `validate` print it (the secret) into the report: not run."""
    for name, value in terraform_env.items():
        monkeypatch.setenv(name, value)
    repo = platform.infrastructure.repo
    root = hostile_fleet(lambda path, out: call_module(path, str(outside_module(out, audit_bucket(platform)))))
    evidence = FleetEvidence(root, platform, {"terraform": "require"})
    for case in plan_cases(platform, [c for c in CRITERIA if c.id in ("TF-FMT", "TF-VALIDATE")], ["dev"]):
        if case.repo == repo:
            with deadline(120):
                outcome = run_case(case, evidence)
            assert outcome == type(outcome)(
                "skipped", "a module source leaves the repository (TF-PARSE names it): not run"
            ), outcome
    assert not list(root.rglob(".terraform"))


def test_modules_inside_the_repository_and_remote_sources_are_not_refused(hostile_fleet, platform: Platform) -> None:
    """The control: a local module inside the repository is read (and judged), a registry one is not local."""
    repo = platform.infrastructure.repo

    def edit(path: Path, _: Path) -> None:
        (path / "terraform" / "modules" / "open").mkdir(parents=True)
        (path / "terraform" / "modules" / "open" / "main.tf").write_text(
            PAB_OPEN % (audit_bucket(platform), "harmless"), encoding="utf-8"
        )
        call_module(path, "./modules/open")

    results = outcomes(hostile_fleet(edit), platform, repo=repo)
    assert results[("TF-PARSE", repo, None)].status == "passed", results[("TF-PARSE", repo, None)]
    public = results[("INF-S3-PUBLIC-ACCESS", repo, "dev")]
    assert public.status == "failed" and "configured twice" in public.message
    assert "module.outside.aws_s3_bucket_public_access_block.p" in public.message
    for source in ("./modules/x", "../modules/x", "hashicorp/consul/aws", "git::https://example.com/x.git"):
        assert leaves_repository(source, "terraform") is None, source
    assert leaves_repository("../../x", "terraform") == "a relative path climbing out of it"


# -- what Terraform reads that the suite does not ---------------------------------------------------------

WEAKEN_JSON = """{"resource": {"aws_s3_bucket_public_access_block": {"open": {
  "bucket": "${aws_s3_bucket.audit_bucket.id}",
  "block_public_acls": false, "block_public_policy": false,
  "ignore_public_acls": false, "restrict_public_buckets": false}}}}
"""
OVERRIDE = """resource "aws_dynamodb_table" "table" {
  point_in_time_recovery {
    enabled = false
  }
}
"""


@pytest.mark.parametrize(
    "name,text,problem",
    [
        ("weaken.tf.json", WEAKEN_JSON, "weaken.tf.json:1: TF-PARSE: Terraform JSON configuration is not read"),
        (
            "broken.tf.json",
            '{"resource": {"aws_s3_bucket": {"x": ',
            "broken.tf.json:1: TF-PARSE: does not parse: Expecting value (column 38)",
        ),
        (
            "multi.tf.json",
            '{\n  "locals": {\n    "a": ,\n',
            "multi.tf.json:3: TF-PARSE: does not parse: Expecting value",
        ),
        ("weaken_override.tf", OVERRIDE, "weaken_override.tf:1: TF-PARSE: override files are not merged by the suite"),
        ("override.tf", OVERRIDE, "override.tf:1: TF-PARSE: override files are not merged by the suite"),
        ("x_override.tf.json", WEAKEN_JSON, "x_override.tf.json:1: TF-PARSE: override files are not merged"),
        ("modules/q/override.tf", OVERRIDE, "modules/q/override.tf:1: TF-PARSE: override files are not merged"),
    ],
)
def test_files_terraform_reads_but_the_suite_does_not_fail_tf_parse(
    name: str, text: str, problem: str, hostile_fleet, platform: Platform
) -> None:
    repo = platform.infrastructure.repo

    def write(path: Path, _: Path) -> None:
        (path / "terraform" / name).parent.mkdir(parents=True, exist_ok=True)
        (path / "terraform" / name).write_text(text, encoding="utf-8")

    evidence = FleetEvidence(hostile_fleet(write), platform, {"terraform": "off"})
    case = next(c for c in plan_cases(platform, CRITERIA, ["dev"]) if c.id == f"TF-PARSE[{repo}]")
    outcome = run_case(case, evidence)
    assert outcome.status == "failed" and outcome.message.startswith(f"{repo}/terraform/{problem}"), outcome
    assert len(outcome.message.splitlines()) == 1
    if name.endswith("override.tf"):  # not merged into the table: the table itself is still read once
        assert f"{repo}/terraform/{name}" not in evidence.parse_counts


def test_override_file_names_are_those_terraform_merges() -> None:
    merged = ("override.tf", "x_override.tf", "terraform/override.tf.json", "a/b_override.tf.json")
    assert all(is_override(n) for n in merged)
    plain = ("overrides.tf", "x-override.tf", "override.tfvars", "override.hcl", "my_override.tf.bak", "override")
    assert not any(is_override(n) for n in plain)


# -- the handler's source tree --------------------------------------------------------------------------


def test_a_source_file_that_cannot_be_read_fails_the_handler_check(hostile_fleet, platform: Platform) -> None:
    repo = platform.lambda_repo(platform.lambdas.functions[0])

    def edit(path: Path, outside: Path) -> None:
        with (path / "src" / "big.py").open("wb") as out:
            out.truncate(6 * 1024 * 1024)
        with (path / "src" / "handler.py").open("ab") as out:
            out.write(b"\n# \xff\n")
        os.mkfifo(path / "src" / "data.bin")
        (path / "src" / "leak.json").symlink_to(outside / "secret.txt")

    root = hostile_fleet(edit, repo=repo)
    results = outcomes(root, platform, repo=repo)
    lines = (
        f"{repo}/src/big.py:1: {{}}: cannot be read: is larger than the 5 MB limit per file (6 MB)",
        f"{repo}/src/data.bin: {{}}: cannot be read: is a FIFO, not a regular file",
        f"{repo}/src/leak.json: {{}}: cannot be read: is a link leaving the repos root",
    )
    for criterion in ("LAMBDA-HANDLER", "REPO-FILES-SAFE"):
        found = [o for (c, _, _), o in results.items() if c == criterion]
        assert found and all(o.status == "failed" for o in found), found
        for outcome in found:
            for line in lines:
                assert line.format(criterion) in outcome.message.splitlines(), outcome.message
            assert f"{repo}/src/handler.py:" in outcome.message and "is not UTF-8 (byte 0xff" in outcome.message
    assert not [k for k, o in results.items() if SECRET in o.message]


# -- the cost of HCL ------------------------------------------------------------------------------------


def locals_file(size: int) -> str:
    """A `locals` block of about `size` bytes (the shape that cost 77-106 s at 4.98 MB)."""
    lines, total, i = ["locals {\n"], 9, 0
    while total < size - 40:
        line = f'  l{i} = ["xxxxxxxx", {{ a = {i} }}]\n'
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines) + "}\n"


def test_an_hcl_file_over_the_hcl_limit_is_refused_by_tf_parse(hostile_fleet, platform: Platform) -> None:
    repo = platform.infrastructure.repo
    big = locals_file(HCL_MAX_BYTES + 4096)
    root = hostile_fleet(lambda path, _: (path / "terraform" / "big.tf").write_text(big, encoding="utf-8"))
    evidence = FleetEvidence(root, platform, {"terraform": "off"})
    case = next(c for c in plan_cases(platform, CRITERIA, ["dev"]) if c.id == f"TF-PARSE[{repo}]")
    with deadline(30):
        outcome = run_case(case, evidence)
    assert outcome.message == (
        f"{repo}/terraform/big.tf:1: TF-PARSE: cannot be read: is larger than the 0.25 MB limit per file "
        f"({megabytes(len(big))})"
    )
    assert f"{repo}/terraform/big.tf" not in evidence.parse_counts


def test_an_hcl_file_at_the_limit_parses_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """The limit's cost, measured in a child: at most a minute (a few seconds on an idle core), under 1 GB."""
    path = tmp_path / "big.tf"
    path.write_text(locals_file(HCL_MAX_BYTES - 64), encoding="utf-8")
    script = (
        "import sys\nfrom pathlib import Path\nfrom conformance.evidence.hcl import read_hcl, Body\n"
        "print(type(read_hcl(Path(sys.argv[1]), 'big.tf')).__name__)\n"
    )
    result = bounded([sys.executable, "-c", script, str(path)], timeout=60, memory=1024**3)
    assert result.returncode == 0 and result.stdout.strip() == "Body", result.stderr[-2000:]


# -- control characters in file names -------------------------------------------------------------------

HOSTILE_NAME = "x\n::error file=README.md::INJECTED\n## HEADING\x1b[31mRED\u2028.tf"


def test_a_file_name_with_control_characters_never_reaches_a_message_raw(hostile_fleet, platform: Platform) -> None:
    repo = platform.infrastructure.repo
    root = hostile_fleet(lambda path, _: (path / "terraform" / HOSTILE_NAME).write_text("resource {\n"))
    outcome = outcomes(root, platform, repo=repo)[("TF-PARSE", repo, None)]
    assert outcome.message == (
        f"{repo}/terraform/x\\n::error file=README.md::INJECTED\\n## HEADING\\x1b[31mRED\\u2028.tf:2: TF-PARSE: "
        "does not parse: Unexpected token Token('$END', '') at line 2, column 1."
    )


def test_a_message_of_several_lines_never_lets_repository_text_start_a_line() -> None:
    rendered = Problem("r/terraform", "terraform validate failed:\n::error x\n\x1b[2J\ttab").render("TF-VALIDATE")
    assert rendered == "r/terraform: TF-VALIDATE: terraform validate failed:\n  ::error x\n  \\x1b[2J\\ttab"
    assert Problem("r/a.tf:1", "expected 1, found 2").render("X") == "r/a.tf:1: X: expected 1, found 2"


def test_the_sandbox_s_own_override_lives_only_while_terraform_runs(
    hostile_fleet, platform: Platform, tmp_path: Path
) -> None:
    """The sandbox's remote-state override is its own (gitignored), not the repository's: judged where it is
    left (TF-PARSE refuses an override file), so the sandbox removes it once Terraform is done."""
    from conformance.sandbox.deploy import remote_state_at_the_emulator
    from conformance.sandbox.target import Target

    repo = platform.lambda_repo(platform.lambdas.functions[0])
    root = hostile_fleet(lambda path, _: None, repo=repo)
    written = root / repo / "terraform" / REMOTE_STATE_OVERRIDE
    case = next(c for c in plan_cases(platform, CRITERIA, ["dev"]) if c.id == f"TF-PARSE[{repo}]")
    target = Target("http://127.0.0.1:5000", "dev", platform, root, tmp_path / "work")
    with remote_state_at_the_emulator(target, repo, {"PATH": os.environ["PATH"]}):
        assert written.is_file()
        judged = run_case(case, FleetEvidence(root, platform, {"terraform": "off"}))
        assert judged.message == f"{repo}/terraform/{REMOTE_STATE_OVERRIDE}:1: TF-PARSE: {NOT_MERGED}"
    assert not written.exists()
    assert run_case(case, FleetEvidence(root, platform, {"terraform": "off"})).status == "passed"


def test_a_module_outside_terraform_is_held_to_the_same(hostile_fleet, platform: Platform) -> None:
    """`../modules/x` (inside the repository, outside terraform/): its override, JSON, broken and escaping files."""
    repo = platform.infrastructure.repo

    def edit(path: Path, outside: Path) -> None:
        module = path / "modules" / "x"
        module.mkdir(parents=True)
        (module / "main.tf").write_text(
            f'variable "v" {{\n  default = 1\n}}\nmodule "far" {{\n  source = "{outside_module(outside, "b")}"\n}}\n'
        )
        (module / "x_override.tf").write_text(OVERRIDE)
        (module / "extra.tf.json").write_text("{")
        (module / "broken.tf").write_text("locals {\n")
        call_module(path, "../modules/x")

    results = outcomes(hostile_fleet(edit), platform, repo=repo)
    lines = results[("TF-PARSE", repo, None)].message.splitlines()
    assert any(line.startswith(f"{repo}/modules/x/x_override.tf:1: TF-PARSE: override files are not") for line in lines)
    assert any(line.startswith(f"{repo}/modules/x/extra.tf.json:1: TF-PARSE: does not parse: ") for line in lines)
    assert any(line.startswith(f"{repo}/modules/x/broken.tf:2: TF-PARSE: does not parse: ") for line in lines)
    assert any(
        line.startswith(f"{repo}/modules/x/main.tf:5: TF-PARSE: module source leaves the repository") for line in lines
    )
    assert len(lines) == 4, lines
