"""Tools for testing gradients: finite-difference checks and hypothesis strategies.

``strategies`` needs the ``hypothesis`` package (the ``test`` extra); ``check_grad``
needs only NumPy.
"""

from __future__ import annotations

from ._check import check_grad, numerical_grad

__all__ = ["check_grad", "numerical_grad"]
