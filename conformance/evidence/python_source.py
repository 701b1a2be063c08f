"""A repository's Python files read as `ast` (never imported, never run), each parsed once per session.

The content checks ask what the code declares: does `src/handler.py` define the function that
`lambda.tf` names, does `scripts/validate_infrastructure.py` take `--env`. A file that does not
parse is a `PythonFailure` naming its line, which the check reports as it is.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass

from conformance.evidence.fleet import FleetEvidence


@dataclass(frozen=True)
class PythonFailure:
    file: str
    line: int
    reason: str


def parse_python(text: str, file: str) -> ast.Module | PythonFailure:
    try:
        return ast.parse(text, filename=file)
    except SyntaxError as error:
        return PythonFailure(file, error.lineno or 0, error.msg or "invalid syntax")
    except (ValueError, RecursionError) as error:  # null bytes, absurd nesting
        return PythonFailure(file, 0, str(error).splitlines()[0] if str(error) else type(error).__name__)


PARSES = ("python", "parse counts")


def parse_counts(evidence: FleetEvidence) -> Counter[str]:
    """How often each Python file was parsed this session (kept apart from the HCL and YAML counts,
    which the benchmarks' parse floor mirrors)."""
    return evidence.scratch.setdefault(PARSES, Counter())


def python_module(evidence: FleetEvidence, repo: str, relative: str) -> ast.Module | PythonFailure | None:
    """The file's tree, where it fails to parse, or None when it is not there."""
    key = ("python", repo, relative)
    if key not in evidence.scratch:
        text = evidence.text(repo, relative)
        if text is None:
            evidence.scratch[key] = None
        else:
            parse_counts(evidence)[f"{repo}/{relative}"] += 1
            evidence.scratch[key] = parse_python(text, f"{repo}/{relative}")
    return evidence.scratch[key]


def top_level_names(module: ast.Module) -> dict[str, ast.AST]:
    """What a module defines at its top level: functions, classes, assignments and imports, by name."""
    names: dict[str, ast.AST] = {}
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = node
    return names


def takes_event_and_context(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Lambda calls `handler(event, context)`: two positional parameters (or *args) must fit."""
    arguments = function.args
    positional = len(arguments.posonlyargs) + len(arguments.args)
    required_keyword_only = [d for d in arguments.kw_defaults if d is None]
    return (
        (positional >= 2 or arguments.vararg is not None)
        and not required_keyword_only
        and positional - len(arguments.defaults) <= 2
    )
