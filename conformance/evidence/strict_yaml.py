"""YAML as the workflows are read: safe tags only, no aliases, no duplicate keys, bounded.

An alias makes two places of the document one object, so a 400-byte "billion laughs" becomes a
structure whose walk never ends; a duplicate key silently keeps the last value. Both are refused
while the document is built, with the line of the alias or the repeated key. libyaml (when
PyYAML has it) also stops nesting beyond 1000 levels, and the file itself is at most the reader's
size limit (conformance.evidence.files), so a load is bounded in time and memory.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node

# libyaml's safe loader when PyYAML has it (about 9x faster on workflows), else the pure-Python one.
BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


ALIAS_REFUSED = "found an alias (*name): aliases are refused"


class AliasRefused(ConstructorError):
    """An alias met while building; its mark is the anchor's until `compose_strict` finds the alias."""


class StrictLoader(BASE_LOADER):  # type: ignore[misc,valid-type]
    """SafeLoader that refuses aliases and duplicate keys."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # A node met a second time is an alias (`*name`) of an anchor built before.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise AliasRefused(None, None, ALIAS_REFUSED, node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, f"expected a mapping, found {node.id}", node.start_mark)
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise ConstructorError(None, None, "found a key that cannot be a mapping key", key_node.start_mark)
            if key in mapping:
                raise ConstructorError(None, None, f"found the key {key!r} twice in one mapping", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _first_alias(text: str) -> AliasEvent | None:
    """The document's first alias, from its events (linear: an alias is one event, never expanded)."""
    return next((e for e in yaml.parse(text, Loader=BASE_LOADER) if isinstance(e, AliasEvent)), None)


def load_strict(text: str) -> Any:
    """The document, or yaml.YAMLError with the line (a RecursionError becomes one too)."""
    return compose_strict(text)[1]


def compose_strict(text: str) -> tuple[Node | None, Any]:
    """The document's node tree (marks kept, for readers that name lines) and the document built from it."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except AliasRefused:
        alias = _first_alias(text)
        if alias is None:
            raise
        problem = f"found an alias (*{alias.anchor}): aliases are refused"
        raise ConstructorError(None, None, problem, alias.start_mark) from None
    except RecursionError:  # the pure-Python loader (libyaml stops at 1000 levels itself)
        start = yaml.Mark("<document>", 0, 0, 0, None, None)
        raise yaml.MarkedYAMLError(None, None, "nests too deeply", start) from None
    finally:
        loader.dispose()
