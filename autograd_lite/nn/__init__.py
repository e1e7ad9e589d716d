"""Building blocks for models: Module, Parameter, layers and initialisers.

Names and meanings follow PyTorch's ``torch.nn``: parameters and submodules are
registered by attribute assignment, ``state_dict`` maps dotted names to arrays, and
``Linear`` is batch-first.  :class:`TwoLayerNet` is the tutorial's network in its
column convention.
"""

from __future__ import annotations

from . import init
from ._layers import ACTIVATIONS, Linear, ReLU, Sequential, Sigmoid, Tanh, activation
from ._module import IncompatibleKeys, Module
from ._parameter import Parameter
from ._two_layer import TwoLayerNet

__all__ = [
    "ACTIVATIONS",
    "IncompatibleKeys",
    "Linear",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "TwoLayerNet",
    "activation",
    "init",
]
