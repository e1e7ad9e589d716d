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


state = _ThreadState()
# How many threads are inside detect_anomaly(): ops read this plain global first, so that
# anomaly mode costs nothing while no thread uses it.
anomaly_threads = 0
_anomaly_lock = threading.Lock()


class _GradMode:
    """Sets graph recording on or off for a ``with`` block or a decorated function."""

    _enabled: bool

    def __enter__(self) -> None:
        self._previous = state.grad_enabled
        state.grad_enabled = self._enabled

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        state.grad_enabled = self._previous

    def __call__(self, func: F) -> F:
        enabled = self._enabled

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = state.grad_enabled
            state.grad_enabled = enabled
            try:
                return func(*args, **kwargs)
            finally:
                state.grad_enabled = previous

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
        global anomaly_threads
        self._previous = state.anomaly
        state.anomaly = True
        if not self._previous:
            with _anomaly_lock:
                anomaly_threads += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global anomaly_threads
        state.anomaly = self._previous
        if not self._previous:
            with _anomaly_lock:
                anomaly_threads -= 1
