"""MkDocs hook: quote the package's own source in the docs, so that the quotes cannot drift.

A line of the form::

    !quote autograd_lite/closed_form.py "dZ2 = "

is replaced, when the site is built, by a highlighted code block holding the first
statement of that file whose source starts with the quoted text (a whole ``def`` with
its decorators, a ``defvjp(...)`` call, or a single assignment inside a function), with
the file's real line numbers.  Several statements may be asked for at once, separated by
``|``; they are shown in file order, one block per run of adjacent lines::

    !quote autograd_lite/closed_form.py "dZ2 = " | "dW2 = "

A quote that matches nothing fails the build, so a renamed function or a rewritten rule
is noticed by ``mkdocs build --strict`` (and by the test that runs it) rather than
leaving stale code on the page.

Only the standard library is used here: pytest imports this file too (``--doctest-modules``).
"""

from __future__ import annotations

import ast
import re
import shlex
import textwrap
from pathlib import Path
from typing import Any

_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)!quote[ \t]+(?P<args>.+?)[ \t]*$", re.MULTILINE)


class QuoteError(ValueError):
    """A ``!quote`` directive that does not match the source."""


def find_statement(source: str, prefix: str) -> tuple[int, int]:
    """Line span of the first statement whose first non-decorator line starts with ``prefix``."""
    lines = source.splitlines()
    tree = ast.parse(source)
    for node in sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.stmt)), key=lambda n: n.lineno
    ):
        if lines[node.lineno - 1].strip().startswith(prefix):
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            return start, node.end_lineno or node.lineno
    raise QuoteError(f"no statement starts with {prefix!r}")


def render(root: Path, args: str, indent: str = "") -> str:
    """The Markdown code block for one directive's arguments."""
    path, *rest = shlex.split(args)
    prefixes = [p for p in rest if p != "|"]
    if not prefixes:
        raise QuoteError(f"!quote {args}: give at least one quoted statement prefix")
    file = root / path
    if not file.is_file():
        raise QuoteError(f"!quote {args}: no file {path}")
    source = file.read_text(encoding="utf-8")
    lines = source.splitlines()
    spans = []
    for prefix in prefixes:
        try:
            spans.append(find_statement(source, prefix))
        except QuoteError as exc:
            raise QuoteError(f"!quote {args}: {exc} in {path}") from None
    spans.sort()
    # Spans separated only by blank lines are merged; other gaps start a new block, so
    # line numbers stay true.
    groups: list[list[int]] = []
    for start, end in spans:
        gap = lines[groups[-1][1] : start - 1] if groups else None
        if gap is not None and not any(line.strip() for line in gap):
            groups[-1][1] = max(groups[-1][1], end)
        else:
            groups.append([start, end])
    blocks = []
    for k, (start, end) in enumerate(groups):
        body = textwrap.dedent("\n".join(lines[start - 1 : end]))
        title = f' title="{path}"' if k == 0 else ""
        blocks.append(f'```{{.python{title} linenums="{start}"}}\n{body}\n```')
    return textwrap.indent("\n\n".join(blocks), indent)


def expand(markdown: str, root: Path) -> str:
    """``markdown`` with every ``!quote`` directive replaced by its code block."""

    def replace(match: re.Match[str]) -> str:
        return render(root, match.group("args"), match.group("indent"))

    return _DIRECTIVE.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    from mkdocs.exceptions import PluginError

    root = Path(config["config_file_path"]).parent
    try:
        return expand(markdown, root)
    except QuoteError as exc:
        raise PluginError(f"{page.file.src_path}: {exc}") from None
