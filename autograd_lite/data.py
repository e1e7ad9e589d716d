"""Data for training: a batching iterator, offline data sets, standardisation and splits.

The generated data sets (:func:`make_moons`, :func:`make_spirals`, :func:`make_xor`)
need only NumPy.  :func:`load_breast_cancer` and :func:`load_digits` read the copies
that scikit-learn ships (no download); they need the ``examples`` extra.  Arrays are
batch-first: one example per row.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DATASETS",
    "DataLoader",
    "Split",
    "load_breast_cancer",
    "load_dataset",
    "load_digits",
    "make_moons",
    "make_spirals",
    "make_xor",
    "standardize",
    "train_test_split",
]

RNGLike = np.random.Generator | int | None
Array = NDArray[Any]


def _generator(rng: RNGLike) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


class DataLoader:
    """Iterate over aligned arrays in mini-batches (batch axis first).

    Each pass yields tuples of array slices, one per input array.  With ``shuffle`` a
    new permutation is drawn from ``rng`` at every pass, so a seeded loader gives the
    same sequence of epochs on every run.

    Parameters
    ----------
    *arrays
        Arrays with the same length along axis 0 (e.g. ``X, y``).
    batch_size
        Examples per batch (the last one may be smaller unless ``drop_last``).
    shuffle
        Visit the examples in a fresh random order every pass.
    drop_last
        Skip the final incomplete batch.
    rng
        Generator or seed for shuffling; ``None`` uses a fresh unseeded one.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite.data import DataLoader
    >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in DataLoader(X, y, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> len(DataLoader(X, y, batch_size=2, drop_last=True))
    2
    """

    def __init__(
        self,
        *arrays: ArrayLike,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: RNGLike = None,
    ) -> None:
        if not arrays:
            raise ValueError("DataLoader needs at least one array")
        self.arrays = [np.asarray(a) for a in arrays]
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"DataLoader: arrays differ in length along axis 0: {shapes}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        self.n = lengths.pop()
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = _generator(rng)

    def __len__(self) -> int:
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Array, ...]]:
        order = self.rng.permutation(self.n) if self.shuffle else None
        for b in range(len(self)):
            lo, hi = b * self.batch_size, min((b + 1) * self.batch_size, self.n)
            if order is None:
                yield tuple(a[lo:hi] for a in self.arrays)
            else:
                idx = order[lo:hi]
                yield tuple(a[idx] for a in self.arrays)


# --------------------------------------------------------------------- preprocessing
def standardize(train: ArrayLike, *others: ArrayLike) -> tuple[Array, ...]:
    """Scale every column to mean 0, standard deviation 1, with the statistics of ``train``.

    The same shift and scale are applied to ``others`` (e.g. the test set).  Constant
    columns are centred but not scaled (their standard deviation counts as 1).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite.data import standardize
    >>> (a,) = standardize(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> a
    array([[-1.,  0.],
           [ 1.,  0.]])
    """
    train_arr = np.asarray(train, dtype=np.float64)
    mean = train_arr.mean(axis=0)
    std = train_arr.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return tuple((np.asarray(a, dtype=np.float64) - mean) / std for a in (train_arr, *others))


def train_test_split(
    X: ArrayLike, y: ArrayLike, test_size: float = 0.2, rng: RNGLike = 0
) -> tuple[Array, Array, Array, Array]:
    """Shuffle, then split into ``X_train, X_test, y_train, y_test``.

    ``test_size`` is a fraction in (0, 1); the test set gets ``ceil(test_size * n)``
    examples.  ``rng`` defaults to the seed 0, so the split is the same on every run.
    """
    X_arr, y_arr = np.asarray(X), np.asarray(y)
    if len(X_arr) != len(y_arr):
        raise ValueError(f"train_test_split: X has {len(X_arr)} rows but y has {len(y_arr)}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"train_test_split: test_size must lie in (0, 1), got {test_size}")
    n = len(X_arr)
    n_test = math.ceil(test_size * n)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: {n} examples are too few to split")
    order = _generator(rng).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X_arr[train], X_arr[test], y_arr[train], y_arr[test]


# --------------------------------------------------------------------- generated sets
def make_moons(n: int = 200, noise: float = 0.1, rng: RNGLike = 0) -> tuple[Array, Array]:
    """Two interleaving half circles: ``X`` of shape (n, 2), labels 0/1 of shape (n,)."""
    gen = _generator(rng)
    n_a = n // 2
    n_b = n - n_a
    ta = np.linspace(0, np.pi, n_a)
    tb = np.linspace(0, np.pi, n_b)
    a = np.column_stack([np.cos(ta), np.sin(ta)])
    b = np.column_stack([1 - np.cos(tb), 0.5 - np.sin(tb)])
    X = np.concatenate([a, b]) + gen.normal(0.0, noise, (n, 2))
    y = np.concatenate([np.zeros(n_a, np.int64), np.ones(n_b, np.int64)])
    return X, y


def make_spirals(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, rng: RNGLike = 0
) -> tuple[Array, Array]:
    """Interleaved spiral arms, one per class: ``X`` (n, 2), labels 0..n_classes-1."""
    gen = _generator(rng)
    r = np.linspace(0.0, 1.0, n_per_class)
    Xs, ys = [], []
    for k in range(n_classes):
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class)
        theta = theta + gen.normal(0.0, noise, n_per_class)
        Xs.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        ys.append(np.full(n_per_class, k, dtype=np.int64))
    return np.concatenate(Xs), np.concatenate(ys)


def make_xor(n: int = 200, noise: float = 0.1, rng: RNGLike = 0) -> tuple[Array, Array]:
    """Four clusters at (±1, ±1); the label is 1 where the signs of the coordinates differ."""
    gen = _generator(rng)
    corners = gen.integers(0, 2, (n, 2))
    X = (2.0 * corners - 1.0) + gen.normal(0.0, noise, (n, 2))
    y = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return X, y


# --------------------------------------------------------------------- bundled sets
_EXTRA_HINT = "install the examples extra: pip install 'autograd_lite[examples]'"


def _bundled(filename: str, skiprows: int, loader: str) -> tuple[Array, Array]:
    """Features and labels of a data set that scikit-learn ships as a CSV file.

    Reading the file directly avoids importing scikit-learn (over a second); if the
    file is not where this version of scikit-learn keeps it, its loader is used.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError(
            f"this data set comes with scikit-learn, which is not installed; {_EXTRA_HINT}"
        )
    path = os.path.join(os.path.dirname(spec.origin), "datasets", "data", filename)
    if os.path.exists(path):
        table = np.loadtxt(path, delimiter=",", skiprows=skiprows)
        return table[:, :-1], table[:, -1].astype(np.int64)
    try:
        datasets = importlib.import_module("sklearn.datasets")
    except ImportError as exc:  # pragma: no cover - found above but broken
        raise ImportError(f"scikit-learn could not be imported ({exc}); {_EXTRA_HINT}") from exc
    bunch = getattr(datasets, loader)()
    return np.asarray(bunch.data, np.float64), np.asarray(bunch.target, np.int64)


def load_breast_cancer() -> tuple[Array, Array]:
    """Wisconsin breast-cancer data: ``X`` (569, 30) float64, labels 0/1 (1 = benign).

    Needs scikit-learn (the ``examples`` extra), which ships the data.
    """
    return _bundled("breast_cancer.csv", 1, "load_breast_cancer")


def load_digits() -> tuple[Array, Array]:
    """8x8 handwritten digits: ``X`` (1797, 64) float64 pixel values 0-16, labels 0-9.

    Needs scikit-learn (the ``examples`` extra), which ships the data.
    """
    return _bundled("digits.csv.gz", 0, "load_digits")


class Split(NamedTuple):
    """A standardised train/test split and the number of classes."""

    X_train: Array
    X_test: Array
    y_train: Array
    y_test: Array
    n_classes: int


DATASETS = ("breast_cancer", "digits", "moons", "spirals", "xor")


def load_dataset(name: str, test_size: float = 0.2, seed: int = 0) -> Split:
    """One of :data:`DATASETS`, split with ``seed`` and standardised with the train statistics.

    Examples
    --------
    >>> from autograd_lite.data import load_dataset
    >>> split = load_dataset("xor")
    >>> split.X_train.shape, split.X_test.shape, split.n_classes
    ((160, 2), (40, 2), 2)
    """
    loaders: dict[str, Callable[[], tuple[Array, Array]]] = {
        "breast_cancer": load_breast_cancer,
        "digits": load_digits,
        "moons": lambda: make_moons(rng=seed),
        "spirals": lambda: make_spirals(rng=seed),
        "xor": lambda: make_xor(rng=seed),
    }
    if name not in loaders:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    X, y = loaders[name]()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size, rng=seed)
    X_train, X_test = standardize(X_train, X_test)
    return Split(X_train, X_test, y_train, y_test, int(y.max()) + 1)
