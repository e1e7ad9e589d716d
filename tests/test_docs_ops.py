"""The op reference lists every public op, with its NumPy twin where it has one."""

from __future__ import annotations

import inspect
import pathlib
import re

import autograd_lite as ag
from autograd_lite import _dispatch

PAGE = pathlib.Path(__file__).parent.parent / "docs" / "api" / "ops.md"
ROW = re.compile(r"^\|\s*\[?`(ag\.[\w.]+)\(")


def _public_ops() -> set[str]:
    """``ag.<name>`` for every function or primitive defined in an op module or ag.linalg."""
    names = set()
    for name in ag.__all__:
        value = getattr(ag, name)
        module = getattr(value, "__module__", "") or ""
        if isinstance(value, ag.Primitive) or (
            inspect.isfunction(value) and module.startswith("autograd_lite._ops")
        ):
            names.add(f"ag.{name}")
    names |= {f"ag.linalg.{name}" for name in ag.linalg.__all__}
    names |= {f"ag.{name}" for name in ag.losses.__all__}
    return names


def _rows() -> dict[str, str]:
    rows = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = line
    return rows


def test_every_public_op_has_a_row() -> None:
    missing = sorted(_public_ops() - set(_rows()))
    assert not missing, f"docs/api/ops.md has no row for {missing}"


def test_every_row_names_a_real_op() -> None:
    unknown = sorted(set(_rows()) - _public_ops() - {"ag.abs"})
    assert not unknown, f"docs/api/ops.md lists ops that do not exist: {unknown}"


def test_a_row_names_the_numpy_twin_when_there_is_one() -> None:
    twins: dict[object, list[str]] = {}
    for owner, method in _dispatch.registered():
        twins.setdefault(_dispatch.twin_of(owner, method), []).append(
            f"np.{owner.__name__}" if method in ("__call__", "__function__") else ""
        )
    rows = _rows()
    for name, line in rows.items():
        op = eval(name, {"ag": ag})
        if op in twins and any(twins[op]):
            assert "np." in line, f"{name}: its row does not name its NumPy twin"
