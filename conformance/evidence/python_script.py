"""How a small Python script in a workflow step ends, given its environment: the exit statuses it can have.

A confirmation step may be Python (`shell: python`, `python3 -c '...'`, `python - <<EOF`):
`sys.exit(0 if os.environ["CONFIRM"] == "deploy-prod" else "not confirmed")`. The script is
never run: its `ast` is walked with the step's environment, and every way it can end is
collected (`0`, a failure `1`, or `None` when it cannot be told). What the walk does not know
(a call into a library, `sys.argv`, a loop) may go either way, so an unknown script never
counts as a check that stops the deploy.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.evidence.github_expressions import Unknown

MAX_PATHS = 64


class _Exit(Exception):
    def __init__(self, status: int | None) -> None:
        self.status = status


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass(frozen=True)
class _Builtin:
    name: str
    bound: Any = None


OS = _Builtin("os")
SYS = _Builtin("sys")
ENVIRON = _Builtin("os.environ")
STRING_METHODS = {"strip", "lstrip", "rstrip", "lower", "upper", "casefold", "title"}
EXITS = {"sys.exit", "exit", "quit", "os._exit"}


def _exit_status(argument: Any) -> int | None:
    if isinstance(argument, Unknown):
        return None
    if argument is None:
        return 0
    if isinstance(argument, bool):
        return int(argument)
    if isinstance(argument, int):
        return 0 if argument == 0 else 1
    return 1  # a message: printed to stderr, exit status 1


class _Run:
    """One path through the script: names bound so far."""

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self.environ = environ
        self.names: dict[str, Any] = {"__name__": "__main__", "print": _Builtin("print")}
        self.forks: list[tuple[_Run, list[ast.stmt]]] = []

    def copy(self) -> _Run:
        other = _Run(self.environ)
        other.names = dict(self.names)
        return other


def exit_statuses(code: str, environ: Mapping[str, Any]) -> set[int | None]:
    """{0}, {1}, {0, 1}, or with None when a path cannot be told; {None} when the code does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {1}  # python itself refuses the script: the step fails
    outcomes: set[int | None] = set()
    pending: list[tuple[_Run, list[ast.stmt]]] = [(_Run(environ), list(tree.body))]
    explored = 0
    while pending:
        explored += 1
        if explored > MAX_PATHS:
            return outcomes | {None}
        run, statements = pending.pop()
        try:
            _block(run, statements, pending)
            outcomes.add(0)
        except _Exit as stop:
            outcomes.add(stop.status)
        except (_Return, RecursionError, TypeError, ValueError, AttributeError):
            outcomes.add(None)  # a path the walk cannot follow: it may end either way
    return outcomes


def _block(run: _Run, statements: list[ast.stmt], pending: list[tuple[_Run, list[ast.stmt]]]) -> None:
    for index, statement in enumerate(statements):
        rest = statements[index + 1 :]
        if isinstance(statement, ast.If):
            test = _truth(_value(run, statement.test))
            if test is None:
                other = run.copy()
                pending.append((other, [*statement.orelse, *rest]))
                _block(run, [*statement.body, *rest], pending)
                return
            _block(run, [*(statement.body if test else statement.orelse), *rest], pending)
            return
        if isinstance(statement, ast.Assert):
            test = _truth(_value(run, statement.test))
            if test is False:
                raise _Exit(1)
            if test is None:
                pending.append((run.copy(), [ast.Raise(), *rest]))
            continue
        if isinstance(statement, ast.Expr):
            value = _value(run, statement.value)
            if isinstance(value, Unknown) and isinstance(statement.value, ast.Call):
                # An unknown call may raise: that path fails the step.
                pending.append((run.copy(), [ast.Raise()]))
            continue
        _statement(run, statement)


def _statement(run: _Run, statement: ast.stmt) -> None:
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            module = {"os": OS, "sys": SYS}.get(alias.name, Unknown(f"module {alias.name}"))
            run.names[alias.asname or alias.name.split(".")[0]] = module
    elif isinstance(statement, ast.ImportFrom):
        for alias in statement.names:
            run.names[alias.asname or alias.name] = _attribute(
                {"os": OS, "sys": SYS}.get(statement.module or ""), alias.name
            )
    elif isinstance(statement, ast.Assign):
        value = _value(run, statement.value)
        for target in statement.targets:
            _bind(run, target, value)
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        _bind(run, statement.target, _value(run, statement.value))
    elif isinstance(statement, ast.Raise):
        raise _Exit(1)
    elif isinstance(statement, ast.Return):
        raise _Return(_value(run, statement.value) if statement.value else None)
    elif isinstance(statement, ast.FunctionDef) and not statement.args.args and not statement.args.vararg:
        run.names[statement.name] = statement
    elif isinstance(statement, ast.Pass):
        pass
    else:
        raise _Exit(None)  # a loop, try, with, class...: this path cannot be told


def _bind(run: _Run, target: ast.expr, value: Any) -> None:
    if isinstance(target, ast.Name):
        run.names[target.id] = value
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _bind(run, element, Unknown("an unpacked value"))


def _truth(value: Any) -> bool | None:
    if isinstance(value, Unknown):
        return value.truthy
    if isinstance(value, _Builtin | ast.FunctionDef):
        return True
    try:
        return bool(value)
    except Exception:
        return None


def _attribute(base: Any, name: str) -> Any:
    if base is OS:
        return {"environ": ENVIRON, "getenv": _Builtin("os.getenv"), "_exit": _Builtin("os._exit")}.get(
            name, Unknown(f"os.{name}")
        )
    if base is SYS:
        return _Builtin("sys.exit") if name == "exit" else Unknown(f"sys.{name}")
    if base is ENVIRON and name == "get":
        return _Builtin("os.environ.get")
    if isinstance(base, str) and name in STRING_METHODS:
        return _Builtin("str", (base, name))
    return Unknown(f"the attribute {name}")


def _value(run: _Run, node: ast.expr | None) -> Any:
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in run.names:
            return run.names[node.id]
        return _Builtin(node.id) if node.id in ("exit", "quit", "str", "len", "bool", "int") else Unknown(node.id)
    if isinstance(node, ast.Attribute):
        return _attribute(_value(run, node.value), node.attr)
    if isinstance(node, ast.Subscript):
        base = _value(run, node.value)
        key = _value(run, node.slice)
        if base is ENVIRON:
            return _environ(run, key, missing=KeyError)
        return Unknown("a subscript")
    if isinstance(node, ast.Call):
        return _call(run, node)
    if isinstance(node, ast.Compare):
        return _compare(run, node)
    if isinstance(node, ast.BoolOp):
        return _boolean(run, node)
    if isinstance(node, ast.UnaryOp):
        operand = _value(run, node.operand)
        if isinstance(node.op, ast.Not):
            truth = _truth(operand)
            return Unknown("not unknown") if truth is None else not truth
        return Unknown("an operator")
    if isinstance(node, ast.IfExp):
        truth = _truth(_value(run, node.test))
        if truth is None:
            return Unknown("a conditional expression")
        return _value(run, node.body if truth else node.orelse)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return tuple(_value(run, element) for element in node.elts)
    if isinstance(node, ast.JoinedStr):
        pieces = [_value(run, v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
        if any(isinstance(p, Unknown) for p in pieces):
            return Unknown("an f-string of an unknown value")
        return "".join(str(p) for p in pieces)
    return Unknown(type(node).__name__)


def _environ(run: _Run, key: Any, missing: Any) -> Any:
    if isinstance(key, Unknown) or not isinstance(key, str):
        return Unknown("an unknown variable")
    if key in run.environ:
        return run.environ[key]
    if missing is KeyError:
        raise _Exit(1)  # KeyError: the script fails
    return missing


def _call(run: _Run, node: ast.Call) -> Any:
    function = _value(run, node.func)
    arguments = [_value(run, a) for a in node.args]
    if isinstance(function, ast.FunctionDef):
        inner: list[tuple[_Run, list[ast.stmt]]] = []
        try:
            _block(run, list(function.body), inner)
        except _Return as result:
            return result.value
        if inner:
            raise _Exit(None)  # the function can end more than one way: this path cannot be told
        return None
    if not isinstance(function, _Builtin):
        return Unknown("a call the walk does not know")
    name = function.name
    if name in EXITS:
        raise _Exit(_exit_status(arguments[0] if arguments else None))
    if name == "print":
        return None
    if name in ("os.getenv", "os.environ.get") and arguments:
        return _environ(run, arguments[0], arguments[1] if len(arguments) > 1 else None)
    if name == "str" and function.bound is not None:
        text, method = function.bound
        if any(isinstance(a, Unknown) for a in arguments):
            return Unknown("a string method with an unknown argument")
        try:
            return getattr(text, method)(*arguments)
        except (TypeError, ValueError):
            raise _Exit(1) from None  # the script raises: it fails
    if any(isinstance(a, Unknown) for a in arguments):
        return Unknown(f"{name}() of an unknown value")
    try:
        return {"str": str, "len": len, "bool": bool, "int": int}[name](*arguments)
    except (KeyError, TypeError, ValueError):
        return Unknown(f"{name}()")


def _compare(run: _Run, node: ast.Compare) -> Any:
    left = _value(run, node.left)
    for operator, comparator in zip(node.ops, node.comparators, strict=True):
        right = _value(run, comparator)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return Unknown("a comparison with an unknown value")
        if isinstance(right, tuple) and any(isinstance(r, Unknown) for r in right):
            return Unknown("a comparison with an unknown value")
        try:
            result = {
                ast.Eq: lambda a, b: a == b,
                ast.NotEq: lambda a, b: a != b,
                ast.In: lambda a, b: a in b,
                ast.NotIn: lambda a, b: a not in b,
                ast.Is: lambda a, b: a is b,
                ast.IsNot: lambda a, b: a is not b,
            }[type(operator)](left, right)
        except (KeyError, TypeError):
            return Unknown("a comparison the walk does not know")
        if not result:
            return False
        left = right
    return True


def _boolean(run: _Run, node: ast.BoolOp) -> Any:
    result: Any = None
    unknown = False
    for value_node in node.values:
        result = _value(run, value_node)
        truth = _truth(result)
        if truth is None:
            unknown = True
            continue
        if isinstance(node.op, ast.And) and not truth:
            return result if not unknown else Unknown("and", False)
        if isinstance(node.op, ast.Or) and truth:
            return result if not unknown else Unknown("or", True)
    return Unknown("a boolean of unknown values") if unknown else result
