"""Property: rewriting an infrastructure repository without changing what it means never changes an INF-* verdict.

The rewrites are the ones a team makes while restyling: blocks reordered within a file or moved to
another file, attributes and nested blocks reordered, resource and data labels renamed (with every
reference), a literal moved into a variable default, a tfvars value or a local, a resource wrapped
in `count = 1` (references then go through `[0]`), and companion settings written inline instead of
as resources of their own (redrive policy, lifecycle, versioning, encryption). The repository is
the generated one or the hand-written fixture's, conforming or with one defect, so failing verdicts
must stay failing too. Bounded: 60 examples, no deadline, derandomized (the same run in CI).
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.evidence.fleet import FleetEvidence
from conformance.platform import Platform
from conformance.runner import plan_cases, run_case
from tests.test_infra_semantics import FIXTURES, INFRA_CRITERIA, REQUIREMENT_IDS

Files = dict[str, str]  # path relative to the repository -> text
ENV = "dev"

BLOCK_START = re.compile(r'^[a-z_]+( "[^"]*")*\s*\{(\})?\s*$')
ITEM_START = re.compile(r'^  (#|[\w"-]+\s*=|[\w-]+(\s+"[^"]*")*\s*\{)')
LITERAL = re.compile(r'^(\s+)(\w+)(\s*)= ("[^"$%\\]*"|-?\d+(?:\.\d+)?|true|false)\s*$')
RESOURCE = re.compile(r'^(resource|data) "([\w-]+)" "([\w-]+)"')
META = frozenset({"count", "for_each", "depends_on", "provider", "source", "version"})


def read(repo: Path) -> Files:
    return {
        str(p.relative_to(repo)): p.read_text(encoding="utf-8")
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def split_blocks(text: str) -> list[str]:
    """A terraform-fmt'ed file's top-level blocks (comments and blank lines between them dropped)."""
    blocks, current = [], None
    for line in text.splitlines(keepends=True):
        if current is None:
            match = BLOCK_START.match(line)
            if match:
                if match.group(2):
                    blocks.append(line)
                else:
                    current = [line]
            continue
        current.append(line)
        if line.rstrip() == "}":
            blocks.append("".join(current))
            current = None
    assert current is None, "unterminated block"
    return blocks


def tf_files(files: Files) -> list[str]:
    return sorted(p for p in files if p.startswith("terraform/") and p.endswith(".tf") and p.count("/") == 1)


def join(blocks: list[str]) -> str:
    return "\n".join(b if b.endswith("\n") else b + "\n" for b in blocks)


# -- the rewrites ------------------------------------------------------------------------------------

Rewrite = Callable[[Files, random.Random], Files | None]  # None: not applicable to this repository


def reorder_blocks(files: Files, rnd: random.Random) -> Files:
    path = rnd.choice(tf_files(files))
    blocks = split_blocks(files[path])
    rnd.shuffle(blocks)
    return {**files, path: join(blocks)}


def move_block(files: Files, rnd: random.Random) -> Files | None:
    paths = [p for p in tf_files(files) if split_blocks(files[p])]
    source, target = rnd.choice(paths), rnd.choice(tf_files(files))
    if source == target:
        return None
    blocks = split_blocks(files[source])
    moved = blocks.pop(rnd.randrange(len(blocks)))
    return {**files, source: join(blocks), target: join([*split_blocks(files[target]), moved])}


def reorder_attributes(files: Files, rnd: random.Random) -> Files | None:
    path = rnd.choice(tf_files(files))
    blocks = split_blocks(files[path])
    candidates = [i for i, b in enumerate(blocks) if b.count("\n") > 3]
    if not candidates:
        return None
    index = rnd.choice(candidates)
    head, *body, tail = blocks[index].splitlines(keepends=True)
    items: list[list[str]] = []
    for line in body:
        if ITEM_START.match(line) or not items:
            items.append([line])
        else:
            items[-1].append(line)
    rnd.shuffle(items)
    blocks[index] = head + "".join(line for item in items for line in item) + tail
    return {**files, path: join(blocks)}


def labelled(files: Files) -> list[tuple[str, str, str]]:
    """(kind, type, label) of every resource and data block."""
    return [m.groups() for p in tf_files(files) for b in split_blocks(files[p]) if (m := RESOURCE.match(b))]


def reference(kind: str, type_: str, label: str) -> re.Pattern[str]:
    prefix = r"data\." if kind == "data" else r"(?<![\w.])"
    return re.compile(rf"{prefix}{re.escape(type_)}\.{re.escape(label)}(?![\w-])")


def rename_label(files: Files, rnd: random.Random) -> Files:
    kind, type_, label = rnd.choice(labelled(files))
    new = f"{label}_{rnd.randrange(1000)}"
    declaration = f'{kind} "{type_}" "{label}"'
    pattern = reference(kind, type_, label)
    written = ("data." if kind == "data" else "") + f"{type_}.{new}"
    out = {}
    for path, text in files.items():
        if path in tf_files(files):
            text = pattern.sub(written, text.replace(declaration, f'{kind} "{type_}" "{new}"'))
        out[path] = text
    return out


def literal_lines(files: Files) -> list[tuple[str, int]]:
    """(file, line index) of `key = literal` lines inside resource and data blocks (not `lifecycle`)."""
    found = []
    for path in tf_files(files):
        inside, stack = False, []
        for i, line in enumerate(files[path].splitlines()):
            if RESOURCE.match(line):
                inside, stack = True, []
                continue
            if not inside:
                continue
            if line == "}":
                inside = False
                continue
            if line.rstrip().endswith("{") and "=" not in line:
                stack.append(line.strip().split()[0])
            elif line.strip() == "}" and stack:
                stack.pop()
            match = LITERAL.match(line)
            if match and match.group(2) not in META and "lifecycle" not in stack:
                found.append((path, i))
    return found


def move_literal(files: Files, rnd: random.Random) -> Files | None:
    """A literal becomes a variable's default, a value of every env's tfvars, or a local."""
    lines = literal_lines(files)
    if not lines:
        return None
    path, index = rnd.choice(lines)
    text = files[path].splitlines(keepends=True)
    indent, key, space, literal = LITERAL.match(text[index]).groups()
    name = f"moved_{key.lower()}_{rnd.randrange(10_000)}"
    where = rnd.choice(("default", "tfvars", "local"))
    text[index] = f"{indent}{key}{space}= {'local' if where == 'local' else 'var'}.{name}\n"
    out = {**files, path: "".join(text)}
    if where == "local":
        out[path] += f"\nlocals {{\n  {name} = {literal}\n}}\n"
    elif where == "default":
        out[path] += f'\nvariable "{name}" {{\n  default = {literal}\n}}\n'
    else:
        out[path] += f'\nvariable "{name}" {{}}\n'
        for tfvars in (p for p in files if p.startswith("terraform/environments/") and p.endswith(".tfvars")):
            out[tfvars] = files[tfvars] + f"{name} = {literal}\n"
    return out


def wrap_in_count(files: Files, rnd: random.Random) -> Files | None:
    """`count = 1` on a resource; every reference to it goes through `[0]` (depends_on names it whole)."""
    candidates = [
        (t, label)
        for kind, t, label in labelled(files)
        if kind == "resource"
        and not any(
            re.search(rf'resource "{t}" "{label}" \{{\n(?:  .*\n|\n)*?  (count|for_each) ', files[p])
            for p in tf_files(files)
        )
    ]
    type_, label = rnd.choice(candidates)
    pattern = reference("resource", type_, label)
    out = {}
    for path, text in files.items():
        if path in tf_files(files):
            text = text.replace(f'resource "{type_}" "{label}" {{\n', f'resource "{type_}" "{label}" {{\n  count = 1\n')
            text = "".join(
                line if "depends_on" in line else pattern.sub(f"{type_}.{label}[0]", line)
                for line in text.splitlines(keepends=True)
            )
        out[path] = text
    return out


def _one(files: Files, path: str, pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> Files | None:
    if path not in files:
        return None
    changed, count = re.subn(pattern, replacement, files[path], count=1, flags=re.M)
    return {**files, path: changed} if count else None


REDRIVE_INLINE = r"^\n  redrive_policy = jsonencode\(\{\n(?P<body>(?:.*\n)*?)  \}\)\n"
CHANGE_QUEUE = r'^resource "aws_sqs_queue" "queue" \{\n(?:.*\n)*?\}\n'


def redrive_as_resource(files: Files, rnd: random.Random) -> Files | None:
    """The change queue's inline redrive policy as an aws_sqs_queue_redrive_policy (other queues untouched)."""
    text = files.get("terraform/sqs.tf", "")
    block = re.search(CHANGE_QUEUE, text, re.M)
    match = re.search(REDRIVE_INLINE, block.group(0), re.M) if block else None
    if not block or not match:
        return None
    queue = block.group(0).replace(match.group(0), "", 1)
    moved = (
        '\nresource "aws_sqs_queue_redrive_policy" "queue" {\n  queue_url = aws_sqs_queue.queue.id\n'
        f"  redrive_policy = jsonencode({{\n{match.group('body')}  }})\n}}\n"
    )
    return {**files, "terraform/sqs.tf": text.replace(block.group(0), queue, 1) + moved}


LIFECYCLE = r'^resource "aws_s3_bucket_lifecycle_configuration" "audit_bucket" \{\n(?P<body>(?:.*\n)*?)\}\n'
BUCKET_OPEN = r'^(resource "aws_s3_bucket" "audit_bucket" \{\n)'


def lifecycle_inline(files: Files, rnd: random.Random) -> Files | None:
    """The lifecycle configuration's rules as the bucket's `lifecycle_rule` blocks (the older form)."""
    text = files.get("terraform/s3.tf", "")
    match = re.search(LIFECYCLE, text, re.M)
    if not match or not re.search(BUCKET_OPEN, text, re.M):
        return None
    rules = []
    for rule in re.finditer(r"^  rule \{\n(?P<rule>(?:.*\n)*?)  \}\n", match.group("body"), re.M):
        body = rule.group("rule")
        status = re.search(r'status = "(\w+)"', body).group(1)
        prefix = re.search(r'prefix = ("[^"]*")', body)
        rule_id = re.search(r'id\s+= ("[^"]*")', body).group(1)
        scope = prefix.group(1) if prefix else '""'
        inline = [f"    id      = {rule_id}\n", f"    enabled = {'true' if status == 'Enabled' else 'false'}\n"]
        inline.append(f"    prefix  = {scope}\n")
        for block, days in (("transition", "days"), ("noncurrent_version_transition", "noncurrent_days")):
            for found in re.finditer(rf"^    {block} \{{\n(?:.*\n)*?    \}}\n", body, re.M):
                value = re.search(rf"{days}\s+= (\d+)", found.group(0)).group(1)
                storage = re.search(r'storage_class\s+= ("\w+")', found.group(0)).group(1)
                inline.append(
                    f"    {block} {{\n      days          = {value}\n      storage_class = {storage}\n    }}\n"
                )
        abort = re.search(r"days_after_initiation = (\d+)", body)
        if abort:
            inline.append(f"    abort_incomplete_multipart_upload_days = {abort.group(1)}\n")
        expiration = re.search(r"^    expiration \{\n      days = (\d+)\n    \}\n", body, re.M)
        if expiration:
            inline.append(f"    expiration {{\n      days = {expiration.group(1)}\n    }}\n")
        rules.append("  lifecycle_rule {\n" + "".join(inline) + "  }\n")
    out = _one(files, "terraform/s3.tf", LIFECYCLE, "")
    return _one(out, "terraform/s3.tf", BUCKET_OPEN, lambda m: m.group(1) + "".join(rules)) if out else None


def versioning_inline(files: Files, rnd: random.Random) -> Files | None:
    pattern = r'^resource "aws_s3_bucket_versioning" "audit_bucket" \{\n(?:.*\n)*?    status = "(\w+)"\n(?:.*\n)*?\}\n'
    match = re.search(pattern, files.get("terraform/s3.tf", ""), re.M)
    if not match:
        return None
    enabled = "true" if match.group(1) == "Enabled" else "false"
    out = _one(files, "terraform/s3.tf", pattern, "")
    return (
        _one(out, "terraform/s3.tf", BUCKET_OPEN, rf"\1  versioning {{\n    enabled = {enabled}\n  }}\n")
        if out
        else None
    )


def encryption_inline(files: Files, rnd: random.Random) -> Files | None:
    pattern = (
        r'^resource "aws_s3_bucket_server_side_encryption_configuration" "audit_bucket" \{\n'
        r"  bucket = .*\n\n(?P<rules>(?:.*\n)*?)\}\n"
    )
    match = re.search(pattern, files.get("terraform/s3.tf", ""), re.M)
    if not match:
        return None
    rules = "".join(f"  {line}" if line.strip() else line for line in match.group("rules").splitlines(keepends=True))
    out = _one(files, "terraform/s3.tf", pattern, "")
    block = f"  server_side_encryption_configuration {{\n{rules}  }}\n"
    return _one(out, "terraform/s3.tf", BUCKET_OPEN, lambda m: m.group(1) + block) if out else None


REWRITES: list[Rewrite] = [
    reorder_blocks,
    move_block,
    reorder_attributes,
    rename_label,
    move_literal,
    wrap_in_count,
    redrive_as_resource,
    lifecycle_inline,
    versioning_inline,
    encryption_inline,
]

# -- the repositories: conforming, or with one defect -------------------------------------------------

DEFECTS: dict[str, tuple[str, str, str] | None] = {
    "none": None,
    "receive-count": ("terraform/sqs.tf", r"(maxReceiveCount\s+= )3", r"\g<1>5"),
    "glacier-days": ("terraform/s3.tf", r"(      days\s+= )365", r"\g<1>30"),
    "pitr-off": ("terraform/dynamodb.tf", r"(point_in_time_recovery \{\n    enabled = )true", r"\1false"),
    "public-acls": ("terraform/s3.tf", r"(block_public_acls\s+= )true", r"\1false"),
    "alarm-at-five": ("terraform/cloudwatch.tf", r"^(  threshold\s+= )1$", r"\g<1>5"),
    "output-of-the-dlq": ("terraform/outputs.tf", r"(value\s+= aws_sqs_queue\.)queue(\.arn)", r"\1dead_letter\2"),
}


def verdicts(root: Path, platform: Platform) -> dict[str, str]:
    evidence = FleetEvidence(root, platform, {"terraform": "off"})
    cases = [c for c in plan_cases(platform, INFRA_CRITERIA, [ENV]) if c.repo == platform.infrastructure.repo]
    return {c.criterion.id: run_case(c, evidence).status for c in cases}


def write(files: Files, root: Path, repo: str) -> None:
    for relative, text in files.items():
        path = root / repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def bases(fleet: Path, platform: Platform) -> dict[str, Files]:
    repo = platform.infrastructure.repo
    return {"generated": read(fleet / repo), "handwritten": read(FIXTURES / "handwritten_fleet" / repo)}


@pytest.fixture(scope="module")
def expected(bases: dict[str, Files], platform: Platform) -> Callable[[str, str], tuple[Files, dict[str, str]]]:
    """The repository with its defect, and its verdicts before any rewrite (computed once each)."""
    cache: dict[tuple[str, str], tuple[Files, dict[str, str]]] = {}

    def get(base: str, defect: str) -> tuple[Files, dict[str, str]]:
        if (base, defect) not in cache:
            files = dict(bases[base])
            if DEFECTS[defect] is not None:
                path, pattern, replacement = DEFECTS[defect]
                files[path], count = re.subn(pattern, replacement, files[path], count=1, flags=re.M)
                assert count == 1, (base, defect)
            with tempfile.TemporaryDirectory() as folder:
                write(files, Path(folder), platform.infrastructure.repo)
                cache[(base, defect)] = files, verdicts(Path(folder), platform)
        return cache[(base, defect)]

    return get


def test_the_repositories_judged_are_what_they_claim(expected) -> None:
    files, conforming = expected("generated", "none")
    assert set(conforming.values()) == {"passed"}
    # The hand-written fleet meets the requirement; the kit's own hardening (platform profile) is not its.
    assert {v for k, v in expected("handwritten", "none")[1].items() if k in REQUIREMENT_IDS} == {"passed"}
    for defect in DEFECTS:
        if defect != "none":
            assert "failed" in expected("generated", defect)[1].values(), defect
    assert split_blocks(files["terraform/s3.tf"])  # the splitter reads the generated files


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rewrites_that_keep_the_meaning_keep_every_verdict(data: st.DataObject, expected, platform: Platform) -> None:
    base = data.draw(st.sampled_from(["generated", "handwritten"]), label="base")
    defect = data.draw(st.sampled_from(sorted(DEFECTS)), label="defect") if base == "generated" else "none"
    files, wanted = expected(base, defect)
    rnd = data.draw(st.randoms(use_true_random=False), label="random")
    applied = []
    for rewrite in data.draw(st.lists(st.sampled_from(REWRITES), min_size=1, max_size=4), label="rewrites"):
        rewritten = rewrite(files, rnd)
        if rewritten is not None:
            files = rewritten
            applied.append(rewrite.__name__)
    folder = Path(tempfile.mkdtemp())
    try:
        write(files, folder, platform.infrastructure.repo)
        found = verdicts(folder, platform)
    finally:
        shutil.rmtree(folder)
    changed = {k: (wanted[k], v) for k, v in found.items() if v != wanted[k]}
    assert not changed, f"{base} with {defect}, after {applied}: {changed}"
