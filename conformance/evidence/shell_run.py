"""What a workflow step's script does with the environment it is given: its commands and how it can end.

Two readings of a parsed script (conformance.evidence.shell_syntax), neither of which runs it:

- `commands()`: every simple command in the order written, its words expanded with the step's
  environment and the script's own assignments and `cd`s (`-backend-config="bucket=${B}"`);
- `endings()`: every way the script can end (exit status, and whether a deploying command ran
  before), walking `if`, `case`, `&&`/`||`, `[[ ]]`, `test`/`[`, `grep -q`, `exit`, `set -e`,
  and Python scripts (`python -c`, `python - <<EOF`: conformance.evidence.python_script)
  with the real semantics: GitHub runs `bash -e` (`shell: bash` adds `-o pipefail`), so a
  failing command stops the step unless it is tested by `if`, `&&`, `||` or `!`.

A value the step cannot know (an unset variable, `$(...)`, a `${{ secrets.X }}`) is `Unknown`:
a command over it may succeed or fail, and both paths are followed. So a script is only taken to
stop when it stops on every path.

Over 400 lines as one idea: bash's semantics for the constructs shell_syntax reads (expansion,
errexit, `test`/`[[ ]]`, patterns, `grep`), kept together so that each is defined once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.evidence.github_expressions import Unknown
from conformance.evidence.python_script import exit_statuses
from conformance.evidence.shell_syntax import (
    AndOr,
    Arithmetic,
    Case,
    Conditional,
    Function,
    Group,
    If,
    Loop,
    Node,
    Pipeline,
    Script,
    Simple,
    Word,
    quoted_text,
)
from conformance.evidence.shell_syntax import (
    Sequence as ShellSequence,
)

Value = str | Unknown
MARKER = re.compile(r"\x00(\d+)\x00")
MAX_PATHS = 256
WRAPPERS = {"sudo", "time", "command", "exec", "nohup", "builtin"}
PYTHONS = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")


class TooComplex(Exception):
    """More paths than a confirmation check could reasonably have."""


@dataclass(frozen=True)
class Start:
    """What a step's script starts with: its environment, the `${{ }}` left unknown, the shell's flags."""

    variables: Mapping[str, Value]
    markers: Sequence[Unknown] = ()
    errexit: bool = True
    pipefail: bool = False


@dataclass(frozen=True)
class Ending:
    status: int | None  # None: cannot be told
    deployed: bool  # a deploying command ran (or may have) before the end


@dataclass
class _State:
    variables: dict[str, Value]
    markers: Sequence[Unknown]
    errexit: bool
    pipefail: bool
    deployed: bool = False
    status: int | None = 0
    functions: dict[str, Node] = field(default_factory=dict)
    depth: int = 0

    def copy(self) -> _State:
        return _State(
            dict(self.variables),
            self.markers,
            self.errexit,
            self.pipefail,
            self.deployed,
            self.status,
            dict(self.functions),
            self.depth,
        )

    def with_status(self, status: int | None) -> _State:
        other = self.copy()
        other.status = status
        return other


Path = tuple[_State, bool]  # (state, the script has exited)


# -- expansion ---------------------------------------------------------------------------------


def _marker_segments(text: str, markers: Sequence[Unknown]) -> list[Value]:
    if text == "":
        return [""]  # an empty quoted value is still a field: [ "" = x ] has three arguments
    pieces: list[Value] = []
    position = 0
    for match in MARKER.finditer(text):
        if match.start() > position:
            pieces.append(text[position : match.start()])
        number = int(match.group(1))
        pieces.append(markers[number] if number < len(markers) else Unknown("an expression"))
        position = match.end()
    if position < len(text):
        pieces.append(text[position:])
    return pieces


def _lookup(name: str, state: _State) -> Value | None:
    """A parameter's value; None when it is not set."""
    if name == "?":
        return str(state.status) if state.status is not None else Unknown("$? of an unknown command")
    if name.isdigit() and name in state.variables:  # a script followed from its call: its arguments
        return state.variables[name]
    if not re.match(r"[A-Za-z_]", name):
        return Unknown(f"${name} is set only when the script runs")
    return state.variables.get(name)


def _parameter(part: Any, state: _State) -> Value:
    value = _lookup(part.text, state)
    operator = part.operator
    if operator == "unsupported":
        return Unknown(f"${{{part.text}...}} (an expansion not evaluated)")
    if operator == "#length":
        return Unknown(f"${{#{part.text}}}") if value is None or isinstance(value, Unknown) else str(len(value))
    if operator in (":-", ":=", "-", "="):
        if isinstance(value, Unknown):
            return value
        if value is not None and not (operator.startswith(":") and value == ""):
            return value
        result = _join(expand_parts(part.argument, state)) if part.argument else ""
        if operator in (":=", "="):
            state.variables[part.text] = result
        return result
    if operator in (":+", "+"):
        if isinstance(value, Unknown):
            return Unknown(f"${{{part.text}{operator}...}}: {value.reason}")
        present = value is not None and not (operator.startswith(":") and value == "")
        return (_join(expand_parts(part.argument, state)) if part.argument else "") if present else ""
    if value is None:
        return Unknown(f"${part.text} is not set in the step's env")
    if isinstance(value, Unknown) or not operator:
        return value
    transforms: dict[str, Callable[[str], str]] = {
        ",,": str.lower,
        "^^": str.upper,
        ",": lambda s: s[:1].lower() + s[1:],
        "^": lambda s: s[:1].upper() + s[1:],
    }
    if operator in transforms:
        return transforms[operator](value)
    return Unknown(f"${{{part.text}{operator}...}} (an expansion not evaluated)")


def _join(values: list[tuple[Value, bool]]) -> Value:
    """The segments as one value: Unknown (keeping the known text before it) when any is unknown."""
    prefix = []
    for value, _quoted in values:
        if isinstance(value, Unknown):
            return Unknown(value.reason, value.truthy, "".join(prefix) + value.prefix)
        prefix.append(value)
    return "".join(prefix)


def expand_parts(word: Word | None, state: _State) -> list[tuple[Value, bool]]:
    """(value, quoted) segments of a word, before field splitting."""
    if word is None:
        return []
    segments: list[tuple[Value, bool]] = []
    for part in word.parts:
        if part.kind == "lit":
            segments.extend((piece, part.quoted) for piece in _marker_segments(part.text, state.markers))
        elif part.kind == "param":
            value = _parameter(part, state)
            if isinstance(value, str):
                segments.extend((piece, part.quoted) for piece in _marker_segments(value, state.markers))
            else:
                segments.append((value, part.quoted))
        elif part.kind == "cmdsub":
            segments.append((Unknown(f"$({part.text.strip()[:40]}) is known only when the script runs"), part.quoted))
        else:
            segments.append((Unknown(f"$(({part.text})) is arithmetic, not evaluated"), part.quoted))
    return segments


def expand(word: Word, state: _State, split: bool = True) -> list[Value]:
    """A word's fields after expansion and (unless `split` is off) field splitting; Unknown fields kept."""
    segments = expand_parts(word, state)
    if not split:
        return [_join(segments)] if segments else [""]
    fields: list[list[tuple[Value, bool]]] = []
    current: list[tuple[Value, bool]] = []
    started = False
    for value, quoted in segments:
        if quoted or isinstance(value, Unknown):
            current.append((value, quoted))
            started = True
            continue
        pieces = re.split(r"[ \t\n]+", value)
        for index, piece in enumerate(pieces):
            if index > 0 and started:
                fields.append(current)
                current, started = [], False
            if piece:
                current.append((piece, False))
                started = True
    if started:
        fields.append(current)
    return [_join(f) for f in fields if f and (any(q for _, q in f) or _join(f) != "")]


def strip_wrappers(fields: list[Value]) -> list[Value]:
    """The command itself: `sudo`, `time`, `env A=b`, `command` and the like taken off the front."""
    return fields[wrapped(fields) :]


def wrapped(fields: list[Value]) -> int:
    """How many words in front are wrappers (`sudo`, `time`, `env A=b`, ...), not the command."""
    index = 0
    while index < len(fields):
        word = fields[index]
        if word in WRAPPERS:
            index += 1
        elif word == "env":
            index += 1
            while index < len(fields) and isinstance(fields[index], str) and "=" in str(fields[index]):
                index += 1
        else:
            break
    return index


# -- the command walk --------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A simple command as written, its words expanded: where it runs and the line it is on."""

    words: list[Value]
    lines: list[int]  # each word's line in the script (a command may continue over lines)
    directory: Value  # relative to the step's working directory ("." when it did not cd)

    @property
    def line(self) -> int:
        return self.lines[0]

    @property
    def program(self) -> tuple[list[Value], list[int]]:
        """The command's words and their lines without wrappers (`sudo terraform ...` is terraform)."""
        start = wrapped(self.words)
        return self.words[start:], self.lines[start:]


def commands(script: Script, start: Start) -> list[Command]:
    """Every simple command in the order written (control flow aside), with assignments and `cd` applied."""
    state = _State(dict(start.variables), start.markers, start.errexit, start.pipefail)
    found: list[Command] = []
    directory: list[Value] = ["."]

    def visit(node: Node) -> None:
        if isinstance(node, Simple):
            for name, word in node.assignments:
                state.variables[name] = _join(expand_parts(word, state))
            words: list[Value] = []
            lines: list[int] = []
            for word in node.words:
                fields = expand(word, state)
                words.extend(fields)
                lines.extend([word.line] * len(fields))
            if not words:
                return
            found.append(Command(words, lines, directory[0]))
            command = strip_wrappers(words)
            if command and command[0] in ("export", "declare", "readonly", "typeset", "local"):
                for argument in command[1:]:
                    if isinstance(argument, str) and re.match(r"^[A-Za-z_]\w*=", argument):
                        name, _, value = argument.partition("=")
                        state.variables[name] = value
            if command and command[0] == "cd" and len(command) > 1:
                directory[0] = _join_directory(directory[0], command[1])
            return
        for child in _children(node):
            visit(child)

    visit(script.body)
    return found


def _join_directory(base: Value, target: Value) -> Value:
    if isinstance(base, Unknown):
        return base
    if isinstance(target, Unknown):
        return target
    if target.startswith("/") or target.startswith("~") or target == "-":
        return Unknown(f"cd {target} (outside the repository)")
    return target if base == "." else f"{base}/{target}"


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, ShellSequence):
        yield from node.items
    elif isinstance(node, AndOr):
        yield node.first
        for _, child in node.rest:
            yield child
    elif isinstance(node, Pipeline):
        yield from node.commands
    elif isinstance(node, If):
        for condition, body in node.clauses:
            yield condition
            yield body
        if node.orelse is not None:
            yield node.orelse
    elif isinstance(node, Case):
        for _, body in node.arms:
            yield body
    elif isinstance(node, Group | Function):
        yield node.body
    elif isinstance(node, Loop):
        if node.condition is not None:
            yield node.condition
        yield node.body


# -- endings -----------------------------------------------------------------------------------


def endings(script: Script, start: Start, deploys: Callable[[list[Value]], bool]) -> set[Ending]:
    """Every way the script can end; a script too tangled to follow may end any way."""
    state = _State(dict(start.variables), start.markers, start.errexit, start.pipefail)
    runner = _Runner(script, deploys)
    try:
        paths = runner.run(script.body, state, checked=True)
    except (TooComplex, RecursionError, re.error, ValueError, IndexError, KeyError, TypeError):
        return {Ending(None, True)}  # not followed to the end: it may end any way, having deployed or not
    return {Ending(s.status, s.deployed) for s, _exited in paths}


class _Runner:
    def __init__(self, script: Script, deploys: Callable[[list[Value]], bool]) -> None:
        self.script = script
        self.deploys = deploys
        self.steps = 0

    def tick(self, paths: list[Path]) -> list[Path]:
        self.steps += 1
        if len(paths) > MAX_PATHS or self.steps > 20000:
            raise TooComplex
        return paths

    def errexit(self, state: _State, checked: bool) -> list[Path]:
        if not checked or not state.errexit or state.status == 0:
            return [(state, False)]
        if state.status is None:
            return [(state.with_status(1), True), (state.with_status(0), False)]
        return [(state, True)]

    def run(self, node: Node, state: _State, checked: bool) -> list[Path]:
        if isinstance(node, ShellSequence):
            paths: list[Path] = [(state, False)]
            for item in node.items:
                following: list[Path] = []
                for current, exited in paths:
                    following.extend([(current, True)] if exited else self.run(item, current, checked))
                paths = self.tick(following)
            return paths
        if isinstance(node, AndOr):
            return self.and_or(node, state, checked)
        if isinstance(node, Pipeline):
            return self.pipeline(node, state, checked)
        if isinstance(node, Simple):
            return self.simple(node, state, checked, None)
        if isinstance(node, If):
            return self.if_(node, state, checked)
        if isinstance(node, Case):
            return self.case(node, state, checked)
        if isinstance(node, Group):
            inner = self.run(node.body, state.copy() if node.subshell else state, checked)
            if not node.subshell:
                return inner
            result: list[Path] = []
            for current, _exited in inner:
                back = state.copy()
                back.status, back.deployed = current.status, current.deployed
                result.extend(self.errexit(back, checked))
            return result
        if isinstance(node, Conditional):
            after = state.copy()
            truth = ConditionalTest(node, after).value()
            after.status = None if truth is None else (0 if truth else 1)
            return self.errexit(after, checked)
        if isinstance(node, Function):
            after = state.copy()
            after.functions[node.name] = node.body
            after.status = 0
            return [(after, False)]
        if isinstance(node, Loop):
            return self.loop(node, state, checked)
        if isinstance(node, Arithmetic):
            return self.errexit(state.with_status(None), checked)
        raise TooComplex

    def and_or(self, node: AndOr, state: _State, checked: bool) -> list[Path]:
        parts = [("", node.first), *node.rest]
        paths: list[Path] = self.run(node.first, state, checked=False) if node.rest else []
        for index, (operator, child) in enumerate(parts[1:], start=1):
            last = index == len(parts) - 1
            following: list[Path] = []
            for current, exited in paths:
                if exited:
                    following.append((current, True))
                    continue
                status = current.status
                outcomes = [0, 1] if status is None else [status]
                for outcome in outcomes:
                    branch = current.with_status(outcome)
                    runs = (outcome == 0) if operator == "&&" else (outcome != 0)
                    if runs:
                        following.extend(self.run(child, branch, checked=checked and last))
                    else:
                        following.append((branch, False))
            paths = self.tick(following)
        return paths

    def pipeline(self, node: Pipeline, state: _State, checked: bool) -> list[Path]:
        current = state.copy()
        stdin: str | None = None
        statuses: list[int | None] = []
        for command in node.commands[:-1]:
            if isinstance(command, Simple):
                words = [f for w in command.words for f in expand(w, current)]
                if self.deploys(strip_wrappers(words)):
                    current.deployed = True
                stdin = _output(strip_wrappers(words))
                statuses.append(0 if stdin is not None else None)
            else:
                for inner, _exited in self.run(command, current.copy(), checked=False):
                    current.deployed = current.deployed or inner.deployed
                stdin = None
                statuses.append(None)
        last = node.commands[-1]
        if isinstance(last, Simple):
            paths = self.simple(last, current, checked=False, stdin=stdin)
        else:
            paths = self.run(last, current, checked=False)
        result: list[Path] = []
        for after, exited in paths:
            status = after.status
            if after.pipefail and status == 0 and any(s != 0 for s in statuses):
                status = None if all(s in (0, None) for s in statuses) else 1
            if node.negated:
                status = None if status is None else (1 if status == 0 else 0)
            after = after.with_status(status)
            result.extend([(after, True)] if exited else self.errexit(after, checked and not node.negated))
        return result

    def if_(self, node: If, state: _State, checked: bool) -> list[Path]:
        result: list[Path] = []
        pending: list[Path] = [(state, False)]
        for condition, body in node.clauses:
            following: list[Path] = []
            for current, _exited in pending:
                for after, exited in self.run(condition, current, checked=False):
                    if exited:
                        result.append((after, True))
                        continue
                    outcomes = [0, 1] if after.status is None else [after.status]
                    for outcome in outcomes:
                        if outcome == 0:
                            result.extend(self.run(body, after.with_status(0), checked))
                        else:
                            following.append((after.with_status(outcome), False))
            pending = self.tick(following)
        for current, _exited in pending:
            if node.orelse is not None:
                result.extend(self.run(node.orelse, current, checked))
            else:
                result.append((current.with_status(0), False))
        return self.tick(result)

    def case(self, node: Case, state: _State, checked: bool) -> list[Path]:
        subject = expand(node.word, state, split=False)[0]
        result: list[Path] = []
        for patterns, body in node.arms:
            matches = [pattern_match(subject, p, state) for p in patterns]
            if any(m is True for m in matches):
                result.extend(self.run(body, state.copy(), checked))
                return self.tick(result)
            if any(m is None for m in matches):
                result.extend(self.run(body, state.copy(), checked))
        result.append((state.with_status(0), False))
        return self.tick(result)

    def loop(self, node: Loop, state: _State, checked: bool) -> list[Path]:
        if node.kind == "for" and node.values is not None:
            values = [f for w in node.values for f in expand(w, state)]
            if len(values) <= 16 and all(isinstance(v, str) for v in values):
                paths: list[Path] = [(state, False)]
                for value in values:
                    following: list[Path] = []
                    for current, exited in paths:
                        if exited:
                            following.append((current, True))
                            continue
                        bound = current.copy()
                        bound.variables[node.variable] = value
                        following.extend(self.run(node.body, bound, checked))
                    paths = self.tick(following)
                return paths
        # An unknown number of rounds: none, or one with anything bound (a loop in a check is rare).
        bound = state.copy()
        if node.variable:
            bound.variables[node.variable] = Unknown(f"${node.variable} (a loop variable)")
        once = self.run(node.body, bound, checked)
        return self.tick([(state.with_status(0), False), *[(s.with_status(None), e) for s, e in once]])

    def simple(self, node: Simple, state: _State, checked: bool, stdin: str | None) -> list[Path]:
        current = state.copy()
        words = [f for w in node.words for f in expand(w, current)]
        for name, word in node.assignments:
            if not words:
                current.variables[name] = _join(expand_parts(word, current))
        if not words:
            current.status = 0
            return self.errexit(current, checked)
        command = strip_wrappers(words)
        if command and self.deploys(command):
            current.deployed = True
        for operator, target in node.redirects:
            if operator == "<<<" and isinstance(target, Word):
                text = _join(expand_parts(target, current))
                stdin = text + "\n" if isinstance(text, str) else None
            elif operator in ("<<", "<<-") and isinstance(target, int):
                body, expands = self.script.heredocs[target]
                stdin = _heredoc(body, expands, current)
        if not command:
            current.status = 0
            return self.errexit(current, checked)
        name = command[0]
        if isinstance(name, Unknown):
            return self.errexit(current.with_status(None), checked)
        if name == "exit":
            status: int | None = current.status
            if len(command) > 1:
                argument = command[1]
                status = None if isinstance(argument, Unknown) else (int(argument) % 256 if argument.isdigit() else 2)
            return [(current.with_status(status), True)]
        if name in current.functions and current.depth < 8:
            call = current.copy()
            call.depth += 1
            return [(after, exited) for after, exited in self.run(current.functions[name], call, checked)]
        if PYTHONS.match(name):
            return self.python(command, current, checked, stdin)
        current.status = self.builtin(command, current, stdin)
        return self.errexit(current, checked)

    def python(self, command: list[Value], state: _State, checked: bool, stdin: str | None) -> list[Path]:
        arguments = command[1:]
        code: Value | None = None
        if "-c" in arguments:
            index = arguments.index("-c")
            code = arguments[index + 1] if index + 1 < len(arguments) else None
        elif not arguments or arguments[0] == "-":
            code = stdin
        if not isinstance(code, str):
            return self.errexit(state.with_status(None), checked)
        paths: list[Path] = []
        for status in exit_statuses(code, state.variables):
            paths.extend(self.errexit(state.with_status(status), checked))
        return paths

    def builtin(self, command: list[Value], state: _State, stdin: str | None) -> int | None:
        name, arguments = command[0], command[1:]
        if name in ("true", ":"):
            return 0
        if name == "false":
            return 1
        if name in ("echo", "printf"):
            return 0
        if name == "test":
            return test_status(arguments)
        if name == "[":
            if not arguments or arguments[-1] != "]":
                return 2
            return test_status(arguments[:-1])
        if name == "set":
            for argument in arguments:
                if isinstance(argument, str) and argument[:1] in "-+" and "e" in argument[1:] and argument[1:2] != "o":
                    state.errexit = argument.startswith("-")
            for flag, option in itertools.pairwise(arguments):
                if option in ("errexit", "pipefail") and flag in ("-o", "+o"):
                    setattr(state, option, flag == "-o")
            return 0
        if name in ("export", "declare", "readonly", "typeset", "local"):
            for argument in arguments:
                if isinstance(argument, str) and re.match(r"^[A-Za-z_]\w*=", argument):
                    key, _, value = argument.partition("=")
                    state.variables[key] = value
            return 0
        if name == "unset":
            for argument in arguments:
                if isinstance(argument, str):
                    state.variables.pop(argument, None)
            return 0
        if name == "grep":
            return grep_status(arguments, stdin)
        return None


def _heredoc(body: str, expands: bool, state: _State) -> str | None:
    if not expands:
        return body
    if "$" not in body and "`" not in body:
        return body
    value = _join(expand_parts(quoted_text(body), state))
    return value if isinstance(value, str) else None


def _output(command: list[Value]) -> str | None:
    """What `echo`/`printf` writes, when every word is known."""
    if not command or any(isinstance(w, Unknown) for w in command):
        return None
    words = [str(w) for w in command]
    if words[0] == "echo":
        arguments = words[1:]
        newline = True
        while arguments and arguments[0] in ("-n", "-e", "-E", "-ne", "-en"):
            newline = newline and "n" not in arguments[0]
            arguments = arguments[1:]
        return " ".join(arguments) + ("\n" if newline else "")
    if words[0] == "printf" and len(words) > 1:
        template, values = words[1], words[2:]
        if template.count("%") - 2 * template.count("%%") > 1:
            return None
        text = template.replace("%%", "\x01").replace("%s", values[0] if values else "", 1)
        return text.replace("\x01", "%").replace("\\n", "\n").replace("\\t", "\t")
    return None


# -- test, [[ ]], patterns, grep -----------------------------------------------------------------

BINARY = {"=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "<", ">"}
FILE_TESTS = {"-e", "-f", "-d", "-s", "-r", "-w", "-x", "-L", "-h", "-p", "-S", "-b", "-c", "-g", "-u", "-k", "-O"}


def _binary(operator: str, left: Value, right: Value) -> bool | None:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return None
    if operator in ("=", "=="):
        return left == right
    if operator == "!=":
        return left != right
    if operator in ("<", ">"):
        return left < right if operator == "<" else left > right
    try:
        a, b = int(left), int(right)
    except ValueError:
        return None  # bash: "integer expression expected" (status 2), a failure either way
    return {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b, "-gt": a > b, "-ge": a >= b}[operator]


def _unary(operator: str, operand: Value) -> bool | None:
    if operator in FILE_TESTS or isinstance(operand, Unknown):
        return None
    if operator == "-z":
        return operand == ""
    if operator == "-n":
        return operand != ""
    return None


def test_status(arguments: list[Value]) -> int | None:
    """`test`/`[`: 0 true, 1 false, 2 a malformed expression, None unknown (POSIX rules by count)."""
    truth = _test(list(arguments))
    if truth == "error":
        return 2
    return None if truth is None else (0 if truth else 1)


def _test(arguments: list[Value]) -> bool | str | None:
    count = len(arguments)
    if count == 0:
        return False
    if count == 1:
        return None if isinstance(arguments[0], Unknown) else arguments[0] != ""
    if count == 2:
        if arguments[0] == "!":
            inner = _test(arguments[1:])
            return inner if inner in (None, "error") else not inner
        if isinstance(arguments[0], str) and arguments[0].startswith("-"):
            return _unary(arguments[0], arguments[1])
        return "error"
    if count == 3:
        if isinstance(arguments[1], str) and arguments[1] in BINARY:
            return _binary(arguments[1], arguments[0], arguments[2])
        if arguments[1] in ("-a", "-o"):
            left, right = _test(arguments[:1]), _test(arguments[2:])
            return _combine(str(arguments[1]), left, right)
        if arguments[0] == "!":
            inner = _test(arguments[1:])
            return inner if inner in (None, "error") else not inner
        if arguments[0] == "(" and arguments[2] == ")":
            return _test(arguments[1:2])
        return "error"
    if count == 4 and arguments[0] == "!":
        inner = _test(arguments[1:])
        return inner if inner in (None, "error") else not inner
    for operator in ("-o", "-a"):
        if operator in arguments[1:-1]:
            index = arguments.index(operator, 1)
            return _combine(operator, _test(arguments[:index]), _test(arguments[index + 1 :]))
    return "error"


def _combine(operator: str, left: Any, right: Any) -> bool | str | None:
    if "error" in (left, right):
        return "error"
    if operator == "-a":
        if left is False or right is False:
            return False
        return None if None in (left, right) else True
    if left is True or right is True:
        return True
    return None if None in (left, right) else False


def _glob(text: str) -> str:
    pattern = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "*":
            pattern.append(".*")
        elif char == "?":
            pattern.append(".")
        elif char == "[" and "]" in text[index + 1 :]:
            end = text.index("]", index + 1)
            inner = text[index + 1 : end]
            pattern.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner) + "]")
            index = end
        else:
            pattern.append(re.escape(char))
        index += 1
    return "".join(pattern)


def pattern_match(subject: Value, word: Word, state: _State) -> bool | None:
    """`case` and `[[ == ]]` patterns: quoted parts literal, unquoted ones glob."""
    if isinstance(subject, Unknown):
        return None
    regex = []
    for value, quoted in expand_parts(word, state):
        if isinstance(value, Unknown):
            return None
        regex.append(re.escape(value) if quoted else _glob(value))
    try:
        return re.fullmatch("".join(regex), subject, re.S) is not None
    except re.error:
        return None


class ConditionalTest:
    """`[[ ... ]]`: `&&`, `||`, `!`, parentheses, unary and binary tests, `==` patterns, `=~`."""

    def __init__(self, node: Conditional, state: _State) -> None:
        self.items = node.items
        self.state = state
        self.index = 0

    def peek(self) -> Word | str | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def take(self) -> Word | str | None:
        item = self.peek()
        self.index += 1
        return item

    def value(self) -> bool | None:
        try:
            result = self.or_()
        except (IndexError, ValueError, re.error):
            return False  # a malformed [[ ]] is status 2: not true
        return result if self.index >= len(self.items) else False

    def or_(self) -> bool | None:
        left = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            left = True if True in (left, right) else (None if None in (left, right) else False)
        return left

    def and_(self) -> bool | None:
        left = self.not_()
        while self.peek() == "&&":
            self.take()
            right = self.not_()
            left = False if False in (left, right) else (None if None in (left, right) else True)
        return left

    def not_(self) -> bool | None:
        if self.peek() == "!":
            self.take()
            inner = self.not_()
            return None if inner is None else not inner
        return self.primary()

    def text(self, item: Word | str | None) -> Value:
        if isinstance(item, Word):
            return expand(item, self.state, split=False)[0]
        if item is None:
            raise ValueError("missing operand")
        return item

    def primary(self) -> bool | None:
        item = self.take()
        if item == "(":
            inner = self.or_()
            if self.take() != ")":
                raise ValueError("expected )")
            return inner
        operator = self.peek()
        operator_text = operator.plain if isinstance(operator, Word) else operator
        if isinstance(item, Word) and item.plain in FILE_TESTS | {"-z", "-n"} and isinstance(self.peek(), Word):
            return _unary(str(item.plain), self.text(self.take()))
        if operator_text in ("==", "=", "!="):
            self.take()
            right = self.take()
            if not isinstance(right, Word):
                raise ValueError("expected a pattern")
            matched = pattern_match(self.text(item), right, self.state)
            return None if matched is None else (matched if operator_text != "!=" else not matched)
        if operator_text == "=~":
            self.take()
            left, right = self.text(item), self.text(self.take())
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return None
            return re.search(right, left) is not None
        if operator_text in BINARY:
            self.take()
            return _binary(str(operator_text), self.text(item), self.text(self.take()))
        value = self.text(item)
        return None if isinstance(value, Unknown) else value != ""


def grep_status(arguments: list[Value], stdin: str | None) -> int | None:
    """`grep` reading a here-string or a pipe: 0 when a line matches, 1 when none does."""
    options: set[str] = set()
    patterns: list[Value] = []
    operands: list[Value] = []
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if isinstance(argument, str) and argument == "-e" and index + 1 < len(arguments):
            patterns.append(arguments[index + 1])
            index += 2
            continue
        if isinstance(argument, str) and argument.startswith("--"):
            options.add(
                {"--quiet": "q", "--silent": "q", "--fixed-strings": "F", "--line-regexp": "x"}.get(argument, "?")
            )
        elif isinstance(argument, str) and argument.startswith("-") and len(argument) > 1:
            options.update(argument[1:])
        else:
            operands.append(argument)
        index += 1
    if not patterns and operands:
        patterns.append(operands.pop(0))
    if operands or stdin is None or not patterns or "?" in options or options - set("qsxFiEwvG"):
        return None
    if any(isinstance(p, Unknown) for p in patterns):
        return None
    flags = re.I if "i" in options else 0
    expressions = []
    for pattern in patterns:
        text = re.escape(str(pattern)) if "F" in options else str(pattern)
        if "w" in options:
            text = rf"\b(?:{text})\b"
        try:
            expressions.append(re.compile(rf"^(?:{text})$" if "x" in options else text, flags))
        except re.error:
            return None
    lines = stdin.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    matched = any(any(e.search(line) for e in expressions) for line in lines)
    if "v" in options:
        matched = any(not any(e.search(line) for e in expressions) for line in lines)
    return 0 if matched else 1
