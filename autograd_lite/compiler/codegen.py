"""Statements to Python source: one array operation per line, readable and runnable.

The same lines serve twice: in :meth:`Compiled.source` (a function of arrays, with the
user's file and line beside each forward line) and in the function a compiled call runs,
where a prologue reads the inputs and checks what the trace assumed, and an epilogue
writes ``.grad``, parameters and optimizer state back.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .recorder import Const, GeneratorRef, Stmt
from .values import Var

# NumPy ufuncs that Python operators call, and those operators.
_BINARY_OPERATORS = {
    np.add: "+",
    np.subtract: "-",
    np.multiply: "*",
    np.divide: "/",
    np.floor_divide: "//",
    np.remainder: "%",
    np.power: "**",
    np.matmul: "@",
    np.less: "<",
    np.less_equal: "<=",
    np.greater: ">",
    np.greater_equal: ">=",
    np.equal: "==",
    np.not_equal: "!=",
    np.bitwise_and: "&",
    np.bitwise_or: "|",
    np.bitwise_xor: "^",
}
_UNARY_OPERATORS = {np.negative: "-", np.invert: "~"}

SMALL_CONSTANT = 16  # elements: constants up to this size are written out in the source


class Constants:
    """How each array constant appears: a module-level line, or a keyword-only parameter."""

    def __init__(self, arrays: list[np.ndarray], used: set[int]) -> None:
        self.arrays = arrays
        self.definitions: list[tuple[str, str]] = []  # (name, expression)
        self.parameters: list[tuple[str, int]] = []  # (name, constant index)
        self.names: dict[int, str] = {}
        for index in sorted(used):
            name = f"c{index}"
            self.names[index] = name
            expression = _array_literal(arrays[index])
            if expression is None:
                self.parameters.append((name, index))
            else:
                self.definitions.append((name, expression))


def _array_literal(a: np.ndarray) -> str | None:
    """A short expression that rebuilds ``a`` exactly, or None if there is none."""
    dtype = _dtype_name(a.dtype)
    if dtype is None:
        return None
    if a.size and a.ndim and a.dtype.kind in "iu" and a.ndim == 1:
        if np.array_equal(a, np.arange(a.size)):
            return f"np.arange({a.size}, dtype={dtype})"
    flat = a.reshape(-1)
    if a.size and np.array_equal(flat, np.full_like(flat, flat[0]), equal_nan=a.dtype.kind == "f"):
        return f"np.full({a.shape!r}, {_scalar(flat[0].item())}, dtype={dtype})"
    if a.size <= SMALL_CONSTANT:
        body = _nested_literal(a.tolist())
        return f"np.array({body}, dtype={dtype})"
    return None


def _nested_literal(x: Any) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_nested_literal(y) for y in x) + "]"
    return _scalar(x)


def _dtype_name(dtype: np.dtype[Any]) -> str | None:
    if not dtype.isnative or dtype.kind not in "biuf":
        return None
    return f"np.{dtype.name}"


def _scalar(x: Any) -> str:
    """A Python number as source that gives it back exactly."""
    if isinstance(x, float):
        if math.isnan(x):
            return "np.nan"
        if math.isinf(x):
            return "np.inf" if x > 0 else "-np.inf"
        return repr(x)
    return repr(x)


def literal(x: Any, names: dict[int, str]) -> str:
    """Source for one argument of a call."""
    if isinstance(x, Var):
        return x.name
    if isinstance(x, Const):
        return names[x.index]
    if isinstance(x, GeneratorRef):
        return f"rng{x.index}"
    if isinstance(x, np.generic):
        name = _dtype_name(x.dtype)
        if name is None:
            raise ValueError(f"cannot write a constant of dtype {x.dtype}")
        return f"{name}({_scalar(x.item())})"
    if isinstance(x, np.dtype):
        return f"np.dtype({x.str!r})" if _dtype_name(x) is None else _dtype_name(x)  # type: ignore[return-value]
    if isinstance(x, type) and issubclass(x, np.generic):
        return f"np.{x.__name__}"
    if isinstance(x, np.ufunc):
        return f"np.{x.__name__}"
    if isinstance(x, (bool, int, float, complex)) or x is None:
        return _scalar(x)
    if isinstance(x, str):
        return repr(x)
    if x is Ellipsis:
        return "Ellipsis"
    if isinstance(x, slice):
        return (
            f"slice({literal(x.start, names)}, {literal(x.stop, names)}, {literal(x.step, names)})"
        )
    if isinstance(x, tuple):
        inner = ", ".join(literal(y, names) for y in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, list):
        return "[" + ", ".join(literal(y, names) for y in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v, names)}" for k, v in x.items()) + "}"
    raise ValueError(f"cannot write a {type(x).__name__} into the program")


def _index(x: Any, names: dict[int, str]) -> str:
    """Source for a subscript: ``1:3``, ``...``, ``None``, and tuples of them."""
    if isinstance(x, tuple):
        return ", ".join(_index(y, names) for y in x) if x else "()"
    if isinstance(x, slice):
        parts = [
            "" if x.start is None else literal(x.start, names),
            "" if x.stop is None else literal(x.stop, names),
        ]
        text = ":".join(parts)
        return text + ("" if x.step is None else ":" + literal(x.step, names))
    if x is Ellipsis:
        return "..."
    return literal(x, names)


def _call_args(args: tuple[Any, ...], kwargs: dict[str, Any], names: dict[int, str]) -> str:
    parts = [literal(a, names) for a in args]
    parts += [f"{k}={literal(v, names)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _function_name(func: Any) -> str:
    name: str = func.__name__
    module = getattr(func, "__module__", "") or ""
    if module == "numpy" or module.startswith("numpy."):
        if getattr(np, name, None) is func:
            return f"np.{name}"
        for prefix in ("linalg", "fft", "lib.stride_tricks"):
            namespace: Any = np
            for part in prefix.split("."):
                namespace = getattr(namespace, part)
            if getattr(namespace, name, None) is func:
                return f"np.{prefix}.{name}"
        raise ValueError(f"numpy.{name} has no public name under which the program could call it")
    return f"{module}.{func.__qualname__}"


def _is_array_operand(x: Any) -> bool:
    return isinstance(x, (Var, Const)) and (not isinstance(x, Var) or x.is_array)


def render(stmt: Stmt, names: dict[int, str]) -> str:
    """One statement as one line of Python (without its comment)."""
    kind = stmt.kind
    args = stmt.args
    if kind == "ufunc":
        ufunc = stmt.target
        kwargs = dict(stmt.kwargs)
        out = kwargs.pop("out", None)
        if stmt.method == "at":
            return f"np.{ufunc.__name__}.at({_call_args(args, kwargs, names)})"
        if kwargs.get("casting") == "same_kind":
            del kwargs["casting"]
        if out is not None:
            symbol = _BINARY_OPERATORS.get(ufunc)
            if (
                stmt.method == "__call__"
                and symbol is not None
                and symbol not in ("<", "<=", ">", ">=", "==", "!=")
                and not kwargs
                and len(args) == 2
                and args[0] is out
            ):
                return f"{out.name} {symbol}= {literal(args[1], names)}"
            call = _call_args(args, kwargs, names)
            prefix = f"np.{ufunc.__name__}" + (
                "" if stmt.method == "__call__" else f".{stmt.method}"
            )
            return f"{prefix}({call}, out={out.name})"
        target = ", ".join(v.name for v in stmt.outs)
        if stmt.method == "__call__" and not kwargs and stmt.out_buffer is None:
            if (
                len(args) == 2
                and ufunc in _BINARY_OPERATORS
                and (_is_array_operand(args[0]) or _is_array_operand(args[1]))
            ):
                a, b = literal(args[0], names), literal(args[1], names)
                return f"{target} = {a} {_BINARY_OPERATORS[ufunc]} {b}"
            if len(args) == 1 and ufunc in _UNARY_OPERATORS and _is_array_operand(args[0]):
                return f"{target} = {_UNARY_OPERATORS[ufunc]}{literal(args[0], names)}"
        call = _call_args(args, kwargs, names)
        if stmt.out_buffer is not None:
            call += f", out={stmt.out_buffer.name}"
        prefix = f"np.{ufunc.__name__}" + ("" if stmt.method == "__call__" else f".{stmt.method}")
        return f"{target} = {prefix}({call})"
    if kind in ("function", "draw"):
        target = ", ".join(v.name for v in stmt.outs)
        return f"{target} = {_function_name(stmt.target)}({_call_args(args, stmt.kwargs, names)})"
    if kind == "method":
        target = ", ".join(v.name for v in stmt.outs)
        obj = literal(args[0], names)
        if stmt.method == "__getitem__":
            return f"{target} = {obj}[{_index(args[1], names)}]"
        if stmt.method == "transpose" and len(args) == 1 and not stmt.kwargs:
            return f"{target} = {obj}.T"
        return f"{target} = {obj}.{stmt.method}({_call_args(args[1:], stmt.kwargs, names)})"
    if kind == "setitem":
        obj, index, value = args
        return f"{literal(obj, names)}[{_index(index, names)}] = {literal(value, names)}"
    if kind == "scalar":
        target = stmt.outs[0].name
        if len(args) == 1:
            a = literal(args[0], names)
            return f"{target} = abs({a})" if stmt.method == "abs" else f"{target} = -{a}"
        return f"{target} = {literal(args[0], names)} {stmt.method} {literal(args[1], names)}"
    if kind == "check":
        return f"{_function_name(stmt.target)}({_call_args(args, {}, names)})"
    raise AssertionError(kind)


def comment(stmt: Stmt) -> str:
    if stmt.label.startswith("backward of "):
        return f"{stmt.label} ({stmt.site})"
    if stmt.label == "forward":
        return stmt.site
    return f"{stmt.label} ({stmt.site})"


def modules_needed(statements: list[Stmt]) -> list[str]:
    """The modules other than NumPy that the lines call into (runtime checks)."""
    found = []
    for stmt in statements:
        if stmt.kind in ("check", "function", "draw"):
            module = getattr(stmt.target, "__module__", "") or ""
            if module and not module.startswith("numpy") and module not in found:
                found.append(module)
    return found
