"""Optimizers that update parameters in place from their ``.grad``, and learning-rate schedules.

The update rules are PyTorch's, step for step (``torch.optim.SGD``, ``Adam``, ``AdamW``,
``RMSprop`` and ``Adagrad``, without ``maximize``).  A step changes ``p.data`` in place,
so parameters keep their identity, and records nothing in the graph.
``ag.optim.lr_scheduler`` holds the schedulers that set ``group["lr"]``
between steps, as ``torch.optim.lr_scheduler`` does.
"""

from __future__ import annotations

from . import lr_scheduler
from ._adagrad import Adagrad
from ._adam import Adam, AdamW
from ._optimizer import Optimizer
from ._rmsprop import RMSprop
from ._sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
