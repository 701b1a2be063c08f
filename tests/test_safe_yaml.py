"""conformance.safe_yaml: duplicate keys, alias bombs, deep nesting and odd files are one line with file:line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from conformance.safe_yaml import BadYaml, load_yaml, read_yaml

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [{','.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 2]\nc: {d: e}\n",
        "on:\n  workflow_dispatch:\njobs:\n  x:\n    steps:\n      - run: echo hi\n",
        "- 1\n- two\n- 2020-01-01\n- null\n- {x: [y, z]}\n",
        "key: |\n  a block\n  of text\n",
        "a: {'<<': 1}\nb: \"<<\"\n",  # a quoted << is a plain string
        "",
    ],
    ids=["block-and-flow", "workflow", "sequence", "block-scalar", "quoted-merge-string", "empty"],
)
def test_conforming_yaml_loads_as_pyyaml_loads_it(text: str) -> None:
    assert load_yaml(text, "x.yaml") == yaml.safe_load(text)


def test_aliases_load_where_allowed_and_within_the_bound() -> None:
    text = "base: &base {region: eu-west-1}\ndev: *base\nprod: [*base, *base]\n"
    assert load_yaml(text, "x.yaml", allow_aliases=True) == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        (
            "sit: {<<: {region: us-east-1}, region: eu-west-1}\n",
            {},
            "spec.yaml:1: expected no YAML merge keys, found <<",
        ),
        ("a: {<<: {x: 1, y: 2}, y: 3}\n", {}, "spec.yaml:1: expected no YAML merge keys, found <<"),
        (
            "base: &b {region: eu-west-1}\nprod:\n  <<: *b\n  region: af-south-1\n",
            {"allow_aliases": True},
            "spec.yaml:3: expected no YAML merge keys, found <<",
        ),
    ],
    ids=["inline-conflict", "overridden", "through-an-allowed-alias"],
)
def test_a_merge_key_is_refused_since_which_value_wins_is_invisible(text: str, options: dict, expected: str) -> None:
    assert refusal(text, **options) == expected


def refusal(text: str, **options) -> str:
    with pytest.raises(BadYaml) as caught:
        load_yaml(text, "spec.yaml", **options)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", "spec.yaml:3: expected each key once, found 'a' again (first at line 1)"),
        (
            "envs:\n  dev:\n    account_id: '1'\n    account_id: '2'\n",
            "spec.yaml:4: expected each key once, found 'account_id' again (first at line 3)",
        ),
        ("{x: 1, x: 1}\n", "spec.yaml:1: expected each key once, found 'x' again (first at line 1)"),
        ("on: 1\ntrue: 2\n", "spec.yaml:2: expected each key once, found True again (first at line 1)"),
        ("1: a\n0x1: b\n", "spec.yaml:2: expected each key once, found 1 again (first at line 1)"),
        ("- a: 1\n- b: 1\n  b: 2\n", "spec.yaml:3: expected each key once, found 'b' again (first at line 2)"),
    ],
    ids=["top-level", "nested", "flow", "yaml11-booleans", "int-forms", "in-a-list"],
)
def test_a_duplicate_key_is_refused_at_its_second_line(text: str, expected: str) -> None:
    assert refusal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &x 1\nb: *x\n", "spec.yaml:2: expected no YAML aliases, found *x"),
        ("a: &x {k: v}\nb:\n  c: {<<: *x}\n", "spec.yaml:3: expected no YAML aliases, found *x"),
        (BILLION_LAUGHS, "spec.yaml:2: expected no YAML aliases, found *a"),
    ],
    ids=["scalar", "merge", "billion-laughs"],
)
def test_aliases_are_refused_where_not_allowed(text: str, expected: str) -> None:
    assert refusal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BILLION_LAUGHS, "spec.yaml:5: expected at most 10000 YAML nodes with aliases expanded, found more at *d"),
        ("a: &a [1, *a]\n", "spec.yaml:1: expected no recursive YAML alias, found *a inside its anchor"),
        ("a: &a {b: &b [*a]}\n", "spec.yaml:1: expected no recursive YAML alias, found *a inside its anchor"),
    ],
    ids=["billion-laughs", "recursive", "recursive-nested"],
)
def test_allowed_aliases_are_bounded(text: str, expected: str) -> None:
    assert refusal(text, allow_aliases=True, max_nodes=10_000) == expected


def test_a_billion_laughs_is_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    """In a child limited to 512 MB: the expansion would need gigabytes; the refusal needs none."""
    spec = tmp_path / "laughs.yaml"
    spec.write_text(BILLION_LAUGHS + "\n", encoding="utf-8")
    program = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))
        from conformance.safe_yaml import BadYaml, read_yaml
        for allow in (False, True):
            try:
                read_yaml({str(spec)!r}, allow_aliases=allow)
            except BadYaml as error:
                print(error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, check=False, env=os.environ
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{spec}:2: expected no YAML aliases, found *a",
        f"{spec}:6: expected at most 100000 YAML nodes with aliases expanded, found more at *e",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 150 + "]" * 150, "spec.yaml:1: expected YAML nested at most 100 levels deep, found deeper"),
        (
            "".join("  " * i + f"k{i}:\n" for i in range(120)) + "  " * 120 + "v\n",
            "spec.yaml:100: expected YAML nested at most 100 levels deep, found deeper",
        ),
        ("a: [1\n", "spec.yaml:2: not valid YAML (while parsing a flow sequence did not find expected ',' or ']')"),
        ("a: b\x00c\n", "spec.yaml:1: not valid YAML (control characters are not allowed)"),
        ("a: !!python/object/apply:os.system [id]\n", "spec.yaml:1: not valid YAML (could not determine a constructor"),
        ("a: 1\n---\nb: 2\n", "spec.yaml:2: not valid YAML (expected a single document in the stream"),
        ("a: *nowhere\n", "spec.yaml:1: expected no YAML aliases, found *nowhere"),
    ],
    ids=["deep-flow", "deep-block", "syntax", "control-character", "python-tag", "two-documents", "undefined-alias"],
)
def test_malformed_yaml_is_one_line_with_its_line(text: str, expected: str) -> None:
    assert refusal(text).startswith(expected)


def test_size_is_bounded_before_parsing(tmp_path: Path) -> None:
    assert (
        refusal("a: " + "x" * 2000 + "\n", max_bytes=1000)
        == "spec.yaml: expected at most 1000 bytes of YAML, found 2004"
    )
    big = tmp_path / "big.yaml"
    with big.open("wb") as stream:
        stream.truncate(50 * 2**20)  # sparse: 50 MB that are never read
    with pytest.raises(BadYaml, match=rf"^{big}: expected at most 1000000 bytes of YAML, found 52428800$"):
        read_yaml(big)


def test_files_that_are_not_regular_files_are_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)  # reading it would block forever
    with pytest.raises(BadYaml, match=rf"^{fifo}: expected a file, found a pipe$"):
        read_yaml(fifo)
    with pytest.raises(BadYaml, match=rf"^{tmp_path}: expected a file, found a folder$"):
        read_yaml(tmp_path)
    with pytest.raises(BadYaml, match=r"^/dev/zero: expected a file, found a device$"):
        read_yaml("/dev/zero")
    with pytest.raises(BadYaml, match=r"missing\.yaml: cannot read \(No such file or directory\)$"):
        read_yaml(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("a: ok\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(BadYaml, match=rf"^{latin}:2: expected UTF-8 text, found byte 0xe9$"):
        read_yaml(latin)
