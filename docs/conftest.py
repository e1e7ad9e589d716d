"""Run the code blocks of the documentation as tests (collected by ``python -m pytest``).

Every fenced ``python`` block of a page runs, in order, in one namespace per page: a
block of plain code must not raise, and a block that starts with ``>>>`` is a doctest
whose printed output must match.  ``<!-- skip: next -->`` before a block skips it.
Blocks in other languages (``console``, ``text``) are not run.
"""

from __future__ import annotations

import doctest

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

pytest_collect_file = Sybil(
    parsers=[
        PythonCodeBlockParser(doctest_optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE),
        SkipParser(),
    ],
    patterns=["*.md"],
).pytest()
