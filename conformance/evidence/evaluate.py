"""Evaluate Terraform expressions statically, as Terraform would for one environment.

Variables come from their defaults and the env's tfvars; locals, string templates (with their
`%{ if }` / `%{ for }` directives), heredocs, arithmetic, comparisons, logic, conditionals,
for-expressions, splats and the common functions are computed. A reference to a resource, data
source or module stays symbolic (`Ref`), so a check can ask *which* resource a value points at
(the redrive policy's target must be the DLQ); given `Links` (conformance.evidence.modules), a
module's output is read through to what it holds and `for_each = aws_iam_role.x` iterates that
resource's instances. What cannot be computed raises `Unresolvable`, which names the expression
and its file and line: never a silent pass.

Over 400 lines as one idea: Terraform's expression language (its value types in
conformance.evidence.terms, its functions in conformance.evidence.functions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from hcl2.api import parses_to_tree
from lark import Token, Tree
from lark.exceptions import LarkError

from conformance.evidence.functions import FUNCTIONS, STRUCTURAL, format_template
from conformance.evidence.hcl import Attribute, Location, source_text
from conformance.evidence.terms import (
    Encoded,
    Ref,
    Step,
    Template,
    address_of,
    decode_json,
    join_template,
    normalise_number,
    symbolic,
    to_bool,
    unescape,
)

__all__ = ["Encoded", "Evaluator", "Links", "Ref", "Scope", "Template", "Unresolvable", "decode_json"]

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


class Links(Protocol):
    """What a module's expressions reach outside themselves: other modules, other resources' instances."""

    def module_output(self, prefix: str, call: str, key: Any, output: str, at: Location) -> Any:
        """The value of `module.<call>[key].<output>` seen from the module at `prefix`."""
        ...

    def expand(self, ref: Ref) -> dict[str, Any] | list[Any] | None:
        """A resource with `for_each`/`count` as a collection of its instances (None: not one)."""
        ...

    def read_file(self, prefix: str, path: str, at: Location) -> str:
        """The text of `path` (relative to the module at `prefix`), for `file()` and `templatefile()`."""
        ...


@dataclass
class Scope:
    """What names mean while evaluating: variables, locals, each/count, the module and its links."""

    variables: Mapping[str, Any]
    locals: dict[str, Attribute]
    extra: dict[str, Any] = field(default_factory=dict)
    _local_values: dict[str, Any] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)
    prefix: str = ""  # the module's address: "" for the root, "module.alerts." inside a call
    links: Links | None = None

    def child(self, **names: Any) -> Scope:
        return Scope(
            self.variables,
            self.locals,
            {**self.extra, **names},
            self._local_values,
            self._resolving,
            self.prefix,
            self.links,
        )


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
            plain = Scope(
                scope.variables, scope.locals, {}, scope._local_values, scope._resolving, scope.prefix, scope.links
            )
            value = Evaluator(plain).attribute(scope.locals[name])
        finally:
            scope._resolving.discard(name)
        scope._local_values[name] = value
        return value


@dataclass
class _Directive:
    """One `%{ ... }` of a string template: its keyword, its tree, and whether it strips whitespace."""

    keyword: str
    node: Tree
    strip_before: bool
    strip_after: bool


class _Walk:
    def __init__(self, scope: Scope, attribute: Attribute, pinned: bool = False) -> None:
        self.scope = scope
        self.attribute = attribute
        # A heredoc's or a template file's text is parsed again as one line: its nodes' lines are
        # not the file's, so what fails inside it is reported at the heredoc (the templatefile call).
        self.pinned = pinned

    def location(self, node: Tree | Token) -> Location:
        line = self.attribute.location.line
        meta = getattr(node, "meta", None)
        if not self.pinned and meta is not None and not getattr(meta, "empty", True):
            line = meta.line
        return Location(self.attribute.location.file, line)

    def fail(self, node: Tree | Token, reason: str = "") -> Unresolvable:
        return Unresolvable(source_text(node, self.attribute.source), self.location(node), reason)

    def parts(self, node: Tree) -> list[Tree | Token]:
        return [c for c in node.children if not (isinstance(c, Tree) and c.data in NOT_VALUES)]

    def trees(self, node: Tree) -> list[Tree]:
        return [c for c in self.parts(node) if isinstance(c, Tree)]

    def within(self, **names: Any) -> _Walk:
        return _Walk(self.scope.child(**names), self.attribute, self.pinned)

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

    # -- strings and templates ---------------------------------------------------------------

    def _string(self, node: Tree) -> Any:
        items: list[Any] = []  # str (literal text) | Tree (an interpolated expression) | _Directive
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            inner = part.children[0]
            if isinstance(inner, Token):
                if inner.type == "STRING_CHARS":
                    items.append(unescape(str(inner)))
                elif inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    items.append(str(inner)[1:])
                else:
                    raise self.fail(part, f"unexpected {inner.type}")
            elif inner.data == "interpolation":
                items.append(self.parts(inner)[1])
            elif inner.data.startswith("template_"):
                tokens = [c for c in inner.children if isinstance(c, Token)]
                items.append(
                    _Directive(
                        inner.data.removeprefix("template_").removesuffix("_start"),
                        inner,
                        len(tokens) > 1 and tokens[1].type == "STRIP_MARKER",
                        len(tokens) > 1 and tokens[-2].type == "STRIP_MARKER",
                    )
                )
            else:
                raise self.fail(node, f"{inner.data} in a string is not supported")
        for i, item in enumerate(items):  # `%{~` and `~}` strip the whitespace beside them
            if isinstance(item, _Directive):
                if item.strip_before and i > 0 and isinstance(items[i - 1], str):
                    items[i - 1] = items[i - 1].rstrip()
                if item.strip_after and i + 1 < len(items) and isinstance(items[i + 1], str):
                    items[i + 1] = items[i + 1].lstrip()
        pieces = self.render(items, 0, len(items), node)
        # "${x}" is x itself; with directives, as with text around it, the template is a string.
        return join_template([*pieces, ""] if any(isinstance(i, _Directive) for i in items) else pieces)

    def render(self, items: list[Any], start: int, end: int, node: Tree) -> list[Any]:
        """The pieces of `items[start:end]`; only the branch an `%{ if }` takes is evaluated."""
        pieces: list[Any] = []
        i = start
        while i < end:
            item = items[i]
            if isinstance(item, str):
                pieces.append(item)
            elif isinstance(item, Tree):
                pieces.append(self.value(item))
            elif item.keyword == "if":
                middle = self.closing(items, i + 1, end, ("else", "endif"), node)
                close = (
                    middle
                    if items[middle].keyword == "endif"
                    else self.closing(items, middle + 1, end, ("endif",), node)
                )
                if self.condition(self.trees(item.node)[0]):
                    pieces.extend(self.render(items, i + 1, middle, node))
                elif middle != close:
                    pieces.extend(self.render(items, middle + 1, close, node))
                i = close
            elif item.keyword == "for":
                close = self.closing(items, i + 1, end, ("endfor",), node)
                names = [str(c.children[0]) for c in self.trees(item.node) if c.data == "identifier"]
                source = next(c for c in self.trees(item.node) if c.data != "identifier")
                for walk in self.iterate(names, self.collection(self.value(source), source), item.node):
                    pieces.extend(walk.render(items, i + 1, close, node))
                i = close
            else:
                raise self.fail(node, f"%{{ {item.keyword} }} without its opening directive")
            i += 1
        return pieces

    def closing(self, items: list[Any], start: int, end: int, closers: tuple[str, ...], node: Tree) -> int:
        """The index of the directive in `closers` that closes the one opened before `start`."""
        depth = 0
        for i in range(start, end):
            item = items[i]
            if not isinstance(item, _Directive):
                continue
            if item.keyword in ("if", "for"):
                depth += 1
            elif depth == 0 and item.keyword in closers:
                return i
            elif depth == 0:
                break
            elif item.keyword in ("endif", "endfor"):
                depth -= 1
        raise self.fail(node, f"expected %{{ {closers[-1]} }} to close the directive")

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
            # A blank line keeps its newline: only the indent before it, up to the cut, goes.
            body = "".join(ln[min(cut, len(ln) - len(ln.lstrip(" \t"))) :] for ln in lines)
        quoted = body.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        source = f'x = "{quoted}"\n'
        expression = self.parts(parses_to_tree(source).children[0].children[0])[-1]
        inner = Attribute(self.attribute.name, expression, self.location(node), source)
        return _Walk(self.scope, inner, pinned=True).value(expression)

    def _heredoc_template(self, node: Tree) -> Any:
        return self._heredoc(node, trim=False)

    def _heredoc_template_trim(self, node: Tree) -> Any:
        return self._heredoc(node, trim=True)

    # -- collections -------------------------------------------------------------------------

    def _tuple(self, node: Tree) -> list[Any]:
        return [self.value(c) for c in self.trees(node)]

    def _object(self, node: Tree) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for element in self.trees(node):
            if element.data != "object_elem":
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

    def step(self, node: Tree) -> Step:
        """One `.name`, `.0` or `[expression]` of a traversal."""
        if node.data == "get_attr":
            return ("attr", str(self.parts(node)[-1].children[0]))
        if node.data == "short_index":
            return ("index", int(str(node.children[-1])))
        key = self.value(self.parts(node)[1])
        if symbolic(key):
            raise self.fail(node, "index known only after apply")
        return ("index", key)

    def traversal(self, node: Tree) -> tuple[Tree, list[Step]]:
        """(root node, [("attr", name) | ("index", value)]) for a.b[c].d chains."""
        steps: list[Step] = []
        while isinstance(node, Tree):
            if node.data == "expr_term":
                inner = self.parts(node)
                if (
                    len(inner) == 1
                    and isinstance(inner[0], Tree)
                    and inner[0].data in ("get_attr_expr_term", "index_expr_term", "identifier")
                ):
                    node = inner[0]
                    continue
                return node, steps
            if node.data in ("get_attr_expr_term", "index_expr_term"):
                base, last = self.parts(node)
                steps.insert(0, self.step(last))
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
        if name == "module":
            return self.module_reference(steps, node)
        # A resource or data source: symbolic until apply.
        return Ref(self.scope.prefix + address_of(name, steps))

    def module_reference(self, steps: list[Step], node: Tree) -> Any:
        """`module.<call>[key].<output>...`: what the output holds, when the module can be read."""
        call, rest = steps[0][1], steps[1:]
        key = None
        if rest and rest[0][0] == "index":
            key, rest = rest[0][1], rest[1:]
        if self.scope.links is None or not rest or rest[0][0] != "attr":
            return Ref(self.scope.prefix + address_of("module", steps))
        held = self.scope.links.module_output(self.scope.prefix, call, key, rest[0][1], self.location(node))
        return self.walk_steps(held, rest[1:], node)

    def walk_steps(self, value: Any, steps: list[Step], node: Tree) -> Any:
        for kind, key in steps:
            if isinstance(value, Ref):
                value = value.step(kind, key)
                continue
            try:
                value = value[key] if not (kind == "index" and isinstance(value, list)) else value[int(key)]
            except (KeyError, IndexError, TypeError, ValueError):
                raise self.fail(node, f"no {key!r} in the value") from None
        return value

    def _full_splat_expr_term(self, node: Tree) -> list[Any]:
        base, splat = self.parts(node)
        steps = [self.step(s) for s in self.trees(splat)]
        value = self.value(base)
        if value is None:
            return []
        items = self.collection(value, node, splat=True)
        if isinstance(items, dict):  # a resource's for_each instances: a map, wrapped as Terraform does
            items = [items]
        return [self.walk_steps(item, steps, node) for item in items]

    _attr_splat_expr_term = _full_splat_expr_term

    def collection(self, value: Any, node: Tree, splat: bool = False) -> Any:
        """A resource with `for_each`/`count` as its instances; a splat of one value is a list of it."""
        if isinstance(value, Ref) and self.scope.links is not None:
            expanded = self.scope.links.expand(value)
            if expanded is not None:
                return expanded
        if splat and not isinstance(value, list):
            return [value]
        return value

    # -- operators ---------------------------------------------------------------------------

    def number(self, value: Any, node: Tree) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(node, "not a number")
        try:
            return value if isinstance(value, int | float) else normalise_number(float(value))
        except ValueError:
            raise self.fail(node, f"{value!r} is not a number") from None

    def condition(self, node: Tree) -> bool:
        """A bool (or "true"/"false"), known before apply."""
        value = self.value(node)
        if symbolic(value):
            raise self.fail(node, "condition known only after apply")
        try:
            return to_bool(value)
        except ValueError as error:
            raise self.fail(node, str(error)) from None

    def _binary_op(self, node: Tree) -> Any:
        left_node, term = self.parts(node)[:2]
        operator_node, right_node = self.parts(term)
        operator = str(operator_node.children[0])
        if operator == "&&":
            return self.condition(left_node) and self.condition(right_node)
        if operator == "||":
            return self.condition(left_node) or self.condition(right_node)
        left, right = self.value(left_node), self.value(right_node)
        if symbolic(left) or symbolic(right):
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
        if str(operator) == "!":
            return not self.condition(operand)
        value = self.value(operand)
        if symbolic(value):
            raise self.fail(node, "depends on a value known only after apply")
        return -self.number(value, node)

    def _conditional(self, node: Tree) -> Any:
        condition, yes, no = self.trees(node)
        return self.value(yes if self.condition(condition) else no)

    # -- for expressions ---------------------------------------------------------------------

    def for_items(self, intro: Tree) -> tuple[list[str], Any]:
        names = [str(c.children[0]) for c in self.trees(intro) if c.data == "identifier"]
        collection_node = next(c for c in self.trees(intro) if c.data != "identifier")
        return names, self.collection(self.value(collection_node), collection_node)

    def iterate(self, names: list[str], collection: Any, node: Tree) -> Iterator[_Walk]:
        if isinstance(collection, dict):
            pairs = list(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            raise self.fail(node, "for over a value that is not a collection")
        for key, item in pairs:
            yield self.within(**({names[0]: item} if len(names) == 1 else {names[0]: key, names[1]: item}))

    def _for_tuple_expr(self, node: Tree) -> list[Any]:
        intro, body, *cond = self.trees(node)
        names, collection = self.for_items(intro)
        result = []
        for walk in self.iterate(names, collection, node):
            if cond and not walk.condition(walk.trees(cond[0])[-1]):
                continue
            result.append(walk.value(body))
        return result

    def _for_object_expr(self, node: Tree) -> dict[str, Any]:
        intro, key_node, value_node, *cond = self.trees(node)
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        names, collection = self.for_items(intro)
        result: dict[str, Any] = {}
        for walk in self.iterate(names, collection, node):
            if cond and not walk.condition(walk.trees(cond[0])[-1]):
                continue
            key = walk.value(key_node)
            if symbolic(key):
                raise self.fail(key_node, "object key known only after apply")
            value = walk.value(value_node)
            if grouping:
                result.setdefault(str(key), []).append(value)
            elif str(key) in result:
                raise self.fail(node, f"duplicate object key {key!r} (use ... to group)")
            else:
                result[str(key)] = value
        return result

    # -- functions ---------------------------------------------------------------------------

    def attempt(self, name: str, arguments: list[Tree], node: Tree) -> Any:
        """`try(a, b, ...)`: the first that can be computed; `can(a)`: whether it can."""
        for argument in arguments:
            try:
                value = self.value(argument)
            except Unresolvable:
                if name == "can":
                    return False
                continue
            return True if name == "can" else value
        raise self.fail(node, "no argument of try() can be computed")

    def file(self, name: str, arguments: list[Tree], node: Tree) -> Any:
        """`file(path)` and `templatefile(path, vars)`: read from the repository, next to the module."""
        path = self.value(arguments[0])
        if not isinstance(path, str):
            raise self.fail(node, "the path is known only after apply")
        if self.scope.links is None:
            raise self.fail(node, f"{name}() reads files: not evaluated here")
        text = self.scope.links.read_file(self.scope.prefix, path, self.location(node))
        if name == "file":
            return text
        names = self.value(arguments[1]) if len(arguments) > 1 else {}
        if not isinstance(names, dict):
            raise self.fail(node, "templatefile() takes a map of variables")
        try:
            return _template(text, names, self.attribute.name, self.location(node))
        except Unresolvable as error:
            raise self.fail(node, f"in {path}: {error}") from None
        except LarkError as error:
            raise self.fail(node, f"{path} is not a template: {str(error).splitlines()[0]}") from None

    def _function_call(self, node: Tree) -> Any:
        parts = self.parts(node)
        name = str(parts[0].children[0])
        argument_nodes = next((p for p in parts if isinstance(p, Tree) and p.data == "arguments"), None)
        if name in ("try", "can") and argument_nodes is not None:
            return self.attempt(name, self.trees(argument_nodes), node)
        if name in ("file", "templatefile") and argument_nodes is not None:
            return self.file(name, self.trees(argument_nodes), node)
        expands = argument_nodes is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in argument_nodes.children
        )
        arguments = [] if argument_nodes is None else [self.value(a) for a in self.trees(argument_nodes)]
        if expands and arguments:
            if not isinstance(arguments[-1], list):
                raise self.fail(node, "... expands a list only")
            arguments = [*arguments[:-1], *arguments[-1]]
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.fail(node, f"function {name}() is not evaluated statically")
        if name in STRUCTURAL:
            arguments = [self.collection(a, node) for a in arguments]
        elif any(symbolic(a) for a in arguments):
            if name == "format" and isinstance(arguments[0], str):
                return format_template(arguments[0], arguments[1:])
            raise self.fail(node, "depends on a value known only after apply")
        try:
            return function(*arguments)
        except (TypeError, ValueError, KeyError, IndexError, StopIteration, ZeroDivisionError) as error:
            raise self.fail(node, f"{name}(): {error}") from None


def _template(text: str, names: dict[str, Any], name: str, at: Location) -> Any:
    """A template file's text evaluated with only `names` in scope, as `templatefile()` does."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    source = f'x = "{quoted}"\n'
    expression = [c for c in parses_to_tree(source).children[0].children[0].children if isinstance(c, Tree)][-1]
    return _Walk(Scope({}, {}, dict(names)), Attribute(name, expression, at, source), pinned=True).value(expression)


def dumps(value: Any) -> str:
    """A value as JSON for messages (references as `${...}`)."""
    return json.dumps(value, default=str)
