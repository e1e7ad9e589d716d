"""Run the code blocks of the documentation as tests (collected by ``python -m pytest``).

- Every fenced ``python`` block of a page runs, in order, in one namespace per page: plain
  code must not raise, and a block that starts with ``>>>`` is a doctest whose output
  must match (``...`` matches anything).
- In ``console`` blocks, each ``$ autograd-lite ...`` command is run (as
  ``python -m autograd_lite ...``) and must exit with status 0; the lines shown after it
  must match its output (it runs in a scratch directory), with ``...`` matching anything
  and every number in scientific notation matching any other (the exact digits depend on
  the machine's floating-point libraries).  Other commands in console blocks
  (``pip install``, ``mkdocs serve``) set up an environment and are not run.
- ``<!-- skip: next -->`` before a block skips it.
"""

from __future__ import annotations

import doctest
import re
import shlex
import subprocess
import sys
import tempfile
from typing import Any

from sybil import Sybil
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser

_SCI = re.compile(r"[-+]?\d\.\d+e[-+]\d+")


def _normalise(text: str) -> str:
    return _SCI.sub("<number>", text.strip())


def _run_console(example: Any) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in example.parsed.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    checker = doctest.OutputChecker()
    for command, expected in commands:
        words = shlex.split(command)
        if not words or words[0] != "autograd-lite":
            continue
        with tempfile.TemporaryDirectory() as scratch:  # for files a command writes
            result = subprocess.run(
                [sys.executable, "-m", "autograd_lite", *words[1:]],
                capture_output=True,
                text=True,
                timeout=300,
                cwd=scratch,
            )
        assert result.returncode == 0, (
            f"`{command}` exited with {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
        want = _normalise("\n".join(expected)) + "\n"
        got = _normalise(result.stdout) + "\n"
        if expected and not checker.check_output(
            want, got, doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        ):
            raise AssertionError(f"`{command}` printed:\n{result.stdout}\nexpected:\n{want}")


pytest_collect_file = Sybil(
    parsers=[
        PythonCodeBlockParser(doctest_optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE),
        CodeBlockParser("console", _run_console),
        SkipParser(),
    ],
    patterns=["*.md"],
).pytest()
