"""GitHub Actions expressions (`${{ ... }}`, `if:`) evaluated as the runner would, or known to be unknown.

A workflow says a value through indirection (`arn:aws:iam::${{ env.AWS_ACCOUNT_ID }}:role/x`,
`if: inputs.confirm == 'deploy-prod'`); the checks judge the value, so they evaluate the
expression with the contexts a run would have. What a static read cannot know (secrets, vars,
step outputs, `github.*`) is `Unknown`, never a guess: a value built from it cannot be resolved,
and a condition over it may go either way (three-valued: `Unknown(truthy=None)`).

The semantics are GitHub's (docs "Evaluate expressions in workflows and actions"): loose `==`
that compares strings case-insensitively and coerces other types to numbers, `&&`/`||`
returning an operand, `contains`/`startsWith`/`endsWith` ignoring case, a missing property is
null, and an `if:` that mixes `${{ }}` with text is a non-empty string, so always true.

Over 400 lines as one idea: GitHub's expression language (parser and evaluator).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value a static read cannot know; `truthy` is known when every possibility agrees."""

    reason: str
    truthy: bool | None = None
    prefix: str = ""  # the known text before the unknown part (`key=` of `key=${{ secrets.X }}`)

    def __str__(self) -> str:
        return self.reason


class Partial(dict):  # type: ignore[type-arg]
    """A context of which only some properties are known (`github`: its event inputs); the rest is Unknown."""

    def __init__(self, name: str, known: Mapping[str, Any] | None = None) -> None:
        super().__init__(known or {})
        self.name = name


class ExpressionError(Exception):
    """An expression that does not parse."""


TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>0x[0-9a-fA-F]+|-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<string>'(?:[^']|'')*')
    |(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    |(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,*])
    )""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"unexpected {text[position:].strip()[:20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


# -- the syntax tree: tuples, small and hashable ---------------------------------------------------

Node = tuple[Any, ...]


class _Parser:
    """Precedence, lowest first: `||`, `&&`, `== !=`, `< <= > >=`, `!`, then `.`, `[]`, calls."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or 'more'}, found {token[1] if token else 'the end'}")
        self.position += 1
        return token

    def at(self, *values: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "op" and token[1] in values

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.at("||"):
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.equality()
        while self.at("&&"):
            self.take()
            node = ("and", node, self.equality())
        return node

    def equality(self) -> Node:
        node = self.comparison()
        while self.at("==", "!="):
            operator = self.take()[1]
            node = ("compare", operator, node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.unary()
        while self.at("<", "<=", ">", ">="):
            operator = self.take()[1]
            node = ("compare", operator, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("!"):
            self.take()
            return ("not", self.unary())
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                token = self.take()
                if token[0] == "op" and token[1] == "*":
                    raise ExpressionError("object filters (.*) are not evaluated")
                node = ("index", node, ("literal", token[1]))
            elif self.at("["):
                self.take()
                index = self.or_()
                self.take("]")
                node = ("index", node, index)
            else:
                return node

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return ("literal", float(int(value, 16)) if value.startswith("0x") else float(value))
        if kind == "string":
            return ("literal", value[1:-1].replace("''", "'"))
        if kind == "op" and value == "(":
            node = self.or_()
            self.take(")")
            return node
        if kind == "name":
            if value in ("true", "false"):
                return ("literal", value == "true")
            if value == "null":
                return ("literal", None)
            if self.at("("):
                self.take()
                arguments: list[Node] = []
                while not self.at(")"):
                    arguments.append(self.or_())
                    if not self.at(")"):
                        self.take(",")
                self.take(")")
                return ("call", value.lower(), tuple(arguments))
            return ("context", value)
        raise ExpressionError(f"unexpected {value!r}")


def parse(text: str) -> Node:
    return _Parser(text).parse()


STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


def uses_status_function(node: Node) -> bool:
    if node[0] == "call":
        return node[1] in STATUS_FUNCTIONS or any(uses_status_function(a) for a in node[2])
    return any(uses_status_function(child) for child in node[1:] if isinstance(child, tuple))


# -- values ------------------------------------------------------------------------------------


def truthy(value: Any) -> bool | None:
    """GitHub's truthiness; None when it cannot be known."""
    if isinstance(value, Unknown):
        return value.truthy
    if value is None or value is False:
        return False
    if isinstance(value, float | int) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def to_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def to_text(value: Any) -> str:
    """A value as `${{ }}` writes it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2)
    return str(value)


def _same_kind(left: Any, right: Any) -> bool:
    return type(left) is type(right) or (isinstance(left, int | float) and isinstance(right, int | float))


def loose_equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if left is None and right is None:
        return True
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return left is right
    if _same_kind(left, right) and not isinstance(left, str):
        return bool(left == right)
    a, b = to_number(left), to_number(right)
    return not (math.isnan(a) or math.isnan(b)) and a == b


def compare(operator: str, left: Any, right: Any) -> Any:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return Unknown(f"{left} {operator} {right}")
    if operator == "==":
        return loose_equal(left, right)
    if operator == "!=":
        return not loose_equal(left, right)
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.casefold()
        b: Any = right.casefold()
    else:
        a, b = to_number(left), to_number(right)
        if math.isnan(a) or math.isnan(b):
            return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]


def _contains(search: Any, item: Any) -> Any:
    if isinstance(search, Unknown) or isinstance(item, Unknown):
        return Unknown("contains() over an unknown value")
    if isinstance(search, list):
        return any(loose_equal(element, item) for element in search)
    return to_text(item).casefold() in to_text(search).casefold()


def _format(template: Any, *arguments: Any) -> Any:
    if isinstance(template, Unknown) or any(isinstance(a, Unknown) for a in arguments):
        return Unknown("format() of an unknown value")
    text = to_text(template)

    def replace(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        return to_text(arguments[int(match.group(1))])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", replace, text)


def _both_known(function: Callable[[str, str], bool]) -> Callable[[Any, Any], Any]:
    def call(left: Any, right: Any) -> Any:
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return Unknown("a string function over an unknown value")
        return function(to_text(left).casefold(), to_text(right).casefold())

    return call


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _contains,
    "startswith": _both_known(str.startswith),
    "endswith": _both_known(str.endswith),
    "format": _format,
    "join": lambda items, separator=",": (
        Unknown("join() of an unknown value")
        if isinstance(items, Unknown) or isinstance(separator, Unknown)
        else to_text(separator).join(to_text(i) for i in items)
        if isinstance(items, list)
        else to_text(items)
    ),
    "tojson": lambda value: value if isinstance(value, Unknown) else json.dumps(value, indent=2),
    "fromjson": lambda text: text if isinstance(text, Unknown) else json.loads(to_text(text)),
}


@dataclass(frozen=True)
class Status:
    """What the status functions answer for one job or step: success(), failure(), always(), cancelled()."""

    success: bool | None = True
    failure: bool | None = False


def _as_value(known: bool | None, what: str) -> Any:
    return Unknown(what) if known is None else known


class Evaluator:
    """Evaluates expressions against contexts: a mapping name -> value (nested dicts), or Unknown."""

    def __init__(self, contexts: Mapping[str, Any], status: Status | None = None) -> None:
        self.contexts = contexts
        self.status = status or Status()

    def evaluate(self, node: Node) -> Any:
        kind = node[0]
        if kind == "literal":
            return node[1]
        if kind == "context":
            name = node[1]
            if name not in self.contexts:
                return Partial(name)  # secrets, vars, steps, needs...: every property unknown
            return self.contexts[name]
        if kind == "index":
            return self.index(self.evaluate(node[1]), self.evaluate(node[2]))
        if kind == "not":
            value = truthy(self.evaluate(node[1]))
            return Unknown("!unknown") if value is None else not value
        if kind == "compare":
            return compare(node[1], self.evaluate(node[2]), self.evaluate(node[3]))
        if kind in ("and", "or"):
            return self.logical(kind, node[1], node[2])
        if kind == "call":
            return self.call(node[1], node[2])
        raise ExpressionError(f"unknown node {kind}")

    def index(self, container: Any, key: Any) -> Any:
        if isinstance(container, Unknown):
            return container
        if isinstance(key, Unknown):
            return Unknown("an index known only during the run")
        if isinstance(container, dict):
            if isinstance(key, str):
                for name, value in container.items():
                    if name.casefold() == key.casefold():  # context properties are case-insensitive
                        return value
            if isinstance(container, Partial):
                return Unknown(f"{container.name}.{to_text(key)} is not known before the run")
            return None
        if isinstance(container, list):
            number = to_number(key)
            if not math.isnan(number) and number.is_integer() and 0 <= number < len(container):
                return container[int(number)]
        return None

    def logical(self, kind: str, left_node: Node, right_node: Node) -> Any:
        left = self.evaluate(left_node)
        left_truth = truthy(left)
        decided = left_truth is False if kind == "and" else left_truth is True
        if decided:
            return left
        right = self.evaluate(right_node)
        if left_truth is not None:
            return right
        right_truth = truthy(right)
        if kind == "and":
            return Unknown("a condition known only during the run", False if right_truth is False else None)
        return Unknown("a condition known only during the run", True if right_truth is True else None)

    def call(self, name: str, argument_nodes: tuple[Node, ...]) -> Any:
        if name == "always":
            return True
        if name == "cancelled":
            return False
        if name == "success":
            return _as_value(self.status.success, "success()")
        if name == "failure":
            return _as_value(self.status.failure, "failure()")
        if name == "hashfiles":
            return Unknown("hashFiles() is known only during the run")
        function = FUNCTIONS.get(name)
        if function is None:
            return Unknown(f"{name}() is not evaluated statically")
        arguments = [self.evaluate(a) for a in argument_nodes]
        try:
            return function(*arguments)
        except (TypeError, ValueError, IndexError, json.JSONDecodeError) as error:
            return Unknown(f"{name}(): {error}")


EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def evaluate_text(expression: str, evaluator: Evaluator) -> Any:
    """One expression's value; a parse error is an Unknown naming it (the check then fails, saying why)."""
    try:
        return evaluator.evaluate(parse(expression))
    except ExpressionError as error:
        return Unknown(f"${{{{ {expression.strip()} }}}} does not parse: {error}")
    except RecursionError:
        return Unknown(f"${{{{ {expression.strip()[:40]} }}}} is nested too deep")


def substitute(text: str, evaluator: Evaluator) -> tuple[str, list[Unknown]]:
    """`text` with every `${{ }}` replaced by its value; unknown ones become markers "\\x00<n>\\x00".

    The markers let a shell reader keep track of which part of a word is unknown (and why).
    """
    unknowns: list[Unknown] = []

    def replace(match: re.Match[str]) -> str:
        value = evaluate_text(match.group(1), evaluator)
        if isinstance(value, Unknown):
            unknowns.append(Unknown(value.reason))
            return f"\x00{len(unknowns) - 1}\x00"
        return to_text(value)

    return EMBEDDED.sub(replace, text), unknowns


def resolve(value: Any, evaluator: Evaluator) -> Any:
    """A YAML value with its `${{ }}` evaluated: the value itself, or Unknown naming what is missing."""
    if not isinstance(value, str) or "${{" not in value:
        return value
    whole = EMBEDDED.fullmatch(value.strip())
    if whole:
        return evaluate_text(whole.group(1), evaluator)
    text, unknowns = substitute(value, evaluator)
    if unknowns:
        return Unknown(unknowns[0].reason)
    return text


def condition(value: Any, evaluator: Evaluator) -> Any:
    """An `if:` as the runner reads it: bare expression, a whole `${{ }}`, or text (then always true).

    Without a status function GitHub implies `success() &&` in front.
    """
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = to_text(value)
    else:
        text = str(value).strip()
    whole = EMBEDDED.fullmatch(text)
    if whole:
        text = whole.group(1)
    elif "${{" in text:
        rendered = resolve(text, evaluator)
        return Unknown("an if: of text and ${{ }}", True) if isinstance(rendered, Unknown) else rendered != ""
    try:
        node = parse(text)
    except ExpressionError as error:
        return Unknown(f"if: {text} does not parse: {error}")
    if not uses_status_function(node):
        node = ("and", ("call", "success", ()), node)
    try:
        return evaluator.evaluate(node)
    except RecursionError:
        return Unknown("if: nested too deep")
