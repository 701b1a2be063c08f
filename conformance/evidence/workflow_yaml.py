"""A workflow file read once with the line of every key, so a check can name `file:line` of what it judges.

`yaml.safe_load` forgets where things are; a message like `deploy-prod.yml:34: WF-OIDC: ...
cannot resolve ${{ secrets.ROLE }}` needs the line of `role-to-assume`. The YAML is composed
into nodes (marks kept), constructed from the same nodes (one parse), and the lines recorded
by path: `("jobs", "deploy", "steps", 2, "with", "role-to-assume")`. A block scalar (`run: |`)
also records the line its text starts on, so a script's line 3 is a file line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from conformance.evidence.fleet import YamlFailure, workflow_document

PathKey = tuple[str | int, ...]


@dataclass
class WorkflowFile:
    file: str  # repo/relative, as messages show it
    data: dict[str, Any]
    lines: dict[PathKey, int] = field(default_factory=dict)  # the key's line (an item's, in a list)
    text_lines: dict[PathKey, int] = field(default_factory=dict)  # where a scalar's text starts

    def line(self, *path: str | int) -> int:
        """The line of the deepest key of `path` that exists (1: the file itself)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def where(self, *path: str | int) -> str:
        return f"{self.file}:{self.line(*path)}"

    def text_line(self, *path: str | int) -> int:
        """The file line of a scalar's first line of text (a `run: |` script's line 1)."""
        return self.text_lines.get(path, self.line(*path))


def _key(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else str(id(node))


def _record(node: yaml.Node, path: PathKey, into: WorkflowFile) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, _key(key_node))
            into.lines.setdefault(child, key_node.start_mark.line + 1)
            _record(value_node, child, into)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            into.lines.setdefault(child, item.start_mark.line + 1)
            _record(item, child, into)
    elif isinstance(node, yaml.ScalarNode):
        block = node.style in ("|", ">")
        into.text_lines[path] = node.start_mark.line + (2 if block else 1)


def load_workflow(text: str, file: str) -> WorkflowFile | YamlFailure:
    """The workflow with its lines; one line naming the problem when it is not a YAML mapping, or has an
    alias or a key twice."""
    read = workflow_document(text, file)
    if isinstance(read, YamlFailure):
        return read
    node, data = read
    workflow = WorkflowFile(file, data)
    _record(node, (), workflow)
    return workflow
