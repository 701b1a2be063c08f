"""Evaluate Terraform expressions statically, as Terraform would for one environment.

Variables come from their defaults and the env's tfvars; locals, string templates, heredocs,
arithmetic, conditionals, for-expressions and the common functions are computed. A reference to
a resource or data source stays symbolic (`Ref`), so a check can ask *which* resource a value
points at (the redrive policy's target must be the DLQ). What cannot be computed raises
`Unresolvable`, which names the expression and its file and line: never a silent pass.

Over 400 lines as one idea: Terraform's expression language (one evaluator, its functions beside it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hcl2.api import parses_to_tree
from lark import Token, Tree

from conformance.evidence.hcl import Attribute, Location, source_text

NOT_VALUES = {"new_line_or_comment"}


class Unresolvable(Exception):
    """`cannot resolve EXPR at file:line` (with the reason)."""

    def __init__(self, expression: str, location: Location | None, reason: str = "") -> None:
        self.expression = expression
        self.location = location
        self.reason = reason
        where = f" at {location}" if location else ""
        suffix = f" ({reason})" if reason else ""
        super().__init__(f"cannot resolve {expression}{where}{suffix}")


@dataclass(frozen=True)
class Ref:
    """A reference Terraform only knows after apply, e.g. `aws_sqs_queue.dlq.arn`."""

    address: str

    @property
    def target(self) -> str:
        """The referenced resource: `aws_sqs_queue.dlq` (or `data.x.y`)."""
        parts = self.address.split(".")
        return ".".join(parts[:3] if parts[0] == "data" else parts[:2])

    @property
    def attribute(self) -> str:
        parts = self.address.split(".")
        return ".".join(parts[3:] if parts[0] == "data" else parts[2:])

    def __str__(self) -> str:
        return "${" + self.address + "}"


@dataclass(frozen=True)
class Template:
    """A string with references in it: kept as parts so checks can still see the references."""

    parts: tuple[Any, ...]

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)


@dataclass(frozen=True)
class Encoded:
    """The result of `jsonencode(value)`: a JSON string, with its structure kept."""

    value: Any

    def __str__(self) -> str:
        return json.dumps(self.value, default=str, separators=(",", ":"))


REF_IN_TEXT = re.compile(r"^\$\{([\w.\-\[\]\"]+)\}$")


def decode_json(value: Any) -> Any:
    """A JSON document from `jsonencode(...)`, a heredoc or a plain string; refs come back as Ref."""
    if isinstance(value, Encoded):
        return value.value
    if isinstance(value, dict | list):
        return value
    document = json.loads(str(value))

    def refs(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: refs(v) for k, v in node.items()}
        if isinstance(node, list):
            return [refs(v) for v in node]
        if isinstance(node, str) and (match := REF_IN_TEXT.match(node)):
            return Ref(match.group(1))
        return node

    return refs(document)


def normalise_number(value: float | int) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclass
class Scope:
    """What names mean while evaluating: variables, locals, each/count, the source text."""

    variables: dict[str, Any]
    locals: dict[str, Attribute]
    extra: dict[str, Any] = field(default_factory=dict)
    _local_values: dict[str, Any] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)

    def child(self, **names: Any) -> Scope:
        scope = Scope(self.variables, self.locals, {**self.extra, **names})
        scope._local_values = self._local_values
        scope._resolving = self._resolving
        return scope


class Evaluator:
    """Evaluates parsed expressions in a scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    # -- entry points ------------------------------------------------------------------------

    def attribute(self, attribute: Attribute) -> Any:
        return self.expression(attribute.expression, attribute)

    def expression(self, node: Tree | Token, attribute: Attribute) -> Any:
        return _Walk(self.scope, attribute).value(node)

    def local(self, name: str, at: Attribute | None = None) -> Any:
        scope = self.scope
        if name in scope._local_values:
            return scope._local_values[name]
        if name not in scope.locals:
            raise Unresolvable(f"local.{name}", at.location if at else None, "no such local")
        if name in scope._resolving:
            raise Unresolvable(f"local.{name}", scope.locals[name].location, "cycle between locals")
        scope._resolving.add(name)
        try:
            value = Evaluator(
                Scope(scope.variables, scope.locals, {}, scope._local_values, scope._resolving)
            ).attribute(scope.locals[name])
        finally:
            scope._resolving.discard(name)
        scope._local_values[name] = value
        return value


class _Walk:
    def __init__(self, scope: Scope, attribute: Attribute) -> None:
        self.scope = scope
        self.attribute = attribute

    def fail(self, node: Tree | Token, reason: str = "") -> Unresolvable:
        line = self.attribute.location.line
        meta = getattr(node, "meta", None)
        if meta is not None and not getattr(meta, "empty", True):
            line = meta.line
        return Unresolvable(
            source_text(node, self.attribute.source), Location(self.attribute.location.file, line), reason
        )

    def parts(self, node: Tree) -> list[Tree | Token]:
        return [c for c in node.children if not (isinstance(c, Tree) and c.data in NOT_VALUES)]

    # -- dispatch ----------------------------------------------------------------------------

    def value(self, node: Tree | Token) -> Any:
        if isinstance(node, Token):
            raise self.fail(node, f"unexpected token {node.type}")
        handler: Callable[[Tree], Any] | None = getattr(self, f"_{node.data}", None)
        if handler is None:
            raise self.fail(node, f"{node.data} is not supported")
        return handler(node)

    def _expr_term(self, node: Tree) -> Any:
        inner = [c for c in self.parts(node) if not (isinstance(c, Token) and c.type in ("LPAR", "RPAR"))]
        return self.value(inner[0])

    def _int_lit(self, node: Tree) -> int:
        return int(str(node.children[0]))

    def _float_lit(self, node: Tree) -> float | int:
        return normalise_number(float(str(node.children[0])))

    def _literal_value(self, node: Tree) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _identifier(self, node: Tree) -> Any:
        name = str(node.children[0])
        if name in self.scope.extra:
            return self.scope.extra[name]
        raise self.fail(node, f"unknown name {name}")

    # -- strings -----------------------------------------------------------------------------

    def _string(self, node: Tree) -> Any:
        pieces: list[Any] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            inner = part.children[0]
            if isinstance(inner, Token):
                if inner.type == "STRING_CHARS":
                    pieces.append(unescape(str(inner)))
                elif inner.type == "ESCAPED_INTERPOLATION" or inner.type == "ESCAPED_DIRECTIVE":
                    pieces.append(str(inner)[1:])
                else:
                    raise self.fail(part, f"unexpected {inner.type}")
            elif inner.data == "interpolation":
                pieces.append(self.value(self.parts(inner)[1]))
            else:
                raise self.fail(node, "template directives are not supported")
        return join_template(pieces)

    def _template_string(self, node: Tree) -> str:
        return unescape(str(node.children[0])[2:-2])

    def _heredoc(self, node: Tree, trim: bool) -> Any:
        text = str(node.children[0])
        marker = re.match(r"<<-?([A-Za-z][\w.-]*)\r?\n", text)
        assert marker
        body = text[marker.end() :]
        body = body[: body.rstrip().rfind("\n") + 1] if "\n" in body.rstrip() else ""
        if trim:
            lines = body.splitlines(keepends=True)
            indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
            cut = min(indents, default=0)
            body = "".join(ln[cut:] for ln in lines)
        quoted = body.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        tree = parses_to_tree(f'x = "{quoted}"\n')
        expression = self.parts(tree.children[0].children[0])[-1]
        return _Walk(self.scope, Attribute(self.attribute.name, expression, self.attribute.location, "")).value(
            expression
        )

    def _heredoc_template(self, node: Tree) -> Any:
        return self._heredoc(node, trim=False)

    def _heredoc_template_trim(self, node: Tree) -> Any:
        return self._heredoc(node, trim=True)

    # -- collections -------------------------------------------------------------------------

    def _tuple(self, node: Tree) -> list[Any]:
        return [self.value(c) for c in self.parts(node) if isinstance(c, Tree)]

    def _object(self, node: Tree) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for element in self.parts(node):
            if not (isinstance(element, Tree) and element.data == "object_elem"):
                continue
            key_node, _sep, value_node = self.parts(element)
            result[self.object_key(key_node)] = self.value(value_node)
        return result

    def object_key(self, key_node: Tree) -> str:
        inner = self.parts(key_node)[0]
        if isinstance(inner, Tree) and inner.data == "expr_term":
            bare = self.parts(inner)
            if len(bare) == 1 and isinstance(bare[0], Tree) and bare[0].data == "identifier":
                return str(bare[0].children[0])
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        key = self.value(inner)
        if not isinstance(key, str | int | float | bool):
            raise self.fail(key_node, "object key is not known statically")
        return str(key)

    # -- references and traversal ------------------------------------------------------------

    def traversal(self, node: Tree) -> tuple[Tree, list[tuple[str, Any]]]:
        """(root node, [("attr", name) | ("index", value)]) for a.b[c].d chains."""
        steps: list[tuple[str, Any]] = []
        while isinstance(node, Tree):
            if node.data == "expr_term":
                inner = self.parts(node)
                if (
                    len(inner) == 1
                    and isinstance(inner[0], Tree)
                    and inner[0].data
                    in (
                        "get_attr_expr_term",
                        "index_expr_term",
                        "identifier",
                    )
                ):
                    node = inner[0]
                    continue
                return node, steps
            if node.data == "get_attr_expr_term":
                base, get_attr = self.parts(node)
                steps.insert(0, ("attr", str(self.parts(get_attr)[-1].children[0])))
                node = base
            elif node.data == "index_expr_term":
                base, index = self.parts(node)
                if index.data == "short_index":
                    steps.insert(0, ("index", int(str(index.children[-1]))))
                else:
                    steps.insert(0, ("index", self.value(self.parts(index)[1])))
                node = base
            else:
                return node, steps
        return node, steps

    def _get_attr_expr_term(self, node: Tree) -> Any:
        return self.reference(node)

    def _index_expr_term(self, node: Tree) -> Any:
        return self.reference(node)

    def reference(self, node: Tree) -> Any:
        root, steps = self.traversal(node)
        if not (isinstance(root, Tree) and root.data == "identifier"):
            return self.walk_steps(self.value(root), steps, node)
        name = str(root.children[0])
        if name in self.scope.extra:
            return self.walk_steps(self.scope.extra[name], steps, node)
        if not steps or steps[0][0] != "attr":
            raise self.fail(node, f"unknown name {name}")
        first = steps[0][1]
        if name == "var":
            if first not in self.scope.variables:
                raise self.fail(node, f"variable {first} has no value for this environment")
            return self.walk_steps(self.scope.variables[first], steps[1:], node)
        if name == "local":
            return self.walk_steps(Evaluator(self.scope).local(first, self.attribute), steps[1:], node)
        if name == "path":
            return "."
        if name in ("count", "each", "self"):
            raise self.fail(node, f"{name} is not known here")
        # A resource, data source or module: symbolic until apply.
        return Ref(".".join([name, *(str(v) for _, v in steps)]))

    def walk_steps(self, value: Any, steps: list[tuple[str, Any]], node: Tree) -> Any:
        for kind, key in steps:
            if isinstance(value, Ref):
                return Ref(f"{value.address}.{key}" if kind == "attr" else f"{value.address}[{json.dumps(key)}]")
            try:
                value = value[key] if not (kind == "index" and isinstance(value, list)) else value[int(key)]
            except (KeyError, IndexError, TypeError, ValueError):
                raise self.fail(node, f"no {key!r} in the value") from None
        return value

    # -- operators ---------------------------------------------------------------------------

    def number(self, value: Any, node: Tree) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(node, "not a number")
        try:
            return value if isinstance(value, int | float) else normalise_number(float(value))
        except ValueError:
            raise self.fail(node, f"{value!r} is not a number") from None

    def _binary_op(self, node: Tree) -> Any:
        left_node, term = self.parts(node)[:2]
        operator_node, right_node = self.parts(term)
        operator = str(operator_node.children[0])
        left = self.value(left_node)
        if operator == "&&":
            return bool(left) and bool(self.value(right_node))
        if operator == "||":
            return bool(left) or bool(self.value(right_node))
        right = self.value(right_node)
        if isinstance(left, Ref | Template) or isinstance(right, Ref | Template):
            raise self.fail(node, "depends on a value known only after apply")
        if operator in ("==", "!="):
            return (left == right) == (operator == "==")
        a, b = self.number(left, left_node), self.number(right, right_node)
        operations: dict[str, Callable[[Any, Any], Any]] = {
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "/": lambda x, y: x / y,
            "%": lambda x, y: x % y,
            "<": lambda x, y: x < y,
            ">": lambda x, y: x > y,
            "<=": lambda x, y: x <= y,
            ">=": lambda x, y: x >= y,
        }
        try:
            result = operations[operator](a, b)
        except ZeroDivisionError:
            raise self.fail(node, "division by zero") from None
        return normalise_number(result) if isinstance(result, int | float) and not isinstance(result, bool) else result

    def _unary_op(self, node: Tree) -> Any:
        operator, operand = node.children[0], node.children[1]
        value = self.value(operand)
        if str(operator) == "!":
            return not value
        return -self.number(value, node)

    def _conditional(self, node: Tree) -> Any:
        values = [c for c in self.parts(node) if isinstance(c, Tree)]
        condition, yes, no = values
        test = self.value(condition)
        if isinstance(test, Ref | Template):
            raise self.fail(node, "condition known only after apply")
        return self.value(yes if test else no)

    # -- for expressions ---------------------------------------------------------------------

    def for_items(self, intro: Tree) -> tuple[list[str], Any]:
        names = [str(c.children[0]) for c in self.parts(intro) if isinstance(c, Tree) and c.data == "identifier"]
        collection_node = next(c for c in self.parts(intro) if isinstance(c, Tree) and c.data != "identifier")
        return names, self.value(collection_node)

    def iterate(self, names: list[str], collection: Any, node: Tree) -> Iterator[_Walk]:
        if isinstance(collection, dict):
            pairs = list(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            raise self.fail(node, "for over a value that is not a collection")
        for key, item in pairs:
            bound = {names[0]: item} if len(names) == 1 else {names[0]: key, names[1]: item}
            yield _Walk(self.scope.child(**bound), self.attribute)

    def _for_tuple_expr(self, node: Tree) -> list[Any]:
        trees = [c for c in self.parts(node) if isinstance(c, Tree)]
        intro, body, *cond = trees
        names, collection = self.for_items(intro)
        result = []
        for walk in self.iterate(names, collection, node):
            if cond and not walk.value(walk.parts(cond[0])[-1]):
                continue
            result.append(walk.value(body))
        return result

    def _for_object_expr(self, node: Tree) -> dict[str, Any]:
        trees = [c for c in self.parts(node) if isinstance(c, Tree)]
        intro, key_node, value_node, *cond = trees
        names, collection = self.for_items(intro)
        result: dict[str, Any] = {}
        for walk in self.iterate(names, collection, node):
            if cond and not walk.value(walk.parts(cond[0])[-1]):
                continue
            result[str(walk.value(key_node))] = walk.value(value_node)
        return result

    # -- functions ---------------------------------------------------------------------------

    def _function_call(self, node: Tree) -> Any:
        parts = self.parts(node)
        name = str(parts[0].children[0])
        argument_nodes = next((p for p in parts if isinstance(p, Tree) and p.data == "arguments"), None)
        arguments = (
            [] if argument_nodes is None else [self.value(a) for a in self.parts(argument_nodes) if isinstance(a, Tree)]
        )
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.fail(node, f"function {name}() is not evaluated statically")
        if name != "jsonencode" and any(isinstance(a, Ref | Template) for a in arguments):
            if name == "format" and isinstance(arguments[0], str):
                return format_template(arguments[0], arguments[1:])
            raise self.fail(node, "depends on a value known only after apply")
        try:
            return function(*arguments)
        except (TypeError, ValueError, KeyError, IndexError) as error:
            raise self.fail(node, f"{name}(): {error}") from None


def unescape(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def join_template(pieces: list[Any]) -> Any:
    """A string when every piece is known, a Template when a reference is inside."""
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return pieces[0]  # "${x}" is x itself, whatever its type
    if any(isinstance(p, Ref | Template) for p in pieces):
        flat: list[Any] = []
        for p in pieces:
            flat.extend(p.parts if isinstance(p, Template) else [p])
        return Template(tuple(flat))
    return "".join(to_string(p) for p in pieces)


def to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(normalise_number(value))
    if value is None:
        raise ValueError("null in a string template")
    if isinstance(value, dict | list):
        raise ValueError("a collection in a string template")
    return str(value)


VERB = re.compile(r"%[-+ #0-9.]*([sdvqft%])")


def format_template(spec: str, args: list[Any]) -> Any:
    """format() whose arguments include references: a Template with the references in place."""
    pieces: list[Any] = []
    values = iter(args)
    position = 0
    for match in VERB.finditer(spec):
        pieces.append(spec[position : match.start()])
        pieces.append("%" if match.group(1) == "%" else next(values))
        position = match.end()
    pieces.append(spec[position:])
    return join_template([p for p in pieces if p != ""])


def hcl_format(spec: str, *args: Any) -> str:
    values = iter(args)

    def verb(match: re.Match[str]) -> str:
        code = match.group(1)
        if code == "%":
            return "%"
        value = next(values)
        if code == "q":
            return json.dumps(to_string(value))
        if code == "d":
            return str(int(value))
        return to_string(value)

    return VERB.sub(verb, spec)


def _number(value: Any) -> int | float:
    return normalise_number(float(value)) if isinstance(value, str) else value


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": hcl_format,
    "jsonencode": lambda value: Encoded(value),
    "jsondecode": lambda text: decode_json(text),
    "lower": lambda s: to_string(s).lower(),
    "upper": lambda s: to_string(s).upper(),
    "title": lambda s: to_string(s).title(),
    "trimspace": lambda s: to_string(s).strip(),
    "replace": lambda s, old, new: to_string(s).replace(old, new),
    "join": lambda sep, items: sep.join(to_string(i) for i in items),
    "split": lambda sep, s: to_string(s).split(sep),
    "concat": lambda *lists: [i for lst in lists for i in lst],
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "tostring": to_string,
    "tonumber": _number,
    "tolist": list,
    "toset": lambda items: sorted(set(items), key=str),
    "tomap": dict,
    "length": len,
    "lookup": lambda m, k, *default: m[k] if k in m or not default else default[0],
    "element": lambda items, i: items[int(i) % len(items)],
    "coalesce": lambda *values: next(v for v in values if v not in (None, "")),
    "max": lambda *values: max(values),
    "min": lambda *values: min(values),
    "abs": abs,
    "contains": lambda items, value: value in items,
    "keys": lambda m: sorted(m),
    "values": lambda m: [m[k] for k in sorted(m)],
    "flatten": lambda items: [i for sub in items for i in (sub if isinstance(sub, list) else [sub])],
    "distinct": lambda items: list(dict.fromkeys(items)),
    "substr": lambda s, offset, length: to_string(s)[int(offset) : int(offset) + int(length)],
}
