"""Graph-recording mode: a thread-local switch, and the context managers that flip it."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadState(threading.local):
    # Class attributes are the defaults every new thread starts from.
    grad_enabled: bool = True
    nesting: int = 0  # how many functional differentiations (ag.grad, ...) are running
    anomaly: bool = False  # inside detect_anomaly()
    # Set while first-order VJPs run: ops called on plain arrays then return plain arrays.
    arrays_in_vjps: bool = False
    # Set while ag.compile traces a function on this thread: ops take the recording path.
    tracing: bool = False
    # Set for every thread once an array of another library than NumPy has entered a
    # Tensor: ops then look at their inputs' libraries (see _backends.py).
    foreign: bool = False


state = _ThreadState()
# One entry per thread that is not in the default mode (recording, outside VJPs, no
# anomaly checks).  Ops test this plain global first and look at their own thread's
# ``state`` only when it is not empty, so the common case costs no thread-local lookup.
# Every change of those three switches goes through :func:`set_state` (or mirrors it, as
# the backward pass does), which keeps the entries: a thread adds one as it leaves the
# default mode and takes one as it returns, so an empty list means this thread is in it.
# ``list.append`` and ``list.pop`` are atomic, so threads need no lock to share it.
unusual: list[None] = []


def set_state(grad_enabled: bool, arrays_in_vjps: bool, anomaly: bool) -> tuple[bool, bool, bool]:
    """Set this thread's switches; returns the ones they replace, to restore with ``set_state``."""
    s = state
    previous = (s.grad_enabled, s.arrays_in_vjps, s.anomaly)
    s.grad_enabled = grad_enabled
    s.arrays_in_vjps = arrays_in_vjps
    s.anomaly = anomaly
    was = not previous[0] or previous[1] or previous[2]
    now = not grad_enabled or arrays_in_vjps or anomaly
    if now and not was:
        unusual.append(None)
    elif was and not now:
        unusual.pop()
    return previous


def use_foreign_arrays() -> None:
    """Make every op look at its inputs' libraries from now on (once per process).

    The entry added to ``unusual`` is never taken back: the default mode's fast path
    assumes NumPy arrays only.
    """
    _ThreadState.foreign = True
    unusual.append(None)


def begin_trace() -> None:
    """Mark this thread as tracing (it then counts as out of the default mode)."""
    state.tracing = True
    unusual.append(None)


def end_trace() -> None:
    state.tracing = False
    unusual.pop()


def set_grad_enabled(enabled: bool) -> bool:
    """Switch recording on this thread; returns the previous setting."""
    previous = state.grad_enabled
    set_state(enabled, state.arrays_in_vjps, state.anomaly)
    return previous


class _GradMode:
    """Sets graph recording on or off for a ``with`` block or a decorated function."""

    _enabled: bool

    def __enter__(self) -> None:
        self._previous = set_grad_enabled(self._enabled)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        set_grad_enabled(self._previous)

    def __call__(self, func: F) -> F:
        enabled = self._enabled

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = set_grad_enabled(enabled)
            try:
                return func(*args, **kwargs)
            finally:
                set_grad_enabled(previous)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Record no graph inside the block (or the decorated function).

    Ops still compute their values; their results simply do not require grad.
    The switch is thread-local: other threads keep recording.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> w = ag.Tensor([1.0, 2.0], requires_grad=True)
    >>> with ag.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _enabled = False


class enable_grad(_GradMode):
    """Record the graph again inside the block, e.g. within a :class:`no_grad` region."""

    _enabled = True


def is_grad_enabled() -> bool:
    """Whether ops on this thread currently record the graph."""
    return state.grad_enabled


class detect_anomaly:
    """Check every op result and every gradient for NaN and infinity inside the block.

    The first non-finite value raises :class:`~autograd_lite.errors.AnomalyError`, naming
    the op and the file and line of the code that called it.  NumPy's own floating-point
    warnings are silenced meanwhile, so the error is the first thing reported.  Off by
    default; outside the block it costs nothing but one flag test per op.  Thread-local.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> x = ag.Tensor([0.0, 1.0], requires_grad=True)
    >>> with ag.detect_anomaly():
    ...     y = ag.log(x)
    Traceback (most recent call last):
    ...
    autograd_lite.errors.AnomalyError: the result of op 'log' (output shape (2,)) contains NaN...
    """

    def __enter__(self) -> None:
        self._previous = state.anomaly
        set_state(state.grad_enabled, state.arrays_in_vjps, True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        set_state(state.grad_enabled, state.arrays_in_vjps, self._previous)
