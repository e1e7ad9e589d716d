"""Anomaly mode: the first NaN or infinity, forward or backward, names its op and call site."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.errors import AnomalyError


def test_forward_nan_names_the_op_and_the_line() -> None:
    x = ag.Tensor([-1.0, 1.0], requires_grad=True)
    with ag.detect_anomaly(), pytest.raises(AnomalyError) as info:
        ag.sqrt(x)  # the line reported
    message = str(info.value)
    assert "'sqrt'" in message
    assert f"{__file__}:" in message and "test_anomaly.py" in message


def test_backward_infinity_names_the_op() -> None:
    x = ag.Tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = ag.sqrt(x)  # finite forward, infinite derivative at 0
        with pytest.raises(AnomalyError, match="gradient for input 0 of op 'sqrt'"):
            y.sum().backward()


def test_reported_line_is_the_users_call() -> None:
    x = ag.Tensor([1.0], requires_grad=True)

    def model(t: ag.Tensor) -> ag.Tensor:
        return ag.log(t - 1.0)  # log(0) = -inf

    with ag.detect_anomaly(), pytest.raises(AnomalyError) as info:
        model(x)
    line = model.__code__.co_firstlineno + 1
    assert f"test_anomaly.py:{line}" in str(info.value)


def test_off_by_default_and_restored_after_the_block() -> None:
    x = ag.Tensor([0.0])
    with np.errstate(divide="ignore"):
        assert np.isneginf(ag.log(x).data).all()  # no error outside the block
    with ag.detect_anomaly(), pytest.raises(AnomalyError):
        ag.log(x)
    with np.errstate(divide="ignore"):
        ag.log(x)


def test_finite_computations_are_unchanged() -> None:
    x = ag.Tensor([0.5, 2.0], requires_grad=True)
    with ag.detect_anomaly():
        y = (ag.log(x) * ag.sigmoid(x)).sum()
        y.backward()
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(x.grad, s / x.data + np.log(x.data) * s * (1 - s))
