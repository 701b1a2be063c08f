"""YAML read defensively: one line naming file:line for every input that could mislead or exhaust the reader.

PyYAML's safe loader lets a duplicate key silently replace the first one, expands a few hundred bytes
of aliases ("billion laughs") into gigabytes, and reads a file of any size. This loader refuses all of
that before a value is used, with a `BadYaml` whose `str()` is `file:line: expected ..., found ...`.
It imports nothing of the project: every reader of YAML (the platform spec, the repositories' workflows,
`fleet add-lambda`'s spec edit) goes through it, so each refuses the same things with the same words.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

try:  # libyaml's parser where it is built in; the composing and checking below are the same either way
    from yaml._yaml import CParser as _Parser

    _READERS: tuple[type, ...] = (_Parser,)
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    _READERS = (Reader, Scanner, Parser)

MAX_BYTES = 1_000_000
# Nodes a document may expand to through its aliases (the document's own nodes count too).
MAX_NODES = 100_000
MAX_DEPTH = 100
MERGE_TAG = "tag:yaml.org,2002:merge"


class BadYaml(ValueError):
    """YAML refused: `str()` is one line, `source:line: reason` (or `source: reason` for the whole file)."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source, self.line, self.reason = source, line, reason
        super().__init__(f"{source}:{line}: {reason}" if line else f"{source}: {reason}")


class _Refused(Exception):
    """Raised inside the loader, turned into BadYaml with the source's name outside it."""

    def __init__(self, mark: Any, reason: str) -> None:
        super().__init__(reason)
        self.line = mark.line + 1 if mark is not None else None
        self.reason = reason


class _Composer(Composer):
    """PyYAML's composer with three bounds: aliases (none, or a budget of expanded nodes), depth, duplicate keys."""

    def __init__(self, allow_aliases: bool, max_nodes: int) -> None:
        super().__init__()
        self._allow_aliases = allow_aliases
        self._max_nodes = self._budget = max_nodes
        self._depth = 0
        self._open_anchors: set[str] = set()
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self._follow_alias(event)
            return super().compose_node(parent, index)
        self._spend(1, event)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"expected YAML nested at most {MAX_DEPTH} levels deep, found deeper")
        if event.anchor is not None:
            self._open_anchors.add(event.anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open_anchors.discard(event.anchor)

    def _follow_alias(self, event: AliasEvent) -> None:
        if not self._allow_aliases:
            raise _Refused(event.start_mark, f"expected no YAML aliases, found *{event.anchor}")
        if event.anchor in self._open_anchors:
            raise _Refused(
                event.start_mark, f"expected no recursive YAML alias, found *{event.anchor} inside its anchor"
            )
        node = self.anchors.get(event.anchor)
        if node is not None:  # an undefined alias is PyYAML's own error, with its line
            self._spend(self._size(node), event)

    def _spend(self, nodes: int, event: Any) -> None:
        self._budget -= nodes
        if self._budget < 0:
            where = f" at *{event.anchor}" if isinstance(event, AliasEvent) else ""
            raise _Refused(
                event.start_mark,
                f"expected at most {self._max_nodes} YAML nodes with aliases expanded, found more{where}",
            )

    def _size(self, root: Node) -> int:
        """Nodes under `root` with every alias expanded; each distinct node is counted once (memoised)."""
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if id(node) in self._sizes:
                continue
            children = _children(node)
            if children_done or not children:
                self._sizes[id(node)] = 1 + sum(self._sizes[id(child)] for child in children)
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in children if id(child) not in self._sizes)
        return self._sizes[id(root)]

    def compose_mapping_node(self, anchor: str | None) -> MappingNode:
        node = super().compose_mapping_node(anchor)
        first_line: dict[Any, int] = {}
        for position, (key_node, _) in enumerate(node.value):
            if key_node.tag == MERGE_TAG:  # `<<` folds another mapping in: which value wins is invisible
                raise _Refused(key_node.start_mark, "expected no YAML merge keys, found <<")
            if not isinstance(key_node, ScalarNode):
                continue
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            try:
                seen = first_line.setdefault(key, position)
            except TypeError:  # unhashable: the constructor reports it with its line
                continue
            if seen != position:
                line = node.value[seen][0].start_mark.line + 1
                raise _Refused(
                    key_node.start_mark, f"expected each key once, found {key!r} again (first at line {line})"
                )
        return node


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _Loader(_Composer, *_READERS, SafeConstructor, Resolver):  # type: ignore[misc]
    """Events from libyaml (or PyYAML's parser), composed and constructed in Python with the checks above."""

    def __init__(self, stream: str, allow_aliases: bool, max_nodes: int) -> None:
        _READERS[0].__init__(self, stream)
        for reader in _READERS[1:]:  # pragma: no cover - PyYAML without libyaml
            reader.__init__(self)
        _Composer.__init__(self, allow_aliases, max_nodes)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


def load_yaml(
    text: str,
    source: str,
    *,
    allow_aliases: bool = False,
    max_nodes: int = MAX_NODES,
    max_bytes: int = MAX_BYTES,
) -> Any:
    """The one YAML document in `text`, or BadYaml naming `source` and the line.

    Refused: more than `max_bytes` bytes; a key twice in one mapping; a merge key (`<<`); aliases
    (unless `allow_aliases`, then a document expanding to more than `max_nodes` nodes, or an alias
    inside its own anchor);
    nesting deeper than MAX_DEPTH; anything PyYAML's safe loader refuses (syntax, unknown tags).
    """
    return compose_yaml(text, source, allow_aliases=allow_aliases, max_nodes=max_nodes, max_bytes=max_bytes)[1]


def compose_yaml(
    text: str,
    source: str,
    *,
    allow_aliases: bool = False,
    max_nodes: int = MAX_NODES,
    max_bytes: int = MAX_BYTES,
) -> tuple[Node | None, Any]:
    """The document's node tree (its marks name lines for readers that point into the file) and the
    document built from it, refused exactly as `load_yaml` refuses."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise BadYaml(source, None, f"expected at most {max_bytes} bytes of YAML, found {size}")
    loader = _Loader(text, allow_aliases, max_nodes)
    try:
        node = loader.get_single_node()
        return node, (None if node is None else loader.construct_document(node))
    except _Refused as refused:
        raise BadYaml(source, refused.line, refused.reason) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise BadYaml(source, mark.line + 1 if mark else None, f"not valid YAML ({reason})") from None
    except yaml.YAMLError as error:  # the reader's errors (control characters) carry a position, not a mark
        position = getattr(error, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        raise BadYaml(source, line, f"not valid YAML ({reason})") from None
    except RecursionError:  # a key that is itself deeply nested
        raise BadYaml(source, None, f"expected YAML nested at most {MAX_DEPTH} levels deep, found deeper") from None
    finally:
        loader.dispose()


def read_yaml(path: Path | str, source: str | None = None, *, max_bytes: int = MAX_BYTES, **options: Any) -> Any:
    """Load the YAML file at `path` (named `source` in errors); a FIFO, device or huge file is never read."""
    path = Path(path)
    source = source or str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; for a regular file it changes nothing.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise BadYaml(source, None, f"expected a file, found {_kind(info.st_mode)}")
            if info.st_size > max_bytes:
                raise BadYaml(source, None, f"expected at most {max_bytes} bytes of YAML, found {info.st_size}")
            data = stream.read(max_bytes + 1)
    except IsADirectoryError:
        raise BadYaml(source, None, "expected a file, found a folder") from None
    except OSError as error:
        raise BadYaml(source, None, f"cannot read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadYaml(source, line, f"expected UTF-8 text, found byte 0x{data[error.start]:02x}") from None
    return load_yaml(text, source, max_bytes=max_bytes, **options)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
