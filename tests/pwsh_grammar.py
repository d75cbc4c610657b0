"""Check PowerShell code without PowerShell.

Two independent views of the same text:

* `parse_errors` asks the tree-sitter PowerShell grammar whether the code parses
  at all. The grammar treats only U+0027 as a single quote, so on its own it
  would accept a value whose curly quote ends the string early in real
  PowerShell.
* `decode_single_quoted` and `read_exports` follow PowerShell's own tokenizer
  (`Tokenizer.ScanStringLiteral` with `CharTraits.IsSingleQuote`): any of the five
  single-quote characters ends a verbatim string, unless the next character is
  also one of the five, in which case that next character is taken literally.
"""

from __future__ import annotations

import re
from functools import cache

import tree_sitter
import tree_sitter_powershell

# U+0027, U+2018, U+2019, U+201A, U+201B: PowerShell's CharTraits.IsSingleQuote.
SINGLE_QUOTES = frozenset("'\u2018\u2019\u201a\u201b")


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def _tree(code: str) -> tree_sitter.Tree:
    return _parser().parse(code.encode("utf-8"))


def _nodes(root: tree_sitter.Node) -> list[tree_sitter.Node]:
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def _where(node: tree_sitter.Node) -> str:
    row, column = node.start_point
    return f"line {row + 1}, byte {column + 1}"


def parse_errors(code: str) -> list[str]:
    """Every syntax error tree-sitter finds in `code`; empty when it parses."""
    root = _tree(code).root_node
    errors = []
    for node in _nodes(root):
        if node.is_missing:
            errors.append(f"{_where(node)}: missing {node.type!r}")
        elif node.is_error:
            text = (node.text or b"").decode("utf-8", "replace")
            errors.append(f"{_where(node)}: cannot parse {text[:60]!r}")
    if root.has_error and not errors:
        errors.append("the parse tree holds an error")
    return errors


def string_literals(code: str) -> list[str]:
    """The source text of every string literal, as tree-sitter delimits them."""
    return [
        (node.text or b"").decode("utf-8")
        for node in _nodes(_tree(code).root_node)
        if node.type == "string_literal"
    ]


def scan_single_quoted(code: str, start: int) -> tuple[str, int]:
    """PowerShell's ScanStringLiteral from the opening quote at `code[start]`.

    Returns the string's value and the index just after its closing quote.
    """
    if start >= len(code) or code[start] not in SINGLE_QUOTES:
        raise ValueError(f"no single quote at index {start}")
    value = []
    i = start + 1
    while i < len(code):
        char = code[i]
        if char in SINGLE_QUOTES:
            if i + 1 < len(code) and code[i + 1] in SINGLE_QUOTES:
                value.append(code[i + 1])  # the first quote escapes the second
                i += 2
                continue
            return "".join(value), i + 1
        value.append(char)
        i += 1
    raise ValueError(f"the string opened at index {start} is never closed")


def decode_single_quoted(literal: str) -> str:
    """The value of one complete PowerShell verbatim string literal `'...'`.

    Raises ValueError when the literal is not exactly one string: when a quote
    inside it would end the string early, or when it is never closed.
    """
    value, end = scan_single_quoted(literal, 0)
    if end != len(literal):
        raise ValueError(
            f"PowerShell ends the string at index {end - 1}, "
            f"leaving {literal[end : end + 40]!r} outside it"
        )
    return value


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGN = re.compile(rf"\$env:({_NAME})[ \t]*=[ \t]*")
_REMOVE = re.compile(rf"Remove-Item -LiteralPath env:({_NAME}) -ErrorAction SilentlyContinue;")


def _skip_blanks(line: str, i: int) -> int:
    while i < len(line) and line[i] in " \t":
        i += 1
    return i


_CHAR = re.compile(r"\[char\]0x([0-9A-F]{4})")


def _scan_value(line: str, start: int) -> tuple[str, int]:
    """One single-quoted literal, or awsenv's form for other characters:
    `('a' + [char]0x2019 + 'b')`, each [char] one UTF-16 code unit."""
    if not line.startswith("(", start):
        return scan_single_quoted(line, start)
    i = start + 1
    units = bytearray()
    while True:
        if match := _CHAR.match(line, i):
            units += int(match[1], 16).to_bytes(2, "big")
            i = match.end()
        else:
            part, i = scan_single_quoted(line, i)
            units += part.encode("utf-16-be", "surrogatepass")
        if line.startswith(")", i):
            return units.decode("utf-16-be", "surrogatepass"), i + 1
        if not line.startswith(" + ", i):
            raise ValueError(f"expected ' + ' or ')' at index {i}")
        i += 3


def decode_value(expression: str) -> str:
    """The value of one quoted expression as awsenv's pwsh quoter writes it."""
    value, end = _scan_value(expression, 0)
    if end != len(expression):
        raise ValueError(f"trailing text after the value: {expression[end:]!r}")
    return value


def read_exports(code: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Read awsenv's one-line PowerShell output back, token by token.

    Accepts only `$env:NAME = '...';` (or the parenthesised form for other characters) and
    `Remove-Item -LiteralPath env:NAME -ErrorAction SilentlyContinue;` statements
    on one line ending in one LF, and returns the (name, value) assignments and
    the removed names in order.
    Anything else, a string that PowerShell would end early included, raises
    ValueError.
    """
    if not code.endswith("\n") or "\n" in code[:-1] or "\r" in code:
        raise ValueError("not exactly one line ending in a single LF")
    line = code[:-1]
    assigned: list[tuple[str, str]] = []
    removed: list[str] = []
    i = _skip_blanks(line, 0)
    while i < len(line):
        if match := _ASSIGN.match(line, i):
            value, i = _scan_value(line, match.end())
            if not line.startswith(";", i):
                raise ValueError(f"expected ';' after the value of {match[1]} at index {i}")
            assigned.append((match[1], value))
            i += 1
        elif match := _REMOVE.match(line, i):
            removed.append(match[1])
            i = match.end()
        else:
            raise ValueError(f"unexpected text at index {i}: {line[i : i + 40]!r}")
        i = _skip_blanks(line, i)
    return assigned, removed
