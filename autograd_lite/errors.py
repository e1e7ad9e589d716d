"""Exceptions raised by autograd_lite beyond Python's own TypeError, ValueError and IndexError."""

from __future__ import annotations


class GraphFreedError(RuntimeError):
    """A backward pass reached a node whose saved arrays were already released.

    Raised on a second ``backward()`` through the same graph without ``retain_graph=True``.
    """


class NotDifferentiableError(TypeError):
    """A vector-Jacobian product could not be differentiated again.

    Raised during higher-order differentiation when a VJP computes with raw NumPy on a
    Tensor instead of with autograd_lite's own functions and operators.
    """


class NumpyOnTensorError(TypeError):
    """NumPy was asked to turn a Tensor that requires grad into a plain array.

    Use ``tensor.detach()`` (or ``tensor.numpy()``) to leave the graph on purpose.
    """


class AnomalyError(FloatingPointError):
    """Anomaly mode found NaN or infinity in an op's result or in a gradient.

    Raised only inside :func:`autograd_lite.detect_anomaly`; the message names the op and
    the file and line where it was called.
    """


class TraceError(RuntimeError):
    """:func:`autograd_lite.compile` met something that a recorded program cannot replay.

    Raised while tracing, naming the call and the user's file and line: a traced value
    turned into a Python value (``bool``, ``float``, ``int``, ``.item()``, ``.tolist()``,
    iteration, ``np.asarray``), or an array computed by a path the trace cannot see.  A
    trace that raises changes nothing: parameters, ``.grad`` and optimizer state are as
    they were before the call.
    """
