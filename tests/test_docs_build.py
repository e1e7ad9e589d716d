"""The documentation site builds without warnings, and its API reference covers ``__all__``.

``mkdocs build --strict`` fails on a broken link, an unresolved cross-reference, a page
missing from the navigation's files, or a ``!quote`` of our source that no longer matches
(see ``docs/hooks/quote_source.py``).  The code blocks of the pages are run separately,
by ``docs/conftest.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import autograd_lite as ag

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs", reason="the docs extra is not installed")
pytest.importorskip("mkdocstrings", reason="the docs extra is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return out


def _inventory(site: Path) -> set[str]:
    """The object names in the site's ``objects.inv`` (Sphinx inventory, version 2)."""
    raw = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = raw.index(b"\n", header_end) + 1
    body = zlib.decompress(raw[header_end:]).decode()
    return {line.split(" ", 1)[0] for line in body.splitlines() if line}


def test_site_builds_strict(site: Path) -> None:
    for page in ("index.html", "post-to-code/index.html", "api/index.html"):
        assert (site / page).is_file(), page


def test_api_reference_documents_every_public_name(site: Path) -> None:
    documented = _inventory(site)
    modules = {name for name in ag.__all__ if type(getattr(ag, name)).__name__ == "module"}
    # Not objects with docstrings of their own; the API page names them in its text.
    aliases = {"abs", "__version__"}
    missing = []
    for name in sorted(set(ag.__all__) - aliases):
        candidates = {f"autograd_lite.{name}"}
        if name not in modules:
            obj = getattr(ag, name)
            module = getattr(obj, "__module__", None)
            if module in {f"autograd_lite.{m}" for m in modules}:
                candidates.add(f"{module}.{name}")
        if not candidates & documented:
            missing.append(name)
    assert not missing, f"public names without an API entry: {missing}"
