"""The staff pages' JS strings: every t("...") key in static/console/*.js and static/org/*.js (the organisation
pages import t() from the console) and the catalogues that translate them.

The rule (static/console/i18n.js): t() gets one string literal in single or double quotes (tc(), the
same with a context first, two: its key is "context|msg"), so
the keys can be read from the source without running it. This module reads them with a small
tokenizer (comments, strings, template literals with their ${...} parts, regular expressions) and
reports any t() call whose first argument is something else, so a key can never hide.

A catalogue (static/console/i18n/<lang>.js) is `export default { ... };` where the braces hold a
JSON object: English key -> translation. Run `python -m tests.console.js_i18n` to list the keys
each catalogue lacks, as JSON lines ready to translate and paste in.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "static" / "console"
SOURCES = (CONSOLE, ROOT / "static" / "org")  # the modules whose t() keys the catalogues must hold
CATALOGUES = {"zh-CN": CONSOLE / "i18n" / "zh-CN.js", "sv": CONSOLE / "i18n" / "sv.js"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# After one of these (or at the start), a "/" begins a regular expression, not a division.
REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {"", "return", "typeof", "case", "of", "in"}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass
class Token:
    kind: str  # "name", "punct", "string" (a quoted literal, value unescaped) or "other" (templates, regexes, numbers)
    value: str
    line: int


@dataclass
class Found:
    keys: dict[str, list[str]] = field(default_factory=dict)  # key -> ["file:line", ...]
    bad_calls: list[str] = field(default_factory=list)  # "file:line: why"


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u" and body[i + 2] == "{":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        elif nxt == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        elif nxt == "x":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif nxt == "\n":  # a line continuation
            i += 2
        else:
            out.append(ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


def tokens(src: str):
    """The tokens of a JS source, comments dropped; a template literal's ${...} parts are tokenized too."""
    i, line, n = 0, 1, len(src)
    depth = [0]  # brace depth per open template ${...}; the last entry is the current expression's
    prev = ""

    def emit(kind, value, at_line):
        nonlocal prev
        prev = value if kind in ("punct", "name") else "x"
        return Token(kind, value, at_line)

    def template_text(j):
        """Scan template text from j (just after ` or }) to the closing ` or the next ${; return (end, opened)."""
        nonlocal line
        while j < n:
            c = src[j]
            if c == "\\":
                j += 2
                continue
            if c == "\n":
                line += 1
            if c == "`":
                return j + 1, False
            if c == "$" and src[j + 1 : j + 2] == "{":
                return j + 2, True
            j += 1
        raise SyntaxError("unterminated template literal")

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif src.startswith("//", i):
            i = src.find("\n", i) if "\n" in src[i:] else n
        elif src.startswith("/*", i):
            end = src.index("*/", i + 2)
            line += src.count("\n", i, end)
            i = end + 2
        elif c in "'\"":
            j = i + 1
            while src[j] != c:
                if src[j] == "\n":
                    raise SyntaxError(f"line {line}: unterminated string")
                j += 2 if src[j] == "\\" else 1
            yield emit("string", _unescape(src[i + 1 : j]), line)
            i = j + 1
        elif c == "`":
            start = line
            i, opened = template_text(i + 1)
            yield emit("other", "`", start)
            if opened:
                depth.append(0)
        elif c == "}" and len(depth) > 1 and depth[-1] == 0:
            depth.pop()  # back in the template's text
            i, opened = template_text(i + 1)
            if opened:
                depth.append(0)
            prev = "x"
        elif c == "/" and prev in REGEX_BEFORE:
            j, in_class = i + 1, False
            while src[j] != "/" or in_class:
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and src[j].isalpha():  # flags
                j += 1
            yield emit("other", src[i:j], line)
            i = j
        elif c.isalpha() or c in "_$":
            m = re.compile(r"[\w$]+").match(src, i)
            yield emit("name", m.group(), line)
            i = m.end()
        elif c.isdigit():
            m = re.compile(r"[\w.]+").match(src, i)
            yield emit("other", m.group(), line)
            i = m.end()
        else:
            if c == "{":
                depth[-1] += 1
            elif c == "}":
                depth[-1] -= 1
            # "?." and "..." are one token each, so `a?.t(` and `...t(` are not taken for a call to t
            op = "?." if src.startswith("?.", i) else "..." if src.startswith("...", i) else c
            yield emit("punct", op, line)
            i += len(op)


def _literals(toks: list[Token], start: int, count: int) -> list[str] | None:
    """The `count` string literals that open the argument list at toks[start] (just after "("), or None."""
    values = []
    for n in range(count):
        arg = toks[start + 2 * n] if start + 2 * n < len(toks) else None
        after = toks[start + 2 * n + 1].value if start + 2 * n + 1 < len(toks) else ""
        if arg is None or arg.kind != "string" or after not in ((",", ")") if n == count - 1 else (",",)):
            return None
        values.append(arg.value)
    return values


def extract(path: Path, found: Found | None = None) -> Found:
    """Add the t() and tc() keys of one JS file to `found` (and the calls that break the rule)."""
    found = found or Found()
    toks = list(tokens(path.read_text(encoding="utf-8")))
    where = f"{path.parent.name}/{path.name}"
    for k, tok in enumerate(toks):
        if tok.kind != "name" or tok.value not in ("t", "tc"):
            continue
        before = toks[k - 1].value if k else ""
        if before in (".", "?.", "function") or k + 1 >= len(toks) or toks[k + 1].value != "(":
            continue  # obj.t(...), a declaration of t, or t used as a value
        args = _literals(toks, k + 2, 1 if tok.value == "t" else 2)
        if args is None:
            rule = "one string literal" if tok.value == "t" else "two string literals (context, text)"
            found.bad_calls.append(f"{where}:{tok.line}: {tok.value}() must get {rule} in quotes")
            continue
        found.keys.setdefault("|".join(args), []).append(f"{where}:{tok.line}")
    return found


def console_keys() -> Found:
    """Every key of static/console/*.js and static/org/*.js (the catalogues themselves hold no t() calls)."""
    found = Found()
    for folder in SOURCES:
        for path in sorted(folder.glob("*.js")):
            extract(path, found)
    return found


def load_catalogue(path: Path) -> dict[str, str]:
    """A catalogue's object: the JSON between `export default` and the final `;`."""
    text = path.read_text(encoding="utf-8")
    start = text.index("export default") + len("export default")
    body = text[start:].strip()
    if body.endswith(";"):
        body = body[:-1]
    return json.loads(body)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def main() -> int:
    found = console_keys()
    for bad in found.bad_calls:
        print(bad, file=sys.stderr)
    for path in CATALOGUES.values():
        catalogue = load_catalogue(path)
        missing = [key for key in found.keys if key not in catalogue]
        print(f"// {path.relative_to(ROOT)}: {len(missing)} missing")
        for key in missing:
            print(f"  {json.dumps(key, ensure_ascii=False)}: {json.dumps(key, ensure_ascii=False)},")
    return 1 if found.bad_calls else 0


if __name__ == "__main__":
    sys.exit(main())
