"""Override files that point a generated repository at the emulator, without changing its code.

Terraform merges `*_override.tf` files into the configuration: an attribute in an override
replaces the attribute of the same name. The sandbox writes one into each Lambda repository's
`terraform/` folder of its own copy (`./sandbox/repos`), never into a template or a committed
file (the generated `.gitignore` already ignores `*_override.tf`):

- `sandbox_remote_state_override.tf`: each `data "terraform_remote_state"` with the S3 backend
  gets its `config` restated. An override replaces the whole `config` map, so the file repeats
  the original entries exactly as written in the repository (the same expressions, read from
  the file, never values worked out here), then adds the emulator's endpoints, path-style
  addressing and the skip_* flags the S3 backend needs off AWS.

The provider and the S3 backend need no file: the provider takes its endpoints from the
`AWS_ENDPOINT_URL*` variables (and addresses the emulator's IP path-style by itself), the
backend from `-backend-config` arguments (see deploy.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lark import Token, Tree

from conformance.evidence.hcl import Attribute, Block, ParseFailure, read_hcl

REMOTE_STATE_OVERRIDE = "sandbox_remote_state_override.tf"
HEADER = (
    "# Written by the sandbox (conformance/sandbox/overrides.py) into its own copy of this repository;\n"
    "# never committed. It points terraform_remote_state at the local AWS emulator: the entries above\n"
    "# the blank line are the original config, restated as written in {source}.\n"
)


@dataclass(frozen=True)
class RemoteState:
    """One `data "terraform_remote_state"` block: its name and its config as written."""

    name: str
    file: str
    backend: str
    # (key, "key = expression") per entry when config is an object literal, else None.
    entries: tuple[tuple[str, str], ...] | None
    # The whole config expression as written (used when it is not an object literal).
    expression: str


def emulator_settings(endpoint_url: str) -> dict[str, str]:
    """The S3 backend settings that reach the emulator: name -> HCL expression."""
    url = json.dumps(endpoint_url)
    return {
        "endpoints": f"{{ s3 = {url}, dynamodb = {url}, sts = {url} }}",
        "use_path_style": "true",
        "skip_credentials_validation": "true",
        "skip_requesting_account_id": "true",
        "skip_metadata_api_check": "true",
    }


def _raw(node: Tree | Token, source: str) -> str:
    """The exact source text of a node (python-hcl2 keeps positions)."""
    if isinstance(node, Token):
        return source[node.start_pos : node.end_pos]
    return source[node.meta.start_pos : node.meta.end_pos]


def _object(node: Tree | Token) -> Tree | None:
    """The object literal an expression is, if it is one."""
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Tree) and node.data == "expr_term":
        inner = [c for c in node.children if isinstance(c, Tree) and c.data == "object"]
        if len(inner) == 1:
            return inner[0]
    return node if isinstance(node, Tree) and node.data == "object" else None


def _key_name(key: Tree, source: str) -> str:
    text = _raw(key, source).strip()
    return text[1:-1] if text.startswith('"') and text.endswith('"') else text


def _entries(config: Attribute) -> tuple[tuple[str, str], ...] | None:
    literal = _object(config.expression)
    if literal is None:
        return None
    entries = []
    for element in literal.children:
        if isinstance(element, Tree) and element.data == "object_elem":
            key = next(c for c in element.children if isinstance(c, Tree) and c.data == "object_elem_key")
            entries.append((_key_name(key, config.source), _raw(element, config.source).strip().rstrip(",")))
    return tuple(entries)


def _string_value(attribute: Attribute | None) -> str:
    if attribute is None:
        return ""
    return _raw(attribute.expression, attribute.source).strip().strip('"')


def remote_states(terraform_dir: Path) -> list[RemoteState]:
    """Every `terraform_remote_state` data block of the module (override files left out)."""
    found = []
    for path in sorted(terraform_dir.glob("*.tf")):
        if path.name == "override.tf" or path.name.endswith("_override.tf"):
            continue
        body = read_hcl(path, path.name)
        if isinstance(body, ParseFailure):
            raise ValueError(str(body))
        for block in body.blocks_of("data"):
            if block.labels[:1] != ("terraform_remote_state",):
                continue
            found.append(_remote_state(block, path.name))
    return found


def _remote_state(block: Block, file: str) -> RemoteState:
    config = block.body.attributes.get("config")
    return RemoteState(
        name=block.labels[1],
        file=file,
        backend=_string_value(block.body.attributes.get("backend")),
        entries=_entries(config) if config else (),
        expression=_raw(config.expression, config.source).strip() if config else "{}",
    )


def _indent(text: str, prefix: str) -> str:
    first, *rest = text.splitlines() or [""]
    return "\n".join([prefix + first, *rest])


def render_remote_state_override(states: list[RemoteState], endpoint_url: str) -> str:
    """The override file's text: each config restated as written, plus the emulator settings."""
    settings = emulator_settings(endpoint_url)
    sources = ", ".join(sorted({s.file for s in states}))
    blocks = [HEADER.format(source=sources)]
    for state in states:
        if state.backend != "s3":
            continue
        lines = [f'data "terraform_remote_state" "{state.name}" {{', "  config = "]
        if state.entries is not None:
            kept = [text for key, text in state.entries if key not in settings]
            body = [_indent(text, "    ") for text in kept]
            body.append("")
            body += [f"    {key} = {value}" for key, value in settings.items()]
            lines[-1] += "{"
            lines += body
            lines.append("  }")
        else:
            extra = ", ".join(f"{key} = {value}" for key, value in settings.items())
            lines[-1] += f"merge({state.expression}, {{ {extra} }})"
        lines.append("}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def write_remote_state_override(terraform_dir: Path, endpoint_url: str) -> Path | None:
    """Write the override into `terraform_dir` where the module reads remote state; else remove it."""
    target = terraform_dir / REMOTE_STATE_OVERRIDE
    states = [s for s in remote_states(terraform_dir) if s.backend == "s3"]
    if not states:
        target.unlink(missing_ok=True)
        return None
    target.write_text(render_remote_state_override(states, endpoint_url), encoding="utf-8")
    return target


@contextmanager
def set_aside(repos_root: Path) -> Iterator[list[Path]]:
    """The sandbox's own overrides moved out of the repositories while the suite judges them, then put back.

    They are the sandbox's (gitignored), not the repositories': the suite fails TF-PARSE on any override
    file, which it does not merge (conformance.evidence.fleet.NOT_MERGED).
    """
    kept = {path: path.read_bytes() for path in sorted(repos_root.glob(f"*/terraform/{REMOTE_STATE_OVERRIDE}"))}
    for path in kept:
        path.unlink()
    try:
        yield list(kept)
    finally:
        for path, data in kept.items():
            path.write_bytes(data)
