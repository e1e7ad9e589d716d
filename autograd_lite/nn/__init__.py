"""Building blocks for models: Module, Parameter, layers, losses and initialisers.

Names and meanings follow PyTorch's ``torch.nn``: parameters and submodules are
registered by attribute assignment, ``state_dict`` maps dotted names to arrays (buffers
such as batch norm's running statistics included), layers are batch-first where PyTorch's
are, images are NCHW and weights have PyTorch's layouts.  :class:`TwoLayerNet` is the
tutorial's network in its column convention.  ``nn.functional`` holds the ops under
``torch.nn.functional``'s spellings, ``nn.utils`` the gradient-clipping helpers.
"""

from __future__ import annotations

from . import functional, init, utils
from ._activation import ELU, GELU, LeakyReLU, SiLU, Softmax, Softplus
from ._attention import MultiheadAttention
from ._container import ModuleDict, ModuleList
from ._conv import AvgPool2d, Conv1d, Conv2d, MaxPool2d
from ._dropout import Dropout
from ._layers import (
    ACTIVATIONS,
    Flatten,
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    activation,
)
from ._loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from ._module import IncompatibleKeys, Module
from ._norm import BatchNorm1d, BatchNorm2d, LayerNorm
from ._parameter import Parameter
from ._sparse import Embedding
from ._two_layer import TwoLayerNet

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "GELU",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "HuberLoss",
    "Identity",
    "IncompatibleKeys",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiheadAttention",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Tanh",
    "TwoLayerNet",
    "activation",
    "functional",
    "init",
    "utils",
]
