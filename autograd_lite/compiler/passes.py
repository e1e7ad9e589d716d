"""What the compiler does to a recorded trace before it becomes code.

Three passes over the statements, in order:

1. **Repeated subexpressions** (``merge_repeats``): a pure statement that computes what an
   earlier one computed, from the same values, reuses the earlier result; a copy that
   neither side changes afterwards (and that is not returned) is the array itself.
2. **Dead code** (``remove_dead``): a statement stays only if a result, a ``.grad`` or a
   value written in place into an input (a parameter update) depends on it.
3. **Buffer reuse** (``reuse_buffers``): an elementwise statement writes its result, with
   NumPy's ``out=``, into the memory of an intermediate array that nothing reads any more
   and that no view shares: same shape, same dtype, both C-contiguous.  Inputs, constants
   and everything the program returns are never written over.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .recorder import Input, Stmt, Write
from .values import Var

# Below this size NumPy's allocation is cheaper than passing ``out=``.
REUSE_MIN_BYTES = 16384


def vars_in(template: Any) -> Iterator[Var]:
    """Every Var in an argument template (nested tuples, lists and dicts)."""
    if isinstance(template, Var):
        yield template
    elif isinstance(template, (list, tuple)):
        for t in template:
            yield from vars_in(t)
    elif isinstance(template, dict):
        for t in template.values():
            yield from vars_in(t)


def substitute(template: Any, mapping: dict[int, Var]) -> Any:
    """``template`` with each Var replaced as ``mapping`` (by Var index) says."""
    if isinstance(template, Var):
        return mapping.get(template.index, template)
    if isinstance(template, (list, tuple)):
        return type(template)(substitute(t, mapping) for t in template)
    if isinstance(template, dict):
        return {k: substitute(v, mapping) for k, v in template.items()}
    return template


def spec_items(spec: Any) -> Iterator[Any]:
    """The Vars and Consts a result specification refers to."""
    kind = spec[0]
    if kind in ("tensor", "array", "scalar"):
        yield spec[1]
    elif kind == "seq":
        for s in spec[2]:
            yield from spec_items(s)
    elif kind == "dict":
        for _, s in spec[1]:
            yield from spec_items(s)


def substitute_spec(spec: Any, mapping: dict[int, Var]) -> Any:
    kind = spec[0]
    if kind in ("tensor", "array", "scalar"):
        return (kind, substitute(spec[1], mapping))
    if kind == "seq":
        return ("seq", spec[1], [substitute_spec(s, mapping) for s in spec[2]])
    if kind == "dict":
        return ("dict", [(k, substitute_spec(s, mapping)) for k, s in spec[1]])
    return spec


def _reads(stmt: Stmt) -> list[Var]:
    return [*vars_in(stmt.args), *vars_in(stmt.kwargs)]


_NEVER_MERGED = frozenset({"copy", "astype", "flatten"})  # each call must give its own array


def merge_repeats(
    statements: list[Stmt], result: Any, writes: list[Write]
) -> tuple[list[Stmt], Any, list[Write]]:
    written = {s.writes.storage.index for s in statements if s.writes is not None}
    outputs = {
        item.index for item in [*spec_items(result), *(w.item for w in writes)]
        if isinstance(item, Var)
    }  # fmt: skip
    seen: dict[Any, Stmt] = {}
    mapping: dict[int, Var] = {}
    kept: list[Stmt] = []
    for stmt in statements:
        if mapping:
            stmt.args = substitute(stmt.args, mapping)
            stmt.kwargs = substitute(stmt.kwargs, mapping)
        key = stmt.key
        if (
            stmt.kind == "method"
            and stmt.method == "copy"
            and len(stmt.args) == 1
            and not stmt.kwargs
            and isinstance(stmt.args[0], Var)
            and stmt.outs[0].index not in outputs
            and stmt.outs[0].storage.index not in written
            and stmt.args[0].storage.index not in written
        ):
            # A copy that nothing changes afterwards is the array itself.
            mapping[stmt.outs[0].index] = stmt.args[0]
            continue
        if key is not None and stmt.method not in _NEVER_MERGED and stmt.outs:
            if any(v.storage.index in written for v in stmt.outs):
                kept.append(stmt)
                continue
            first = seen.get(key)
            if first is not None and len(first.outs) == len(stmt.outs):
                for mine, theirs in zip(stmt.outs, first.outs):
                    mapping[mine.index] = theirs
                continue
            seen[key] = stmt
        kept.append(stmt)
    result = substitute_spec(result, mapping)
    writes = [Write(w.source, substitute(w.item, mapping), w.name) for w in writes]
    return kept, result, writes


def remove_dead(
    statements: list[Stmt], inputs: list[Input], result: Any, writes: list[Write]
) -> list[Stmt]:
    live_vars: set[int] = set()
    live_storage: set[int] = set()
    input_storage = {i.var.storage.index for i in inputs}
    # Writes into an input's memory (an in-place parameter update) are effects to keep.
    for s in statements:
        if s.writes is not None and s.writes.storage.index in input_storage:
            live_storage.add(s.writes.storage.index)
    for item in [*spec_items(result), *(w.item for w in writes)]:
        if isinstance(item, Var):
            live_vars.add(item.index)
            live_storage.add(item.storage.index)
    kept: list[Stmt] = []
    for stmt in reversed(statements):
        needed = (
            stmt.kind == "check"
            or any(v.index in live_vars for v in stmt.outs)
            or (stmt.writes is not None and stmt.writes.storage.index in live_storage)
        )
        if not needed:
            continue
        for v in stmt.outs:
            live_vars.discard(v.index)
        for v in _reads(stmt):
            live_vars.add(v.index)
            live_storage.add(v.storage.index)
        kept.append(stmt)
    kept.reverse()
    return kept


def used_inputs(
    statements: list[Stmt], inputs: list[Input], result: Any, writes: list[Write]
) -> list[Input]:
    used = {v.index for s in statements for v in _reads(s)}
    used |= {s.writes.index for s in statements if s.writes is not None}
    for item in [*spec_items(result), *(w.item for w in writes)]:
        if isinstance(item, Var):
            used.add(item.index)
    return [i for i in inputs if i.var.index in used]


def reuse_buffers(
    statements: list[Stmt], inputs: list[Input], result: Any, writes: list[Write]
) -> None:
    """Set ``out_buffer`` on the statements that can compute into a dead intermediate."""
    fixed: set[int] = {i.var.storage.index for i in inputs}
    for item in [*spec_items(result), *(w.item for w in writes)]:
        if isinstance(item, Var):
            fixed.add(item.storage.index)
    viewed: set[int] = set()
    last_use: dict[int, int] = {}
    for n, stmt in enumerate(statements):
        for v in stmt.outs:
            if v.storage is not v:
                viewed.add(v.storage.index)
        for v in _reads(stmt):
            last_use[v.storage.index] = n
        if stmt.writes is not None:
            last_use[stmt.writes.storage.index] = n
    home: dict[int, Var] = {}  # storage index -> the buffer (first owner) it lives in
    free: dict[tuple[Any, ...], list[Var]] = {}

    def reusable(v: Var) -> bool:
        return (
            v.storage is v
            and v.is_array
            and v.contiguous
            and v.index not in fixed
            and v.index not in viewed
            and v.dtype is not None
            and len(v.shape) > 0
            and int(np.prod(v.shape)) * v.dtype.itemsize >= REUSE_MIN_BYTES
        )

    for n, stmt in enumerate(statements):
        reads = _reads(stmt)
        if (
            stmt.kind == "ufunc"
            and stmt.method == "__call__"
            and len(stmt.outs) == 1
            and not stmt.kwargs
            and reusable(stmt.outs[0])
        ):
            out = stmt.outs[0]
            key = (out.shape, out.dtype)
            pool = free.get(key)
            buffer = pool.pop() if pool else None
            if buffer is None and stmt.target.signature is None:
                # An input read whole for the last time by this elementwise statement.
                for v in reads:
                    if (
                        v.index in home
                        and last_use.get(v.index) == n
                        and (v.shape, v.dtype) == key
                        and all(r.storage is not v or r is v for r in reads)
                    ):
                        buffer = home.pop(v.index)
                        break
            if buffer is not None:
                stmt.out_buffer = buffer
                home[out.index] = buffer
        for v in stmt.outs:
            if reusable(v) and v.index not in home:
                home[v.index] = v
        for v in reads:
            index = v.storage.index
            if last_use.get(index) == n and index in home:
                buffer = home.pop(index)
                free.setdefault((buffer.shape, buffer.dtype), []).append(buffer)
    _name_buffers(statements)


def _name_buffers(statements: list[Stmt]) -> None:
    """Point each ``out_buffer`` at the Var whose name holds that memory at that line."""
    holder: dict[int, Var] = {}  # buffer index -> the Var living in it now
    for stmt in statements:
        buffer = stmt.out_buffer
        if buffer is not None:
            stmt.out_buffer = holder.get(buffer.index, buffer)
            holder[buffer.index] = stmt.outs[0]
        else:
            for v in stmt.outs:
                holder.setdefault(v.index, v)
