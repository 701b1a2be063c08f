"""The syntax of a workflow's `run:` script: bash's grammar, enough of it to read what a step does.

A check reads scripts for two things: the commands they run with their words expanded
(`terraform init -backend-config="bucket=bbws-terraform-state-${TF_ENVIRONMENT}"`), and how
they end (`[[ "$CONFIRM" == deploy-prod ]] || exit 1`). This module turns a script into a tree:
simple commands with their words as parts (literal, quoted, `$VAR`, `${VAR:-x}`, `$(...)`),
pipelines, `&&`/`||` lists, `if`, `case`, `[[ ]]`, groups, loops and functions, each with
its line. What it cannot read raises `ShellSyntaxError`, and the checks say so (never a pass).

Over 400 lines as one idea: bash's grammar, lexer and parser together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?=)")
OPERATORS = (
    ";;&",
    "<<<",
    "<<-",
    "&>>",
    ";;",
    ";&",
    "&&",
    "||",
    "|&",
    "<<",
    ">>",
    "<&",
    ">&",
    ">|",
    "&>",
    "<>",
    ";",
    "&",
    "|",
    "(",
    ")",
    "<",
    ">",
)
REDIRECTIONS = {"<", ">", ">>", "<&", ">&", ">|", "&>", "&>>", "<>", "<<", "<<-", "<<<"}
RESERVED_END = {"then", "elif", "else", "fi", "do", "done", "esac", "}", "in"}


class ShellSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Part:
    """A piece of a word. kind: `lit`, `param` (text: the name), `cmdsub`, `arith`."""

    kind: str
    text: str
    quoted: bool
    operator: str = ""  # a parameter's operator: ":-", "-", ",,", "^^", "#" (length), ...
    argument: Word | None = None


@dataclass(frozen=True)
class Word:
    parts: tuple[Part, ...]
    raw: str
    line: int

    @property
    def plain(self) -> str | None:
        """The word's text when it is a bare literal (reserved words, operators of [[ ]])."""
        if len(self.parts) == 1 and self.parts[0].kind == "lit" and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass
class Simple:
    assignments: list[tuple[str, Word]]
    words: list[Word]
    redirects: list[tuple[str, Word | int]]  # (operator, target word | heredoc number)
    line: int


@dataclass
class Pipeline:
    commands: list[Node]
    negated: bool
    line: int


@dataclass
class AndOr:
    first: Node
    rest: list[tuple[str, Node]]
    line: int


@dataclass
class Sequence:
    items: list[Node]
    line: int


@dataclass
class If:
    clauses: list[tuple[Sequence, Sequence]]
    orelse: Sequence | None
    line: int


@dataclass
class Case:
    word: Word
    arms: list[tuple[list[Word], Sequence]]
    line: int


@dataclass
class Group:
    body: Sequence
    subshell: bool
    line: int


@dataclass
class Conditional:
    """`[[ ... ]]`: words and the operators `&&`, `||`, `(`, `)`, `!` as plain strings."""

    items: list[Word | str]
    line: int


@dataclass
class Loop:
    kind: str  # for | while | until
    variable: str
    values: list[Word] | None
    condition: Sequence | None
    body: Sequence
    line: int


@dataclass
class Function:
    name: str
    body: Node
    line: int


@dataclass
class Arithmetic:
    text: str
    line: int


Node = Simple | Pipeline | AndOr | Sequence | If | Case | Group | Conditional | Loop | Function | Arithmetic


@dataclass
class Script:
    body: Sequence
    heredocs: list[tuple[str, bool]] = field(default_factory=list)  # (text, expand)


# -- lexer -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # word | op | newline | end
    value: str
    line: int
    word: Word | None = None


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.line = 1
        self.tokens: list[Token] = []
        self.pending: list[tuple[int, str, bool, bool]] = []  # (heredoc number, delimiter, strip tabs, expand)
        self.heredocs: list[tuple[str, bool]] = []

    def fail(self, message: str) -> ShellSyntaxError:
        return ShellSyntaxError(message, self.line)

    def peek(self, offset: int = 0) -> str:
        index = self.position + offset
        return self.text[index] if index < len(self.text) else ""

    def run(self) -> list[Token]:
        while self.position < len(self.text):
            char = self.peek()
            if char == "\\" and self.peek(1) == "\n":
                self.position += 2
                self.line += 1
            elif char in " \t\r":
                self.position += 1
            elif char == "\n":
                self.tokens.append(Token("newline", "\n", self.line))
                self.position += 1
                self.line += 1
                self.read_heredocs()
            elif char == "#":
                while self.position < len(self.text) and self.peek() != "\n":
                    self.position += 1
            elif self.after_regex_operator():
                self.tokens.append(self.word(regex=True))  # [[ x =~ ^(a|b)$ ]]: ( ) | belong to the pattern
            elif self.operator_here():
                pass
            else:
                self.tokens.append(self.word())
        if self.pending:
            self.read_heredocs()
        self.tokens.append(Token("end", "", self.line))
        return self.tokens

    def after_regex_operator(self) -> bool:
        last = self.tokens[-1] if self.tokens else None
        return last is not None and last.kind == "word" and last.word is not None and last.word.plain == "=~"

    def operator_here(self) -> bool:
        for operator in OPERATORS:
            if self.text.startswith(operator, self.position):
                self.position += len(operator)
                self.tokens.append(Token("op", operator, self.line))
                if operator in ("<<", "<<-"):
                    self.heredoc_delimiter(strip=operator == "<<-")
                return True
        return False

    def heredoc_delimiter(self, strip: bool) -> None:
        while self.peek() in (" ", "\t"):
            self.position += 1
        start = self.line
        word = self.word().word
        assert word is not None
        expand = all(not p.quoted for p in word.parts)
        delimiter = "".join(p.text for p in word.parts)
        number = len(self.heredocs)
        self.heredocs.append(("", expand))
        self.pending.append((number, delimiter, strip, expand))
        self.tokens.append(Token("heredoc", str(number), start))

    def read_heredocs(self) -> None:
        for number, delimiter, strip, expand in self.pending:
            lines = []
            while True:
                if self.position >= len(self.text):
                    break  # an unterminated heredoc ends with the script, as bash warns and does
                end = self.text.find("\n", self.position)
                end = len(self.text) if end == -1 else end
                raw = self.text[self.position : end]
                self.position = min(end + 1, len(self.text))
                self.line += 1
                candidate = raw.lstrip("\t") if strip else raw
                if candidate == delimiter:
                    break
                lines.append(candidate)
            self.heredocs[number] = ("".join(f"{line}\n" for line in lines), expand)
        self.pending = []

    def word(self, regex: bool = False) -> Token:
        start, line = self.position, self.line
        parts: list[Part] = []
        literal: list[str] = []

        def flush() -> None:
            if literal:
                parts.append(Part("lit", "".join(literal), False))
                literal.clear()

        while self.position < len(self.text):
            char = self.peek()
            if char in " \t\r\n" or (char in ";&|()<>" and not regex):
                break
            if char == "\\":
                following = self.peek(1)
                self.position += 2
                if following == "\n":
                    self.line += 1
                else:
                    flush()
                    parts.append(Part("lit", following, True))
            elif char == "'":
                flush()
                parts.append(Part("lit", self.single_quoted(), True))
            elif char == "$" and self.peek(1) == "'":
                flush()
                self.position += 1
                parts.append(Part("lit", ansi_c(self.single_quoted()), True))
            elif char == '"':
                flush()
                parts.extend(self.double_quoted())
            elif char == "$" or char == "`":
                part = self.expansion(quoted=False)
                if part is None:
                    literal.append("$")
                    self.position += 1
                else:
                    flush()
                    parts.append(part)
            else:
                literal.append(char)
                self.position += 1
        flush()
        raw = self.text[start : self.position]
        word = Word(tuple(parts), raw, line)
        return Token("word", raw, line, word)

    def argument_parts(self, quoted: bool) -> list[Part]:
        """The word of `${X:-word}`: expansions and quotes, spaces kept."""
        parts: list[Part] = []
        literal: list[str] = []
        while self.position < len(self.text):
            char = self.peek()
            if char == "'" and not quoted:
                if literal:
                    parts.append(Part("lit", "".join(literal), quoted))
                    literal = []
                parts.append(Part("lit", self.single_quoted(), True))
            elif char == '"' and not quoted:
                if literal:
                    parts.append(Part("lit", "".join(literal), quoted))
                    literal = []
                parts.extend(self.double_quoted())
            elif char in "$`":
                part = self.expansion(quoted)
                if part is None:
                    literal.append("$")
                    self.position += 1
                else:
                    if literal:
                        parts.append(Part("lit", "".join(literal), quoted))
                        literal = []
                    parts.append(part)
            elif char == "\\" and self.position + 1 < len(self.text):
                literal.append(self.peek(1))
                self.position += 2
            else:
                literal.append(char)
                self.position += 1
        if literal or not parts:
            parts.append(Part("lit", "".join(literal), quoted))
        return parts

    def single_quoted(self) -> str:
        end = self.text.find("'", self.position + 1)
        if end == -1:
            raise self.fail("unterminated single quote")
        content = self.text[self.position + 1 : end]
        self.line += content.count("\n")
        self.position = end + 1
        return content

    def double_quoted(self) -> list[Part]:
        self.position += 1
        parts: list[Part] = []
        literal: list[str] = []
        while True:
            if self.position >= len(self.text):
                raise self.fail("unterminated double quote")
            char = self.peek()
            if char == '"':
                self.position += 1
                break
            if char == "\\" and self.peek(1) in '$`"\\\n':
                if self.peek(1) == "\n":
                    self.line += 1
                else:
                    literal.append(self.peek(1))
                self.position += 2
            elif char in "$`":
                part = self.expansion(quoted=True)
                if part is None:
                    literal.append("$")
                    self.position += 1
                else:
                    if literal:
                        parts.append(Part("lit", "".join(literal), True))
                        literal = []
                    parts.append(part)
            else:
                if char == "\n":
                    self.line += 1
                literal.append(char)
                self.position += 1
        if literal or not parts:
            parts.append(Part("lit", "".join(literal), True))
        return parts

    def expansion(self, quoted: bool) -> Part | None:
        """`$NAME`, `${...}`, `$(...)`, `$((...))`, `` `...` ``, `$1`, `$?`; None for a lone `$`."""
        if self.peek() == "`":
            end = self.text.find("`", self.position + 1)
            if end == -1:
                raise self.fail("unterminated backquote")
            text = self.text[self.position + 1 : end]
            self.line += text.count("\n")
            self.position = end + 1
            return Part("cmdsub", text, quoted)
        following = self.peek(1)
        if following == "(":
            arithmetic = self.peek(2) == "("
            end = self.matching(self.position + 1, "(", ")")
            text = self.text[self.position + (3 if arithmetic else 2) : end - (1 if arithmetic else 0)]
            self.line += text.count("\n")
            self.position = end + 1
            return Part("arith" if arithmetic else "cmdsub", text, quoted)
        if following == "{":
            end = self.matching(self.position + 1, "{", "}")
            inner = self.text[self.position + 2 : end]
            self.position = end + 1
            return parameter(inner, quoted, self.line)
        match = NAME.match(self.text, self.position + 1)
        if match:
            self.position = match.end()
            return Part("param", match.group(0), quoted)
        if following and (following.isdigit() or following in "?@*#$!-"):
            self.position += 2
            return Part("param", following, quoted)
        return None

    def matching(self, start: int, opening: str, closing: str) -> int:
        """The index of the bracket closing the one at `start`, skipping quoted text."""
        depth = 0
        index = start
        quote = ""
        while index < len(self.text):
            char = self.text[index]
            if quote:
                if char == "\\" and quote == '"':
                    index += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char == "\\":
                index += 1
            elif char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
                if depth == 0:
                    return index
            index += 1
        raise self.fail(f"unterminated {opening}")


PARAMETER_OPERATORS = (
    ":-",
    ":=",
    ":+",
    ":?",
    ",,",
    "^^",
    "##",
    "%%",
    "//",
    "-",
    "=",
    "+",
    "?",
    ",",
    "^",
    "#",
    "%",
    "/",
    ":",
)


def parameter(inner: str, quoted: bool, line: int) -> Part:
    if inner.startswith("#") and NAME.fullmatch(inner[1:]):
        return Part("param", inner[1:], quoted, "#length")
    match = NAME.match(inner) or re.match(r"[0-9?@*#$!-]", inner)
    if match is None:
        return Part("param", inner, quoted, "unsupported")
    name, rest = match.group(0), inner[match.end() :]
    if not rest:
        return Part("param", name, quoted)
    for operator in PARAMETER_OPERATORS:
        if rest.startswith(operator):
            argument_text = rest[len(operator) :]
            argument = None
            if operator in (":-", ":=", ":+", "-", "=", "+"):
                argument = Word(tuple(_Lexer(argument_text).argument_parts(quoted)), argument_text, line)
            return Part("param", name, quoted, operator, argument)
    return Part("param", name, quoted, "unsupported")


def quoted_text(text: str) -> Word:
    """Text read as inside double quotes (a here-document's body): `$X`, `${X}`, `$(...)` expand."""
    return Word(tuple(_Lexer(text).argument_parts(quoted=True)), text, 0)


def ansi_c(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "e": "\x1b", "a": "\a"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), text)


# -- parser ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token:
        return self.tokens[min(self.index, len(self.tokens) - 1)]  # the end token, once past it

    def advance(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def fail(self, message: str) -> ShellSyntaxError:
        return ShellSyntaxError(message, self.peek().line)

    def is_word(self, *values: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.word is not None and token.word.plain in values

    def is_op(self, *values: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.value in values

    def skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.advance()

    def expect_word(self, value: str) -> None:
        self.skip_newlines()
        if not self.is_word(value):
            raise self.fail(f"expected {value!r}, found {self.peek().value or 'the end'!r}")
        self.advance()

    def program(self) -> Sequence:
        body = self.sequence(set(), set())
        if self.peek().kind != "end":
            raise self.fail(f"unexpected {self.peek().value!r}")
        return body

    def at_end(self, words: set[str], ops: set[str]) -> bool:
        token = self.peek()
        if token.kind == "end":
            return True
        if token.kind == "op" and token.value in ops:
            return True
        return token.kind == "word" and token.word is not None and token.word.plain in words

    def sequence(self, words: set[str], ops: set[str]) -> Sequence:
        line = self.peek().line
        items: list[Node] = []
        while True:
            self.skip_newlines()
            if self.at_end(words, ops):
                return Sequence(items, line)
            items.append(self.and_or())
            token = self.peek()
            if token.kind == "op" and token.value in (";", "&"):
                self.advance()
            elif token.kind == "newline":
                continue
            elif not self.at_end(words, ops):
                raise self.fail(f"unexpected {token.value!r}")

    def and_or(self) -> Node:
        line = self.peek().line
        first = self.pipeline()
        rest: list[tuple[str, Node]] = []
        while self.is_op("&&", "||"):
            operator = self.advance().value
            self.skip_newlines()
            rest.append((operator, self.pipeline()))
        return AndOr(first, rest, line) if rest else first

    def pipeline(self) -> Node:
        line = self.peek().line
        negated = False
        while self.is_word("!"):
            self.advance()
            negated = not negated
        commands = [self.command()]
        while self.is_op("|", "|&"):
            self.advance()
            self.skip_newlines()
            commands.append(self.command())
        if len(commands) == 1 and not negated:
            return commands[0]
        return Pipeline(commands, negated, line)

    def command(self) -> Node:
        token = self.peek()
        line = token.line
        if token.kind == "op" and token.value == "(":
            self.advance()
            if self.is_op("("):
                return self.arithmetic(line)
            body = self.sequence(set(), {")"})
            if not self.is_op(")"):
                raise self.fail("expected ')'")
            self.advance()
            return self.redirected(Group(body, True, line))
        if token.kind != "word" or token.word is None:
            raise self.fail(f"unexpected {token.value or 'end'!r}")
        plain = token.word.plain
        if plain == "{":
            self.advance()
            body = self.sequence({"}"}, set())
            self.expect_word("}")
            return self.redirected(Group(body, False, line))
        if plain == "if":
            return self.redirected(self.if_(line))
        if plain == "case":
            return self.redirected(self.case(line))
        if plain in ("while", "until"):
            self.advance()
            condition = self.sequence({"do"}, set())
            self.expect_word("do")
            body = self.sequence({"done"}, set())
            self.expect_word("done")
            return self.redirected(Loop(plain, "", None, condition, body, line))
        if plain == "for":
            return self.redirected(self.for_(line))
        if plain == "[[":
            return self.conditional(line)
        if plain == "function":
            self.advance()
            name = self.advance().value
            if self.is_op("("):
                self.advance()
                self.advance()
            self.skip_newlines()
            return Function(name, self.command(), line)
        if plain in RESERVED_END:
            raise self.fail(f"unexpected {plain!r}")
        following = self.tokens[self.index + 1] if self.index + 1 < len(self.tokens) else None
        if plain and NAME.fullmatch(plain) and following and following.kind == "op" and following.value == "(":
            self.advance()
            self.advance()
            if not self.is_op(")"):
                raise self.fail("expected ')' after a function name")
            self.advance()
            self.skip_newlines()
            return Function(plain, self.command(), line)
        return self.simple()

    def arithmetic(self, line: int) -> Node:
        depth = 2
        pieces = []
        self.advance()
        while depth > 0:
            token = self.advance()
            if token.kind == "end":
                raise self.fail("unterminated (( ))")
            if token.kind == "op" and token.value == "(":
                depth += 1
            elif token.kind == "op" and token.value == ")":
                depth -= 1
                if depth < 2:
                    continue
            pieces.append(token.value)
        return Arithmetic(" ".join(pieces), line)

    def redirected(self, node: Node) -> Node:
        while self.is_op(*REDIRECTIONS):
            self.redirection([])
        return node

    def redirection(self, into: list[tuple[str, Word | int]]) -> None:
        operator = self.advance().value
        if operator in ("<<", "<<-"):
            token = self.advance()
            if token.kind != "heredoc":
                raise self.fail("expected a here-document delimiter")
            into.append((operator, int(token.value)))
            return
        target = self.advance()
        if target.kind != "word" or target.word is None:
            raise self.fail(f"expected a word after {operator}")
        into.append((operator, target.word))

    def simple(self) -> Simple:
        line = self.peek().line
        assignments: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirects: list[tuple[str, Word | int]] = []
        while True:
            token = self.peek()
            if token.kind == "op" and token.value in REDIRECTIONS:
                if words and words[-1].plain is not None and words[-1].plain.isdigit() and words[-1].raw.isdigit():
                    words.pop()  # `2>&1`: the number is the redirected descriptor
                self.redirection(redirects)
            elif token.kind == "word" and token.word is not None:
                match = ASSIGNMENT.match(token.value)
                if not words and match and token.word.parts and token.word.parts[0].kind == "lit":
                    assignments.append((match.group(1), strip_prefix(token.word, match.end())))
                else:
                    words.append(token.word)
                self.advance()
            else:
                break
        if not words and not assignments and not redirects:
            raise self.fail(f"expected a command, found {self.peek().value or 'the end'!r}")
        return Simple(assignments, words, redirects, line)

    def if_(self, line: int) -> If:
        self.advance()
        clauses = []
        condition = self.sequence({"then"}, set())
        self.expect_word("then")
        body = self.sequence({"elif", "else", "fi"}, set())
        clauses.append((condition, body))
        orelse = None
        while True:
            self.skip_newlines()
            if self.is_word("elif"):
                self.advance()
                condition = self.sequence({"then"}, set())
                self.expect_word("then")
                clauses.append((condition, self.sequence({"elif", "else", "fi"}, set())))
            elif self.is_word("else"):
                self.advance()
                orelse = self.sequence({"fi"}, set())
            else:
                self.expect_word("fi")
                return If(clauses, orelse, line)

    def case(self, line: int) -> Case:
        self.advance()
        token = self.advance()
        if token.kind != "word" or token.word is None:
            raise self.fail("expected a word after case")
        self.expect_word("in")
        arms: list[tuple[list[Word], Sequence]] = []
        while True:
            self.skip_newlines()
            if self.is_word("esac"):
                self.advance()
                return Case(token.word, arms, line)
            if self.is_op("("):
                self.advance()
            patterns = []
            while True:
                pattern = self.advance()
                if pattern.kind != "word" or pattern.word is None:
                    raise self.fail("expected a case pattern")
                patterns.append(pattern.word)
                if self.is_op("|"):
                    self.advance()
                    continue
                if self.is_op(")"):
                    self.advance()
                    break
                raise self.fail("expected ')' after a case pattern")
            body = self.sequence({"esac"}, {";;", ";&", ";;&"})
            if self.is_op(";;", ";&", ";;&"):
                self.advance()
            arms.append((patterns, body))

    def for_(self, line: int) -> Loop:
        self.advance()
        variable = self.advance().value
        values: list[Word] | None = None
        self.skip_newlines()
        if self.is_word("in"):
            self.advance()
            values = []
            while self.peek().kind == "word" and self.peek().word is not None:
                values.append(self.advance().word)  # type: ignore[arg-type]
        if self.is_op(";"):
            self.advance()
        self.expect_word("do")
        body = self.sequence({"done"}, set())
        self.expect_word("done")
        return Loop("for", variable, values, None, body, line)

    def conditional(self, line: int) -> Conditional:
        self.advance()
        items: list[Word | str] = []
        while True:
            token = self.advance()
            if token.kind == "end":
                raise ShellSyntaxError("unterminated [[", line)
            if token.kind == "word" and token.word is not None:
                if token.word.plain == "]]":
                    return Conditional(items, line)
                items.append("!" if token.word.plain == "!" else token.word)
            elif token.kind == "op" and token.value in ("&&", "||", "(", ")", "<", ">"):
                items.append(token.value)
            elif token.kind != "newline":
                raise ShellSyntaxError(f"unexpected {token.value!r} in [[ ]]", token.line)


def strip_prefix(word: Word, length: int) -> Word:
    """The value of `NAME=value`: the word without its first `length` literal characters."""
    first = word.parts[0]
    rest = first.text[length:]
    parts = ((Part("lit", rest, False),) if rest else ()) + word.parts[1:]
    return Word(parts or (Part("lit", "", False),), word.raw[length:], word.line)


def parse_script(text: str) -> Script:
    """The script's tree; ShellSyntaxError names the line it could not read."""
    lexer = _Lexer(text)
    try:
        tokens = lexer.run()
        body = _Parser(tokens).program()
    except (IndexError, ValueError, RecursionError) as error:  # a construct this reader does not know
        raise ShellSyntaxError(f"cannot read the script ({type(error).__name__})", lexer.line) from None
    return Script(body, lexer.heredocs)
