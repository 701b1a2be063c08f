"""Terraform files as blocks and attributes with positions, parsed once by python-hcl2.

The raw Lark tree is kept for every attribute so the evaluator can compute values exactly as
Terraform would (templates, functions, arithmetic, references) and every message can name the
file and line it is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hcl2.api import parses_to_tree
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from conformance.evidence.files import read_regular


@dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Attribute:
    name: str
    expression: Tree | Token
    location: Location
    source: str = field(repr=False, default="")

    @property
    def text(self) -> str:
        """The expression as written in the file."""
        return source_text(self.expression, self.source)


@dataclass
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    location: Location

    @property
    def address(self) -> str:
        """Terraform's address: `aws_sqs_queue.main`, `data.aws_region.current`, `var.x`."""
        if self.type == "resource":
            return ".".join(self.labels)
        if self.type == "data":
            return "data." + ".".join(self.labels)
        return ".".join((self.type, *self.labels))


@dataclass(frozen=True)
class ParseFailure:
    """A file that does not parse: where and why, in one line."""

    file: str
    line: int
    column: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: does not parse: {self.reason}"


def source_text(node: Tree | Token, source: str) -> str:
    """The source text of a parsed node (python-hcl2 propagates positions)."""
    if isinstance(node, Token):
        return str(node)
    meta = node.meta
    if getattr(meta, "empty", True) or not source:
        return "<expression>"
    return " ".join(source[meta.start_pos : meta.end_pos].split())


def _children(tree: Tree) -> Iterator[Tree | Token]:
    for child in tree.children:
        if isinstance(child, Tree) and child.data == "new_line_or_comment":
            continue
        yield child


def _name(node: Tree | Token) -> str:
    """A block type, label or attribute name (identifier, keyword or quoted string)."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(part.children[0]) for part in node.children if isinstance(part, Tree))
    return str(node.children[0])


def _body(tree: Tree, file: str, source: str) -> Body:
    body = Body()
    for node in _children(tree):
        if not isinstance(node, Tree):
            continue
        if node.data == "attribute":
            name_node, _eq, expression = list(_children(node))
            location = Location(file, node.meta.line)
            body.attributes[_name(name_node)] = Attribute(_name(name_node), expression, location, source)
        elif node.data == "block":
            parts = [c for c in _children(node) if not (isinstance(c, Token) and c.type in ("LBRACE", "RBRACE"))]
            *heads, inner = parts
            body.blocks.append(
                Block(
                    _name(heads[0]),
                    tuple(_name(h) for h in heads[1:]),
                    _body(inner, file, source),
                    Location(file, node.meta.line),
                )
            )
    return body


def parse_hcl(text: str, file: str) -> Body | ParseFailure:
    """The file's top-level body, or where it fails to parse."""
    try:
        tree = parses_to_tree(text)
    except UnexpectedInput as error:
        reason = str(error).splitlines()[0]
        return ParseFailure(file, getattr(error, "line", 0) or 0, getattr(error, "column", 0) or 0, reason)
    except LarkError as error:
        return ParseFailure(file, 0, 0, str(error).splitlines()[0])
    except RecursionError:
        return ParseFailure(file, 1, 0, "nests too deeply to be read")
    try:
        return _body(tree.children[0], file, text)
    except RecursionError:
        return ParseFailure(file, 1, 0, "nests too deeply to be read")


def read_hcl(path: Path, display: str) -> Body | ParseFailure:
    """A file read as the evidence reads one: a regular file, at most the size limit, UTF-8."""
    found = read_regular(str(path))
    if isinstance(found, str):
        return parse_hcl(found, display)
    reason, line = found
    return ParseFailure(display, line, 0, reason)
