"""Hostile repository files: refused by name and reason, never followed out, never blocked on, bounded.

Every fixture is built in tmp_path (links to a "secret" file beside the fleet, FIFOs, sockets,
sparse files over the size limit, bytes that are not UTF-8, YAML alias bombs) and removed with it.
A secret's content must never reach a message or a report; a special file must never be opened;
whatever is refused must fail a check of its own (TF-PARSE, REPO-FILES-SAFE) naming file and reason,
and fail the checks that need the file. Runs that could hang or grow are bounded: a deadline in
process, or a child process with a timeout and an address-space limit.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import testinfra

from conformance.catalogue import CRITERIA
from conformance.evidence import files as files_module
from conformance.evidence.files import MAX_BYTES, HostFiles, LocalFiles, Unreadable, read_regular
from conformance.evidence.fleet import FleetEvidence
from conformance.evidence.hcl import Body, ParseFailure, parse_hcl, read_hcl
from conformance.platform import Platform
from conformance.runner import Outcome, plan_cases, run_case
from conformance.safe_yaml import BadYaml, load_yaml
from conformance.suite_command import suite_command

SECRET = "TOP-SECRET-0451-never-in-a-report"
LINK_OUT = "is a link leaving the repos root"
MEMORY = 2 * 1024**3  # the address space a bounded child may use


@contextmanager
def deadline(seconds: int = 20) -> Iterator[None]:
    """Fail instead of hanging: a read that blocked (a FIFO opened) is interrupted."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s: something blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def bounded(command: list[str], timeout: int = 300, memory: int = MEMORY, **options: object):
    """Run a child with a timeout and an address-space limit: a blow-up fails it, never the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(  # type: ignore[call-overload]
        command, preexec_fn=limit, timeout=timeout, capture_output=True, text=True, check=False, **options
    )


def secret_beside(folder: Path) -> Path:
    """A file outside the repos root whose content must never be read."""
    path = folder / "secret.txt"
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


def make_socket(path: Path) -> None:
    """A Unix socket at `path` (bound from its folder: a socket's path is short)."""
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(path.name)
    finally:
        os.chdir(here)


# -- the reader: each hostile kind of entry, at several depths -----------------------------------

Build = Callable[[Path, Path], None]  # (repo folder inside the root, folder outside the root)


def link(relative: str, target: Callable[[Path, Path], Path | str]) -> Build:
    def build(repo: Path, outside: Path) -> None:
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target(repo, outside))

    return build


def build_all(*steps: Build) -> Build:
    def build(repo: Path, outside: Path) -> None:
        for step in steps:
            step(repo, outside)

    return build


def text_file(relative: str, data: bytes) -> Build:
    def build(repo: Path, _: Path) -> None:
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_bytes(data)

    return build


def fifo(relative: str) -> Build:
    def build(repo: Path, _: Path) -> None:
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(repo / relative)

    return build


def sparse(relative: str, size: int) -> Build:
    def build(repo: Path, _: Path) -> None:
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        with (repo / relative).open("wb") as out:
            out.truncate(size)

    return build


def outside_folder(repo: Path, outside: Path) -> Path:
    folder = outside / "elsewhere"
    folder.mkdir(exist_ok=True)
    (folder / "main.tf").write_text(f'locals {{ x = "{SECRET}" }}\n', encoding="utf-8")
    return folder


def repo_outside(repo: Path, outside: Path) -> None:
    """The repository replaced by a link to a folder outside the root."""
    shutil.rmtree(repo)
    repo.symlink_to(outside_folder(repo, outside))


HOSTILE: dict[str, tuple[Build, str, str]] = {
    # id: (how the entry is made, the path read (relative to the root), the reason it reads as)
    "relative link to a file outside": (
        link("terraform/main.tf", lambda repo, out: os.path.relpath(out / "secret.txt", repo / "terraform")),
        "repo/terraform/main.tf",
        LINK_OUT,
    ),
    "absolute link to a file outside": (
        link("README.md", lambda repo, out: out / "secret.txt"),
        "repo/README.md",
        LINK_OUT,
    ),
    "a chain of links inside that ends outside": (
        build_all(
            link("deep/er/last.tf", lambda repo, out: out / "secret.txt"),
            link("terraform/first.tf", lambda repo, out: repo / "deep" / "er" / "last.tf"),
        ),
        "repo/terraform/first.tf",
        LINK_OUT,
    ),
    "a folder on the way is a link outside": (
        link("terraform", outside_folder),
        "repo/terraform/main.tf",
        "lies behind repo/terraform, a link leaving the repos root",
    ),
    "the repository itself is a link outside": (
        repo_outside,
        "repo/main.tf",
        "lies behind repo, a link leaving the repos root",
    ),
    "a link to /dev/zero": (
        link("terraform/zero.tfvars", lambda *_: "/dev/zero"),
        "repo/terraform/zero.tfvars",
        LINK_OUT,
    ),
    "a link to /dev/stdin": (link(".gitignore", lambda *_: "/dev/stdin"), "repo/.gitignore", LINK_OUT),
    "a FIFO in place of a tfvars file": (
        fifo("terraform/environments/dev.tfvars"),
        "repo/terraform/environments/dev.tfvars",
        "is a FIFO, not a regular file",
    ),
    "a link inside the root to a FIFO inside": (
        build_all(fifo("pipes/p"), link("pytest.ini", lambda repo, _: repo / "pipes" / "p")),
        "repo/pytest.ini",
        "is a FIFO, not a regular file",
    ),
    "a socket in place of a workflow": (
        lambda repo, _: (repo / ".github").mkdir() or make_socket(repo / ".github" / "deploy-dev.yml"),
        "repo/.github/deploy-dev.yml",
        "is a socket, not a regular file",
    ),
    "a folder where a file is read": (
        lambda repo, _: (repo / "requirements.txt").mkdir(),
        "repo/requirements.txt",
        "is a folder, not a regular file",
    ),
    "a link to nothing": (link("CLAUDE.md", lambda repo, _: repo / "gone"), "repo/CLAUDE.md", "is a link to nothing"),
    "a loop of links": (
        build_all(link("a.tf", lambda repo, _: repo / "b.tf"), link("b.tf", lambda repo, _: repo / "a.tf")),
        "repo/a.tf",
        "cannot be read: ",
    ),
    "a sparse file just over the limit": (
        sparse("terraform/locals.tf", MAX_BYTES + 1),
        "repo/terraform/locals.tf",
        "is larger than the 5 MB limit per file",
    ),
    "a file that is not UTF-8": (
        text_file("terraform/environments/dev.tfvars", b'region = "eu-west-1"\n# caf\xe9\n'),
        "repo/terraform/environments/dev.tfvars",
        "is not UTF-8 (byte 0xe9 at offset 26)",
    ),
    "UTF-16 with its byte order mark": (
        text_file("README.md", "# hello\n".encode("utf-16")),
        "repo/README.md",
        "is not UTF-8 (byte 0xff at offset 0)",
    ),
}


@pytest.fixture
def hostile_tree(tmp_path: Path) -> Callable[[Build], tuple[Path, Path]]:
    """`make(build)`: a repos root holding one repository `repo`, with the hostile entry built in it."""

    def make(build: Build) -> tuple[Path, Path]:
        root = tmp_path / "root"
        (root / "repo").mkdir(parents=True)
        (root / "repo" / "plain.txt").write_text("plain\n", encoding="utf-8")
        secret_beside(tmp_path)
        build(root / "repo", tmp_path)
        return root, tmp_path

    return make


@pytest.mark.parametrize("kind", HOSTILE, ids=str)
def test_each_hostile_entry_is_refused_with_its_reason_never_its_content(kind: str, hostile_tree) -> None:
    build, relative, reason = HOSTILE[kind]
    root, _ = hostile_tree(build)
    files = LocalFiles(root)
    with deadline():
        found = files.read(relative)
        checked = files.check(relative)
    assert isinstance(found, Unreadable), f"{kind}: read {found!r}"
    assert found.file == relative and reason in found.reason, found
    assert SECRET not in str(found) and "\n" not in str(found)
    if not any(word in reason for word in ("UTF", "limit")):  # not a regular file inside the root
        assert not files.is_file(relative)
    if not any(word in reason for word in ("UTF", "limit", "folder")):  # looked at, not read: the same refusal
        assert isinstance(checked, Unreadable) and checked.reason == found.reason and checked.line == 0


def test_non_utf8_names_the_line_of_the_byte(hostile_tree) -> None:
    root, _ = hostile_tree(text_file("w.yml", b"name: x\non: push\njobs: \x80\n"))
    found = LocalFiles(root).read("repo/w.yml")
    assert str(found) == "repo/w.yml:3: is not UTF-8 (byte 0x80 at offset 23)"


def test_a_link_inside_the_root_to_a_file_inside_is_read(hostile_tree) -> None:
    root, _ = hostile_tree(
        build_all(
            link("terraform/shared.tf", lambda repo, _: repo / "plain.txt"),
            link("alias", lambda repo, _: repo),  # the repository under another name
            link("../other", lambda repo, _: repo),  # beside it, inside the root
        )
    )
    files = LocalFiles(root)
    assert files.read("repo/terraform/shared.tf") == "plain\n"
    assert files.read("repo/alias/plain.txt") == "plain\n"
    assert files.read("other/terraform/../plain.txt") == "plain\n"
    assert files.is_file("repo/terraform/shared.tf") and files.check("repo/terraform/shared.tf") is None


def test_the_size_limit_reads_at_most_one_byte_more(hostile_tree) -> None:
    root, _ = hostile_tree(text_file("big.tf", b"#" * 1001))
    assert LocalFiles(root, limit=1001).read("repo/big.tf") == "#" * 1001
    refused = LocalFiles(root, limit=1000).read("repo/big.tf")
    assert isinstance(refused, Unreadable) and "is larger than the" in refused.reason


def test_a_fifo_swapped_in_after_the_first_look_is_still_never_blocked_on(tmp_path: Path, monkeypatch) -> None:
    """Belt and braces: opened without blocking and checked again once open."""
    pipe = tmp_path / "swapped.tf"
    os.mkfifo(pipe)
    regular = (tmp_path / "regular").open("w")
    regular.close()
    real_stat = os.stat
    monkeypatch.setattr(files_module.os, "stat", lambda path, *a, **k: real_stat(tmp_path / "regular"))
    with deadline():
        assert read_regular(str(pipe)) == ("is a FIFO, not a regular file", 1)


def test_listing_never_follows_a_link_out_and_ends_on_loops(hostile_tree) -> None:
    root, _ = hostile_tree(
        build_all(
            link("terraform/modules/out", outside_folder),  # a folder outside: listed as an entry, refused
            text_file("terraform/modules/in/main.tf", b"locals {}\n"),
            link("terraform/modules/again", lambda repo, _: repo / "terraform" / "modules" / "in"),
            link("terraform/modules/in/loop", lambda repo, _: repo / "terraform"),
            text_file("terraform/.terraform/modules/x/main.tf", b"locals {}\n"),
            text_file("terraform/.git/config", b""),
            fifo("terraform/pipe.tf"),
        )
    )
    files = LocalFiles(root)
    with deadline():
        listed = files.list("repo/terraform", None, recursive=True)
    assert listed == [
        "repo/terraform/modules/again/main.tf",
        "repo/terraform/modules/out",
        "repo/terraform/pipe.tf",
    ] or listed == ["repo/terraform/modules/in/main.tf", "repo/terraform/modules/out", "repo/terraform/pipe.tf"]
    assert files.list("repo/terraform", (".tf",)) == ["repo/terraform/pipe.tf"]
    assert files.check("repo/terraform/modules/out").reason == LINK_OUT


def test_git_is_not_asked_about_a_repository_outside_the_root(hostile_tree) -> None:
    root, _ = hostile_tree(repo_outside)
    assert LocalFiles(root).commit_count("repo") == "a repository that is a link leaving the repos root"


def test_a_git_file_naming_a_git_folder_outside_the_root_is_not_followed(hostile_tree) -> None:
    """A worktree's or submodule's `.git` file names the real git folder; git would count its commits."""
    root, _ = hostile_tree(text_file(".git", b"gitdir: ../../elsewhere.git\n"))
    assert LocalFiles(root).commit_count("repo") == "a .git file whose gitdir is outside the repos root"


# -- the same refusals through a testinfra host ----------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [k for k in HOSTILE if k not in ("a loop of links",)],
    ids=str,
)
def test_reads_through_a_host_refuse_the_same_entries(kind: str, hostile_tree) -> None:
    build, relative, reason = HOSTILE[kind]
    root, _ = hostile_tree(build)
    files = HostFiles(testinfra.get_host("local://"), str(root))
    with deadline(60):
        found = files.read(relative)
    assert isinstance(found, Unreadable), f"{kind}: read {found!r}"
    assert SECRET not in str(found)
    same = reason if "link leaving" not in reason else "resolves outside the repos root through a link"
    assert same in found.reason, found
    assert files.is_file(relative) == any(word in reason for word in ("UTF", "limit"))
    if (root / "repo" / "plain.txt").is_file() and not (root / "repo").is_symlink():
        assert files.read("repo/plain.txt") == "plain\n"


# -- the suite on a hostile copy of the generated fleet --------------------------------------------

INFRA_DEV_TFVARS = "terraform/environments/dev.tfvars"


def outcomes(
    root: Path, platform: Platform, terraform: str = "off", repo: str | None = None
) -> dict[tuple[str, str, str | None], Outcome]:
    evidence = FleetEvidence(root, platform, {"terraform": terraform})
    cases = [c for c in plan_cases(platform, CRITERIA, ["dev"]) if repo is None or c.repo == repo]
    with deadline(300 if terraform != "off" else 120):
        return {(c.criterion.id, c.repo, c.env): run_case(c, evidence) for c in cases}


def replace(relative: str, build: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    """Remove the repository's file and build something hostile in its place."""

    def edit(repo: Path, outside: Path) -> None:
        path = repo / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        build(path, outside)

    return edit


# (file of the infrastructure repo, what replaces it, its own criterion, the reason, a criterion that needs it)
IN_THE_FLEET = {
    "tfvars is a FIFO": (
        INFRA_DEV_TFVARS,
        lambda path, _: os.mkfifo(path),
        "TF-PARSE",
        "terraform/environments/dev.tfvars:1: TF-PARSE: cannot be read: is a FIFO, not a regular file",
        "REPO-TFVARS",
    ),
    "backend settings link to a secret": (
        "terraform/environments/dev.backend.hcl",
        lambda path, out: path.symlink_to(out / "secret.txt"),
        "TF-PARSE",
        "terraform/environments/dev.backend.hcl:1: TF-PARSE: cannot be read: is a link leaving the repos root",
        "REPO-BACKEND-S3",
    ),
    "a resource file over the limit": (
        "terraform/dynamodb.tf",
        lambda path, _: path.open("wb").truncate(MAX_BYTES + 10),
        "TF-PARSE",
        "terraform/dynamodb.tf:1: TF-PARSE: cannot be read: is larger than the 0.25 MB limit per file (5.00001 MB)",
        "INF-DDB-TABLE",
    ),
    "a resource file that is not UTF-8": (
        "terraform/sqs.tf",
        lambda path, _: path.write_bytes(b'resource "aws_sqs_queue" "q" {\n  name = "\xff"\n}\n'),
        "TF-PARSE",
        "terraform/sqs.tf:2: TF-PARSE: cannot be read: is not UTF-8 (byte 0xff at offset 41)",
        "INF-SQS-QUEUE",
    ),
    "README links to a secret": (
        "README.md",
        lambda path, out: path.symlink_to(out / "secret.txt"),
        "REPO-FILES-SAFE",
        "README.md:1: REPO-FILES-SAFE: cannot be read: is a link leaving the repos root",
        "REPO-DOCS",
    ),
    ".gitignore links to /dev/zero": (
        ".gitignore",
        lambda path, _: path.symlink_to("/dev/zero"),
        "REPO-FILES-SAFE",
        ".gitignore:1: REPO-FILES-SAFE: cannot be read: is a link leaving the repos root",
        "INF-GITIGNORE",  # the infrastructure repository's own .gitignore criterion
    ),
    "a workflow that is not UTF-8": (
        ".github/workflows/deploy-dev.yml",
        lambda path, _: path.write_bytes(b"name: deploy\non:\n  workflow_dispatch: {}\n# \xc3\x28\n"),
        "REPO-FILES-SAFE",
        ".github/workflows/deploy-dev.yml:4: REPO-FILES-SAFE: cannot be read: is not UTF-8 (byte 0xc3 at offset 43)",
        "WF-DISPATCH",
    ),
    "the terraform folder links outside": (
        "terraform",
        lambda path, out: path.symlink_to(outside_folder(path, out)),
        "TF-PARSE",
        "terraform: TF-PARSE: cannot be read: is a link leaving the repos root",
        "INF-DDB-TABLE",
    ),
}


@pytest.fixture
def hostile_fleet(fleet: Path, platform: Platform, tmp_path: Path) -> Callable[..., Path]:
    def make(*edits: Callable[[Path, Path], None], repo: str | None = None) -> Path:
        root = tmp_path / "fleet"
        shutil.copytree(fleet, root, symlinks=True)
        secret_beside(tmp_path)
        for edit in edits:
            edit(root / (repo or platform.infrastructure.repo), tmp_path)
        return root

    return make


@pytest.mark.parametrize("case", IN_THE_FLEET, ids=str)
def test_a_refused_file_fails_its_own_check_and_every_check_that_needs_it(
    case: str, hostile_fleet, platform: Platform
) -> None:
    relative, build, own, line, needs = IN_THE_FLEET[case]
    root = hostile_fleet(replace(relative, build))
    results = outcomes(root, platform)
    repo = platform.infrastructure.repo
    own_result = results[(own, repo, None)]
    assert own_result.status == "failed" and f"{repo}/{line}" in own_result.message, own_result
    needing = [o for (criterion, r, _), o in results.items() if criterion == needs and r == repo]
    assert needing and all(o.status == "failed" for o in needing), needing
    assert not [k for k, o in results.items() if SECRET in o.message]
    # Only the Lambdas' output contract reads the infrastructure repo's files (its outputs.tf).
    others = {k[0] for k, o in results.items() if k[1] != repo and o.status == "failed"}
    assert others <= {"LAMBDA-OUTPUT-CONTRACT"}, others


def test_a_repository_linked_outside_the_root_is_refused_not_read(hostile_fleet, platform: Platform) -> None:
    gone = platform.lambda_repo(platform.lambdas.functions[0])

    def link_repo(repo: Path, outside: Path) -> None:
        elsewhere = outside / "elsewhere-repo"
        shutil.copytree(repo, elsewhere, symlinks=True)  # a perfectly conforming repo, but outside
        shutil.rmtree(repo)
        repo.symlink_to(elsewhere)

    root = hostile_fleet(link_repo, repo=gone)
    results = outcomes(root, platform)
    assert results[("REPO-FILES-SAFE", gone, None)].message == (
        f"{gone}: REPO-FILES-SAFE: cannot be read: the repository is a link leaving the repos root; "
        "nothing in it is read"
    )
    assert results[("TF-PARSE", gone, None)].status == "failed"
    passed = {k[0] for k, o in results.items() if k[1] == gone and o.status == "passed"}
    # Everything else needs its files, and none is read (the output contract judges the references
    # it finds in the repo's Terraform: none, the Terraform being refused).
    assert passed <= {"REPO-PRESENT", "LAMBDA-OUTPUT-CONTRACT"}, passed


def test_terraform_is_never_handed_a_tree_holding_a_refused_file(hostile_fleet, platform: Platform) -> None:
    """terraform fmt/validate would follow the link and print the secret, or block on the FIFO."""
    root = hostile_fleet(
        lambda repo, out: (repo / "terraform" / "notes.txt").symlink_to(out / "secret.txt"),
    )
    evidence = FleetEvidence(root, platform, {"terraform": "auto"})
    repo = platform.infrastructure.repo
    assert evidence.local_path(repo) is None
    assert evidence.local_path(platform.lambda_repo(platform.lambdas.functions[0])) is not None
    for case in plan_cases(platform, [c for c in CRITERIA if c.id in ("TF-FMT", "TF-VALIDATE")], ["dev"]):
        if case.repo == repo:
            outcome = run_case(case, evidence)
            assert outcome.status == "skipped" and SECRET not in outcome.message
    parse = run_case(next(c for c in plan_cases(platform, CRITERIA, ["dev"]) if c.id == f"TF-PARSE[{repo}]"), evidence)
    assert parse.message == f"{repo}/terraform/notes.txt: TF-PARSE: cannot be read: is a link leaving the repos root"


def test_a_parse_failure_anywhere_under_terraform_fails_tf_parse(hostile_fleet, platform: Platform) -> None:
    """Not only in a file a criterion happens to read: a nested module, a tfvars, a backend file."""
    broken = {
        "terraform/modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = \n}\n',
        "terraform/environments/extra.tfvars": 'region = "eu-west-1"\nbroken = [\n',
        "terraform/environments/dev.tfbackend": "bucket = \n",
        "terraform/zz_extra.tf": 'variable "x" {\n  default = {\n}\n',
    }

    def write(repo: Path, _: Path) -> None:
        for relative, text in broken.items():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            (repo / relative).write_text(text, encoding="utf-8")

    root = hostile_fleet(write)
    repo = platform.infrastructure.repo
    message = outcomes(root, platform)[("TF-PARSE", repo, None)].message
    lines = message.splitlines()
    assert len(lines) == len(broken), message
    for relative in broken:
        assert any(line.startswith(f"{repo}/{relative}:") and ": TF-PARSE: does not parse: " in line for line in lines)


def test_hcl_nested_beyond_reason_is_a_parse_failure_not_a_crash() -> None:
    deep = parse_hcl("a {\n" * 3000 + "}\n" * 3000, "deep.tf")
    assert isinstance(deep, ParseFailure) and "nests too deeply" in deep.reason
    assert isinstance(parse_hcl("x = 1\n", "fine.tf"), Body)


def test_read_hcl_refuses_what_the_evidence_refuses(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "backend.hcl")
    with deadline():
        found = read_hcl(tmp_path / "backend.hcl", "backend.hcl")
    assert isinstance(found, ParseFailure) and found.reason == "is a FIFO, not a regular file"


# -- YAML: aliases and duplicate keys ------------------------------------------------------------------

BILLION_LAUGHS = """name: deploy
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize(
    "document,line,problem",
    [
        (BILLION_LAUGHS, 3, "expected no YAML aliases, found *a"),
        ("defaults: &d {runs-on: x}\njobs:\n  deploy:\n    <<: *d\n", 4, "expected no YAML aliases, found *d"),
        ("a: &self [1, *self]\n", 1, "expected no YAML aliases, found *self"),
        ("jobs:\n  a: 1\nname: x\njobs:\n  b: 2\n", 4, "expected each key once, found 'jobs' again (first at line 1)"),
        ("on:\n  push: {}\ntrue: 1\n", 3, "expected each key once, found True again (first at line 1)"),
        ("steps:\n  - {uses: a, uses: b}\n", 2, "expected each key once, found 'uses' again (first at line 2)"),
        ("x: " + "[" * 150 + "]" * 150 + "\n", 1, "expected YAML nested at most 100 levels deep, found deeper"),
        (
            "x: " + "[" * 5000 + "]" * 5000 + "\n",
            1,
            "not valid YAML (while increasing flow level exceeded maximum nesting depth)",
        ),
    ],
)
def test_the_workflow_loader_refuses_aliases_and_duplicate_keys_with_the_line(
    document: str, line: int, problem: str
) -> None:
    """Workflows are read by the spec's own loader (conformance.safe_yaml): the same refusals, the same words."""
    with pytest.raises(BadYaml) as raised:
        load_yaml(document, "deploy-dev.yml", max_bytes=MAX_BYTES)
    assert (raised.value.line, raised.value.reason) == (line, problem)


def test_a_plain_workflow_still_loads_with_anchors_unused(tmp_path: Path) -> None:
    assert load_yaml("on: {workflow_dispatch: {}}\nx: &unused 1\n", "w.yml") == {
        True: {"workflow_dispatch": {}},
        "x": 1,
    }


def test_a_billion_laughs_is_refused_in_bounded_time_and_memory_by_the_loader() -> None:
    """In a child limited to 512 MB: expanding it would need gigabytes."""
    script = (
        "import sys\n"
        "from conformance.safe_yaml import BadYaml, load_yaml\n"
        "try:\n    load_yaml(sys.stdin.read(), 'w.yml')\n"
        "except BadYaml as e:\n    print(e)\n"
    )
    result = bounded([sys.executable, "-c", script], timeout=60, memory=512 * 1024**2, input=BILLION_LAUGHS)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "w.yml:3: expected no YAML aliases, found *a"


def test_a_workflow_bomb_fails_every_workflow_check_with_file_and_line(hostile_fleet, platform: Platform) -> None:
    workflow = ".github/workflows/deploy-dev.yml"
    root = hostile_fleet(lambda repo, _: (repo / workflow).write_text(BILLION_LAUGHS, encoding="utf-8"))
    repo = platform.infrastructure.repo
    results = outcomes(root, platform)
    # every check of the deploy workflows (WF-ONLY-DEPLOY-WORKFLOWS reads the other workflows only)
    workflow_checks = {
        k: o
        for k, o in results.items()
        if k[0].startswith("WF-") and k[0] != "WF-ONLY-DEPLOY-WORKFLOWS" and k[1] == repo
    }
    assert workflow_checks and {o.status for o in workflow_checks.values()} == {"failed"}
    for (criterion, _, _), outcome in workflow_checks.items():
        assert outcome.message == (
            f"{repo}/{workflow}:3: {criterion}: does not parse: expected no YAML aliases, found *a"
        )


# -- the plugin end to end, bounded --------------------------------------------------------------------


def test_the_plugin_on_a_hostile_fleet_fails_in_bounded_time_and_memory_and_leaks_nothing(
    hostile_fleet, platform: Platform, tmp_path: Path
) -> None:
    infra, lambdas = platform.infrastructure.repo, [platform.lambda_repo(f) for f in platform.lambdas.functions]
    fleet_root = tmp_path / "fleet"

    def everything(repo: Path, outside: Path) -> None:
        (repo / "terraform" / "stolen.tf").symlink_to(outside / "secret.txt")
        (repo / "terraform" / "zero.tf").symlink_to("/dev/zero")
        (repo / INFRA_DEV_TFVARS).unlink()
        os.mkfifo(repo / INFRA_DEV_TFVARS)
        (repo / ".github/workflows/deploy-dev.yml").write_text(BILLION_LAUGHS, encoding="utf-8")
        with (repo / "terraform" / "huge.tf").open("wb") as out:
            out.truncate(50 * 1024 * 1024)
        (fleet_root / lambdas[0] / "README.md").unlink()
        (fleet_root / lambdas[0] / "README.md").symlink_to(outside / "secret.txt")
        shutil.rmtree(fleet_root / lambdas[1])
        (fleet_root / lambdas[1]).symlink_to("/etc")

    root = hostile_fleet(everything)
    report, summary = tmp_path / "report.json", tmp_path / "summary.md"
    command = suite_command(root, marker="static", envs=["dev"], terraform="off", json_report=report)
    result = bounded([*command, "--conformance-markdown", str(summary), "-q"], cwd=tmp_path)
    assert result.returncode == 1, (result.stdout[-3000:], result.stderr[-3000:])
    assert "Traceback" not in result.stdout + result.stderr
    outputs = result.stdout + result.stderr + report.read_text(encoding="utf-8") + summary.read_text(encoding="utf-8")
    assert SECRET not in outputs and "root:x:0:0" not in outputs
    failed = {(r["criterion"], r["repo"]): r["message"] for r in json.loads(report.read_text())["results"]}
    assert {r["outcome"] for r in json.loads(report.read_text())["results"]} <= {"passed", "failed", "skipped"}
    parse = failed[("TF-PARSE", infra)]
    for line in (
        f"{infra}/terraform/environments/dev.tfvars:1: TF-PARSE: cannot be read: is a FIFO, not a regular file",
        f"{infra}/terraform/stolen.tf:1: TF-PARSE: cannot be read: is a link leaving the repos root",
        f"{infra}/terraform/zero.tf:1: TF-PARSE: cannot be read: is a link leaving the repos root",
        f"{infra}/terraform/huge.tf:1: TF-PARSE: cannot be read: is larger than the 0.25 MB limit per file (50 MB)",
    ):
        assert line in parse.splitlines(), parse
    assert "expected no YAML aliases" in failed[("WF-DISPATCH", infra)]
    assert (
        "README.md:1: REPO-FILES-SAFE: cannot be read: is a link leaving the repos root"
        in (failed[("REPO-FILES-SAFE", lambdas[0])])
    )
    assert "the repository is a link leaving the repos root" in failed[("REPO-FILES-SAFE", lambdas[1])]


def test_special_files_are_never_opened_even_with_terraform_on(hostile_fleet, platform: Platform) -> None:
    """A FIFO under terraform/ would hang `terraform fmt`: the tree is not handed over."""
    root = hostile_fleet(lambda repo, _: os.mkfifo(repo / "terraform" / "pipe.tf"))
    repo = platform.infrastructure.repo
    results = outcomes(root, platform, terraform="auto", repo=repo)
    assert results[("TF-PARSE", repo, None)].message == (
        f"{repo}/terraform/pipe.tf:1: TF-PARSE: cannot be read: is a FIFO, not a regular file"
    )
    assert {results[(c, repo, None)].status for c in ("TF-FMT", "TF-VALIDATE")} == {"skipped"}
    mode = os.stat(root / repo / "terraform" / "pipe.tf").st_mode
    assert stat.S_ISFIFO(mode)
